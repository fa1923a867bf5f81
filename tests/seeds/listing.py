"""Run the seeds' code listings with only their import lines changed.

The listings in ``listings/`` are the seeds' code, verbatim: a header comment
says where each comes from and names any repair of the web page's damage
(lost indentation, prose glued to code).  `port` rewrites import lines and
nothing else:

- ``keras`` and ``tensorflow.keras`` become ``upsample`` (or ``keras``, to run
  the same text on the reference);
- ``import matplotlib.pyplot as plt`` and ``import tensorflow as tf`` become
  ``pass``: `plt` is a recording stub (nothing is drawn or shown), and `tf`
  is never used by the listings.

Replaced lines keep their place, so a traceback's line numbers are the file's.
Cells run as a notebook runs them: in one namespace, in order, and the value of
a cell's last expression is kept (a notebook displays it).

This module is imported by the reference worker too (support.keras_side_models),
so it needs nothing but NumPy.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

LISTINGS = Path(__file__).parent / "listings"
CELL_MARK = "# In[ ]:"

_KERAS_IMPORT = re.compile(r"^(\s*)(from|import)\s+(?:tensorflow\.keras|keras)\b(.*)$")
_DROPPED_IMPORT = re.compile(
    r"^(\s*)import\s+(?:matplotlib\.pyplot\s+as\s+plt|tensorflow\s+as\s+tf)\s*$"
)
# What a progress bar line contains (Keras's and ours): dropped before comparing outputs.
_PROGRESS = re.compile(r"\d+/\d+ .*(?:/step|/sample)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def port_line(line: str, target: str = "upsample") -> str:
    """One line of a listing, with Keras imports pointing at `target`."""
    if match := _DROPPED_IMPORT.match(line):
        return f"{match.group(1)}pass"
    if match := _KERAS_IMPORT.match(line):
        indent, keyword, rest = match.groups()
        return f"{indent}{keyword} {target}{rest}"
    return line


def port(source: str, target: str = "upsample") -> str:
    """The listing's text with only its import lines changed (see the module docstring)."""
    return "\n".join(port_line(line, target) for line in source.split("\n"))


def read(name: str) -> str:
    return (LISTINGS / name).read_text(encoding="utf-8")


def cells(name: str) -> list[str]:
    """A listing split at its ``# In[ ]:`` lines; a listing without them is one cell."""
    text = read(name)
    if CELL_MARK not in text:
        return [text]
    parts = re.split(rf"^(?={re.escape(CELL_MARK)})", text, flags=re.MULTILINE)
    return [part for part in parts if part.startswith(CELL_MARK)]


# --------------------------------------------------------------------------- pyplot stub


@dataclass
class Axes:
    """What a listing drew on one set of axes."""

    images: list[np.ndarray] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)

    def imshow(self, image: Any, *args: Any, **kwargs: Any) -> None:
        self.images.append(np.array(image))

    def set_title(self, title: str, *args: Any, **kwargs: Any) -> None:
        self.titles.append(title)


@dataclass
class Figure:
    axes: list[Axes] = field(default_factory=list)
    suptitles: list[str] = field(default_factory=list)

    def suptitle(self, title: str, *args: Any, **kwargs: Any) -> None:
        self.suptitles.append(title)


class PyplotStub:
    """The parts of `matplotlib.pyplot` the listings use, recording instead of drawing."""

    def __init__(self) -> None:
        self.figures: list[Figure] = []
        self.shown = 0
        self._current: Axes | None = None

    def _new_figure(self) -> Figure:
        self.figures.append(Figure())
        return self.figures[-1]

    def subplots(self, nrows: int = 1, ncols: int = 1, **kwargs: Any) -> tuple[Figure, Any]:
        figure = self._new_figure()
        figure.axes = [Axes() for _ in range(nrows * ncols)]
        return figure, figure.axes if nrows * ncols > 1 else figure.axes[0]

    def figure(self, *args: Any, **kwargs: Any) -> Figure:
        return self._new_figure()

    def subplot(self, nrows: int, ncols: int, index: int) -> Axes:
        figure = self.figures[-1] if self.figures else self._new_figure()
        while len(figure.axes) < nrows * ncols:
            figure.axes.append(Axes())
        self._current = figure.axes[index - 1]
        return self._current

    def _axes(self) -> Axes:
        if self._current is None:
            self._current = self.subplot(1, 1, 1)
        return self._current

    def title(self, title: str, *args: Any, **kwargs: Any) -> None:
        self._axes().set_title(title)

    def imshow(self, image: Any, *args: Any, **kwargs: Any) -> None:
        self._axes().imshow(image)

    def show(self, *args: Any, **kwargs: Any) -> None:
        self.shown += 1


# --------------------------------------------------------------------------- running


@dataclass
class Cell:
    """What one cell did: its printed text, its last expression's value, its error."""

    stdout: str
    value: Any = None
    error: BaseException | None = None

    @property
    def printed(self) -> str:
        """`stdout` without progress bars (their timings differ run to run) or colours."""
        lines = _ANSI.sub("", self.stdout).split("\n")
        return "\n".join(line for line in lines if not _PROGRESS.search(line))


def new_namespace() -> dict[str, Any]:
    return {"__name__": "__listing__", "plt": PyplotStub()}


def run_cell(
    source: str, namespace: dict[str, Any], target: str = "upsample", name: str = "<listing>"
) -> Cell:
    """Execute a ported cell in `namespace`, as a notebook does (errors are returned)."""
    tree = ast.parse(port(source, target), name)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    buffer = io.StringIO()
    value, error = None, None
    with contextlib.redirect_stdout(buffer):
        try:
            exec(compile(tree, name, "exec"), namespace)
            if last is not None:
                expression = ast.Expression(last.value)
                value = eval(compile(expression, name, "eval"), namespace)
        except Exception as caught:
            error = caught
    return Cell(buffer.getvalue(), value, error)


def run_cells(
    sources: list[str], target: str = "upsample", namespace: dict[str, Any] | None = None
) -> tuple[list[Cell], dict[str, Any]]:
    """Run cells in order in one namespace; every cell runs even if an earlier one failed."""
    namespace = new_namespace() if namespace is None else namespace
    return [run_cell(source, namespace, target) for source in sources], namespace
