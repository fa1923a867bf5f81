"""The comparison report, as Markdown (beside its PNGs) and as one self-contained HTML file.

Both are rendered from the same `Report`, so they always say the same thing;
the HTML embeds its images as base64 ``data:`` URIs, so it can be mailed or
archived alone.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, Protocol, TypeVar


class TableRow(Protocol):
    """A line of a report's table: its cells, in the order of the report's header."""

    def cells(self) -> list[str]: ...


RowT = TypeVar("RowT", bound=TableRow)


@dataclass(frozen=True)
class Row:
    """One trained model's line in the table."""

    model: str
    decoder: str
    parameters: int
    batch_size: int
    steps: int
    final_loss: float | None
    final_val_loss: float | None
    seconds: float
    samples_per_second: float

    def cells(self) -> list[str]:
        return [
            self.model,
            self.decoder,
            f"{self.parameters:,}",
            str(self.batch_size),
            f"{self.steps:,}",
            format_loss(self.final_loss),
            format_loss(self.final_val_loss),
            f"{self.seconds:.1f} s",
            f"{self.samples_per_second:,.0f}",
        ]


HEADER = [
    "Model",
    "Decoder",
    "Parameters",
    "Batch size",
    "Steps",
    "Final train loss",
    "Final validation loss",
    "Training time",
    "Samples/s",
]


def format_loss(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


@dataclass(frozen=True)
class Figure:
    """A PNG (or an animated GIF) in the report folder and what it shows."""

    path: Path
    caption: str


@dataclass(frozen=True)
class Report(Generic[RowT]):
    """A title, an introduction, one table (`header` over `rows`), figures, notes, details."""

    title: str
    intro: str
    rows: Sequence[RowT]
    figures: Sequence[Figure]
    notes: Sequence[str] = ()
    details: dict[str, str] = field(default_factory=dict)
    header: Sequence[str] = tuple(HEADER)

    def markdown(self) -> str:
        """GitHub-flavoured Markdown; images are linked by file name (same folder)."""
        lines = [f"# {self.title}", "", self.intro, ""]
        lines += ["| " + " | ".join(self.header) + " |", "|" + "---|" * len(self.header)]
        lines += ["| " + " | ".join(row.cells()) + " |" for row in self.rows]
        lines.append("")
        for figure in self.figures:
            lines += [f"![{figure.caption}]({figure.path.name})", "", f"*{figure.caption}*", ""]
        lines += [f"- {note}" for note in self.notes]
        if self.details:
            lines += ["", "## Run details", ""]
            lines += [f"- **{key}**: {value}" for key, value in self.details.items()]
        return "\n".join(lines) + "\n"

    def html(self) -> str:
        """A single HTML page with the images embedded; every text is escaped."""
        e = html.escape
        head = "".join(f"<th>{e(name)}</th>" for name in self.header)
        body = "".join(
            "<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in row.cells()) + "</tr>"
            for row in self.rows
        )
        figures = "".join(
            f'<figure><img alt="{e(f.caption)}" src="{_data_uri(f.path)}">'
            f"<figcaption>{e(f.caption)}</figcaption></figure>"
            for f in self.figures
        )
        notes = "".join(f"<li>{e(note)}</li>" for note in self.notes)
        details = "".join(
            f"<tr><th>{e(key)}</th><td>{e(value)}</td></tr>" for key, value in self.details.items()
        )
        return (
            "<!DOCTYPE html>\n"
            f'<html lang="en"><head><meta charset="utf-8"><title>{e(self.title)}</title>'
            f"<style>{_CSS}</style></head><body>"
            f"<h1>{e(self.title)}</h1><p>{e(self.intro)}</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            f"{figures}<ul>{notes}</ul>"
            f"<h2>Run details</h2><table>{details}</table>"
            "</body></html>\n"
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
)
