"""The comparison report, as Markdown (beside its PNGs) and as one self-contained HTML file.

Both are rendered from the same `Report`, so they always say the same thing;
the HTML embeds its images as base64 ``data:`` URIs, so it can be mailed or
archived alone.  A report is its title and introduction, figures and notes,
then any `Section`s (each with its own tables, figures and notes), then the run
details.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    """A PNG (or an animated GIF) in the report folder and what it shows."""

    path: Path
    caption: str


@dataclass(frozen=True)
class Table:
    """A table of text cells; `caption` says what it shows (may be empty)."""

    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    caption: str = ""

    def markdown(self) -> list[str]:
        lines = [f"*{self.caption}*", ""] if self.caption else []
        lines += ["| " + " | ".join(self.header) + " |", "|" + "---|" * len(self.header)]
        lines += ["| " + " | ".join(_markdown_cell(c) for c in row) + " |" for row in self.rows]
        return [*lines, ""]

    def html(self) -> str:
        e = html.escape
        caption = f"<caption>{e(self.caption)}</caption>" if self.caption else ""
        head = "".join(f"<th>{e(name)}</th>" for name in self.header)
        body = "".join(
            "<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in row) + "</tr>" for row in self.rows
        )
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


@dataclass(frozen=True)
class Section:
    """A headed part of a report: paragraphs, then tables, figures and a list of notes."""

    heading: str
    paragraphs: Sequence[str] = ()
    tables: Sequence[Table] = ()
    figures: Sequence[Figure] = ()
    notes: Sequence[str] = ()

    def markdown(self) -> list[str]:
        lines = [f"## {self.heading}", ""]
        for paragraph in self.paragraphs:
            lines += [paragraph, ""]
        for table in self.tables:
            lines += table.markdown()
        return lines + _figures_markdown(self.figures) + _notes_markdown(self.notes)

    def html(self) -> str:
        e = html.escape
        return (
            f"<h2>{e(self.heading)}</h2>"
            + "".join(f"<p>{e(paragraph)}</p>" for paragraph in self.paragraphs)
            + "".join(table.html() for table in self.tables)
            + _figures_html(self.figures)
            + _notes_html(self.notes)
        )


@dataclass(frozen=True)
class Report:
    title: str
    intro: str
    figures: Sequence[Figure] = ()
    notes: Sequence[str] = ()
    details: dict[str, str] = field(default_factory=dict)
    sections: Sequence[Section] = ()

    def markdown(self) -> str:
        """GitHub-flavoured Markdown; images are linked by file name (same folder)."""
        lines = [f"# {self.title}", "", self.intro, ""]
        lines += _figures_markdown(self.figures) + _notes_markdown(self.notes)
        for section in self.sections:
            lines += section.markdown()
        if self.details:
            lines += ["## Run details", ""]
            lines += [f"- **{key}**: {value}" for key, value in self.details.items()]
        return "\n".join(lines).rstrip("\n") + "\n"

    def html(self) -> str:
        """A single HTML page with the images embedded; every text is escaped."""
        e = html.escape
        details = "".join(
            f"<tr><th>{e(key)}</th><td>{e(value)}</td></tr>" for key, value in self.details.items()
        )
        return (
            "<!DOCTYPE html>\n"
            f'<html lang="en"><head><meta charset="utf-8"><title>{e(self.title)}</title>'
            f"<style>{_CSS}</style></head><body>"
            f"<h1>{e(self.title)}</h1><p>{e(self.intro)}</p>"
            + _figures_html(self.figures)
            + _notes_html(self.notes)
            + "".join(section.html() for section in self.sections)
            + (f"<h2>Run details</h2><table>{details}</table>" if details else "")
            + "</body></html>\n"
        )


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|")


def _figures_markdown(figures: Sequence[Figure]) -> list[str]:
    lines: list[str] = []
    for figure in figures:
        lines += [f"![{figure.caption}]({figure.path.name})", "", f"*{figure.caption}*", ""]
    return lines


def _notes_markdown(notes: Sequence[str]) -> list[str]:
    return [*(f"- {note}" for note in notes), ""] if notes else []


def _figures_html(figures: Sequence[Figure]) -> str:
    e = html.escape
    return "".join(
        f'<figure><img alt="{e(f.caption)}" src="{_data_uri(f.path)}">'
        f"<figcaption>{e(f.caption)}</figcaption></figure>"
        for f in figures
    )


def _notes_html(notes: Sequence[str]) -> str:
    return (
        "<ul>" + "".join(f"<li>{html.escape(note)}</li>" for note in notes) + "</ul>"
        if notes
        else ""
    )


# The figures' file types, by suffix: PNG pictures and GIF animations.
_MEDIA_TYPES = {".png": "image/png", ".gif": "image/gif"}


def _data_uri(path: Path) -> str:
    media = _MEDIA_TYPES[path.suffix.lower()]
    return f"data:{media};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;"
    "color:#222}table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #ccc;"
    "padding:.3rem .6rem;text-align:left}td{font-variant-numeric:tabular-nums}"
    "figure{margin:1.5rem 0}img{max-width:100%}figcaption{color:#555}"
    "caption{text-align:left;color:#555;padding:.3rem 0}"
)
