"""The report's Markdown and HTML: the same content, tables and sections, text escaped."""

from __future__ import annotations

from pathlib import Path

from upsample.reports.report import Figure, Report, Section, Table


def test_sections_with_tables_figures_and_notes(tmp_path: Path) -> None:
    png = tmp_path / "plot.png"
    png.write_bytes(b"\x89PNG fake")
    report = Report(
        title="A <title>",
        intro="Intro & more.",
        sections=[
            Section(
                "Results",
                paragraphs=["First."],
                tables=[Table(["Model", "Loss"], [["a|b", "0.1"]], caption="Numbers")],
                figures=[Figure(png, "A plot")],
                notes=["Note <1>."],
            )
        ],
        details={"CPU": "x"},
    )
    markdown = report.markdown()
    assert markdown.splitlines()[:3] == ["# A <title>", "", "Intro & more."]
    assert "## Results\n\nFirst.\n\n*Numbers*\n\n| Model | Loss |\n|---|---|\n" in markdown
    assert "| a\\|b | 0.1 |" in markdown  # a pipe in a cell does not split it
    assert "![A plot](plot.png)" in markdown and "- Note <1>." in markdown
    assert markdown.endswith("## Run details\n\n- **CPU**: x\n")
    page = report.html()
    assert "<h1>A &lt;title&gt;</h1><p>Intro &amp; more.</p>" in page
    assert "<table><caption>Numbers</caption><thead><tr><th>Model</th><th>Loss</th>" in page
    assert "<td>a|b</td>" in page and "<li>Note &lt;1&gt;.</li>" in page
    assert 'src="data:image/png;base64,iVBORyBmYWtl"' in page
    assert "<h2>Run details</h2><table><tr><th>CPU</th><td>x</td></tr></table>" in page


def test_a_report_without_a_models_table_or_details() -> None:
    report = Report(title="T", intro="I")
    assert report.markdown() == "# T\n\nI\n"
    assert "<table>" not in report.html() and "Run details" not in report.html()


def test_a_gif_figure_is_embedded_as_a_gif(tmp_path: Path) -> None:
    animation = tmp_path / "samples.gif"
    animation.write_bytes(b"GIF89a")
    report = Report(title="T", intro="I", figures=[Figure(animation, "Animated")])
    assert "![Animated](samples.gif)" in report.markdown()
    assert 'src="data:image/gif;base64,R0lGODlh"' in report.html()  # base64 of b"GIF89a"
