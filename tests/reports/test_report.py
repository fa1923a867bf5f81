"""The report: one table of any header, figures embedded in the HTML (PNG and GIF)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from upsample.reports.report import Figure, Report


@dataclass(frozen=True)
class Line:
    name: str
    score: float

    def cells(self) -> list[str]:
        return [self.name, f"{self.score:.1f}"]


def test_a_report_of_any_table_with_a_png_and_a_gif(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(b"png bytes")
    (tmp_path / "b.gif").write_bytes(b"GIF89a")
    document = Report(
        title="T <1>",
        intro="intro",
        rows=[Line("x", 1.25), Line("y & z", 3.0)],
        header=("Name", "Score"),
        figures=[Figure(tmp_path / "a.png", "first"), Figure(tmp_path / "b.gif", "second")],
    )
    markdown = document.markdown()
    assert "| Name | Score |\n|---|---|\n| x | 1.2 |\n| y & z | 3.0 |" in markdown
    assert "![second](b.gif)" in markdown
    page = document.html()
    assert "<thead><tr><th>Name</th><th>Score</th></tr></thead>" in page
    assert "<td>y &amp; z</td><td>3.0</td>" in page and "<title>T &lt;1&gt;</title>" in page
    assert 'src="data:image/png;base64,cG5nIGJ5dGVz"' in page  # base64 of b"png bytes"
    assert 'src="data:image/gif;base64,R0lGODlh"' in page  # base64 of b"GIF89a"
