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

Scaling down (`scaled_down`) is the one way a test changes what a listing
does, and it leaves the text alone: the two seed autoencoders load all of MNIST
and train for 25 epochs.  Inside ``scaled_down(target, Scale(...))``:

- ``<target>.datasets.mnist.load_data`` returns `small_mnist`'s seeded stand-in
  (uint8 images and labels, MNIST's shapes and types, ``Scale.train`` and
  ``Scale.test`` samples) instead of downloading;
- ``<target>.models.Model.fit`` (so also ``Sequential.fit``) first sets the
  model's weights to ``Scale.weights`` when given (so that two runs start
  from the same point), then runs with ``Scale.fit``'s keyword arguments
  overriding the listing's (e.g. ``{"epochs": 1, "shuffle": False}``), and
  records every ``history.history`` in ``Scale.histories``;
- NumPy's global generator is seeded with ``Scale.seed`` (for listings that
  draw with ``np.random.rand``).

Everything is restored on exit.  `describe` turns what a run leaves (cell
values, namespace entries, the pyplot record) into plain data that both sides
can compare.

This module is imported by the reference worker too (support.keras_side_models),
so it needs nothing but NumPy.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

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


# --------------------------------------------------------------------------- scaling down


@dataclass
class Scale:
    """How `scaled_down` shrinks a listing's data and training (see the module docstring)."""

    train: int = 200
    test: int = 16
    seed: int = 0
    fit: dict[str, Any] = field(default_factory=dict)
    weights: list[np.ndarray] | None = None
    histories: list[dict[str, list[float]]] = field(default_factory=list)


def small_mnist(
    train: int, test: int, seed: int = 0
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """A seeded stand-in for ``mnist.load_data()``: MNIST's shapes and dtypes, fewer samples.

    Each image is mostly zeros with a bright random patch, roughly as sparse as a digit.
    """
    rng = np.random.default_rng(seed)

    def split(count: int) -> tuple[np.ndarray, np.ndarray]:
        images = np.zeros((count, 28, 28), np.uint8)
        for image in images:
            top, left = rng.integers(2, 14, 2)
            height, width = rng.integers(6, 13, 2)
            patch = rng.integers(0, 256, (height, width), dtype=np.uint8)
            image[top : top + height, left : left + width] = patch
        return images, rng.integers(0, 10, count, dtype=np.uint8)

    return split(train), split(test)


@contextlib.contextmanager
def scaled_down(target: str, scale: Scale) -> Iterator[Scale]:
    """Run a listing on `small_mnist`, with `scale`'s fit overrides and start weights."""
    mnist = importlib.import_module(f"{target}.datasets.mnist")
    models = importlib.import_module(f"{target}.models")
    original_fit = models.Model.fit

    def load_data(*args: Any, **kwargs: Any) -> Any:
        return small_mnist(scale.train, scale.test, scale.seed)

    def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        if scale.weights is not None:
            self.set_weights(scale.weights)
        kwargs.update(scale.fit)
        history = original_fit(self, *args, **kwargs)
        scale.histories.append({k: [float(v) for v in vs] for k, vs in history.history.items()})
        return history

    # The listings draw from NumPy's legacy global generator (np.random.rand).
    state = np.random.get_state()  # noqa: NPY002
    np.random.seed(scale.seed)  # noqa: NPY002
    try:
        with (
            mock.patch.object(mnist, "load_data", load_data),
            mock.patch.object(models.Model, "fit", fit),
        ):
            yield scale
    finally:
        np.random.set_state(state)  # noqa: NPY002


# --------------------------------------------------------------------------- comparing


def describe(value: Any) -> Any:
    """Plain data for a value a listing left, comparable between Keras and upsample.

    Arrays and strings as they are; a model as its weights; a layer as its config;
    a list of variables as their ``(path, shape)``; anything else as None.
    """
    if isinstance(value, np.ndarray | str):
        return value
    if hasattr(value, "get_weights") and hasattr(value, "layers"):
        return [np.asarray(w) for w in value.get_weights()]
    if hasattr(value, "get_config") and hasattr(value, "compute_output_shape"):
        return value.get_config()
    if isinstance(value, list) and value and all(hasattr(v, "path") for v in value):
        return [(v.path, tuple(v.shape)) for v in value]
    return None


def describe_plots(plt: PyplotStub) -> dict[str, Any]:
    """What the pyplot stub recorded: per figure, its suptitles and each axes' titles and images."""
    return {
        "shown": plt.shown,
        "figures": [
            {
                "suptitles": list(figure.suptitles),
                "axes": [(list(axes.titles), list(axes.images)) for axes in figure.axes],
            }
            for figure in plt.figures
        ],
    }
