"""Figures of GAN runs: sample grids, their animation, score curves, confidence histograms.

The same conventions as `upsample.reports.plots`: matplotlib's object API
(never pyplot), one grey scale from 0 (black) to 1 (white) for every digit, and
files written atomically.  A run's history is a Keras-style dictionary of
per-epoch lists (``d_loss``, ``g_loss``, ``frechet_distance``, ...,
``steps``, ``seconds``), as `upsample train` writes it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.animation import PillowWriter
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.ticker import MaxNLocator

from upsample.reports.plots import DPI, _figure, _image, tile

# Samples per row of a grid: 64 samples make an 8x8 grid.
GRID_COLUMNS = 8
# Each score panel: (history key, axis label, logarithmic axis).
_SCORE_PANELS = (
    ("frechet_distance", "Fréchet distance (classifier features)", True),
    ("effective_classes", "Effective number of classes (of 10)", False),
    ("confidence_mean", "Mean classifier confidence", False),
)
_X_LABELS = {"steps": "Training steps", "seconds": "Training time (s)"}


def grid_tiles(images: np.ndarray, columns: int = GRID_COLUMNS) -> np.ndarray:
    """``(n, h, w[, 1])`` images as one tiled picture, `columns` to a row (n a multiple)."""
    stack = np.asarray(images)
    if stack.ndim not in (3, 4) or len(stack) == 0 or len(stack) % columns:
        raise ValueError(
            f"A grid needs (n, h, w[, 1]) images with n a positive multiple of {columns}. "
            f"Received shape {stack.shape}."
        )
    return tile([stack[start : start + columns] for start in range(0, len(stack), columns)])


def _grid_panels(labels: Sequence[str]) -> tuple[Figure, list[Axes]]:
    figure = _figure(3.6 * len(labels) + 0.4, 4.2)
    panels = list(figure.subplots(1, len(labels), squeeze=False)[0])
    for axes, label in zip(panels, labels):
        axes.set_title(label)
        axes.set_axis_off()
    return figure, panels


def sample_grids(grids: Mapping[str, np.ndarray], *, title: str) -> Figure:
    """One panel of tiled samples per entry of `grids` (label -> ``(n, h, w[, 1])``), side
    by side."""
    if not grids:
        raise ValueError("sample_grids needs at least one grid.")
    figure, panels = _grid_panels(list(grids))
    for axes, images in zip(panels, grids.values()):
        _image(axes, grid_tiles(images), 0.0, 1.0)
    figure.suptitle(title)
    return figure


def save_grid_animation(
    frames: Sequence[Mapping[str, np.ndarray]],
    titles: Sequence[str],
    path: str | os.PathLike[str],
    *,
    frames_per_second: int = 2,
) -> Path:
    """An animated GIF of `frames` (each as `sample_grids` takes it), one title per frame.

    Written by matplotlib's `PillowWriter` (Pillow is a dependency of
    matplotlib) to a temporary file beside `path`, then renamed over it.
    """
    if not frames or len(frames) != len(titles):
        raise ValueError(
            f"An animation needs one title per frame and at least one frame. Received "
            f"{len(frames)} frame(s) and {len(titles)} title(s)."
        )
    labels = list(frames[0])
    figure, panels = _grid_panels(labels)
    shown: list[AxesImage] = [
        _image(axes, grid_tiles(frames[0][label]), 0.0, 1.0) for axes, label in zip(panels, labels)
    ]
    heading = figure.suptitle(titles[0])
    target = Path(path)
    temporary = target.with_name(f".{target.stem}.{os.getpid()}.tmp{target.suffix}")
    writer = PillowWriter(fps=frames_per_second)
    try:
        with writer.saving(figure, str(temporary), dpi=DPI):
            for frame, title in zip(frames, titles):
                for image, label in zip(shown, labels):
                    image.set_data(grid_tiles(frame[label]))
                heading.set_text(title)
                writer.grab_frame()
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def score_curves(
    runs: Mapping[str, Mapping[str, Sequence[float]]],
    *,
    x: str = "steps",
    floor: float | None = None,
    title: str,
) -> Figure:
    """The scores and both losses of one or more runs against ``steps`` or ``seconds``.

    Four panels: the Fréchet distance (logarithmic, with the real-data `floor`
    dashed), the effective number of classes, the mean confidence, and the
    losses (discriminator solid, generator dashed).  A run without a score
    (an epoch that was not scored) has a gap there.
    """
    if x not in _X_LABELS:
        raise ValueError(f"`x` must be one of {sorted(_X_LABELS)}. Received: x={x!r}")
    if not runs:
        raise ValueError("score_curves needs at least one run.")
    figure = _figure(10, 7)
    grid = figure.subplots(2, 2)
    panels: list[Axes] = list(grid.ravel())
    for index, (label, history) in enumerate(runs.items()):
        colour = f"C{index}"
        positions = np.asarray(history.get(x, []), dtype=float)
        for axes, (key, _, _) in zip(panels, _SCORE_PANELS):
            _curve(axes, positions, history.get(key), "-", colour, label)
        _curve(panels[3], positions, history.get("d_loss"), "-", colour, f"{label} (D)")
        _curve(panels[3], positions, history.get("g_loss"), "--", colour, f"{label} (G)")
    for axes, (_, name, logarithmic) in zip(panels, _SCORE_PANELS):
        axes.set_ylabel(name)
        if logarithmic:
            axes.set_yscale("log")
    if floor is not None:
        panels[0].axhline(floor, color="grey", linestyle=":", label=f"real images ({floor:.1f})")
    panels[1].set_ylim(0, 10.5)
    panels[2].set_ylim(0, 1.05)
    panels[3].set_ylabel("Loss (binary crossentropy)")
    for axes in panels:
        axes.set_xlabel(_X_LABELS[x])
        if x == "steps":
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(alpha=0.3)
    for axes in (panels[0], panels[3]):
        if axes.get_legend_handles_labels()[0]:  # none when no epoch finished (diverged)
            axes.legend(fontsize="small")
    figure.suptitle(title)
    return figure


def _curve(
    axes: Axes,
    positions: np.ndarray,
    values: Sequence[float] | None,
    style: str,
    colour: str,
    label: str,
) -> None:
    if values:
        axes.plot(positions[: len(values)], values, style, color=colour, marker="o", label=label)


def confidence_histograms(confidences: Mapping[str, np.ndarray], *, title: str) -> Figure:
    """The distribution of the classifier's top probability over each run's samples."""
    if not confidences:
        raise ValueError("confidence_histograms needs at least one run.")
    figure = _figure(7, 4.2)
    axes = figure.subplots()
    bins = np.linspace(0.1, 1.0, 19).tolist()  # the top of 10 probabilities is at least 0.1
    for index, (label, values) in enumerate(confidences.items()):
        weights = np.full(len(values), 1 / max(len(values), 1))
        axes.hist(
            values, bins=bins, weights=weights, histtype="step", linewidth=2, color=f"C{index}"
        )
        axes.plot([], [], color=f"C{index}", linewidth=2, label=label)
    axes.set_xlabel("Classifier's top probability for a sample")
    axes.set_ylabel("Fraction of samples")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.suptitle(title)
    return figure
