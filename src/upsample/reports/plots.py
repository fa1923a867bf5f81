"""Figures of the seeds: loss curves, reconstructions, the comparison, the upsampling demo.

Everything goes through matplotlib's object API (`matplotlib.figure.Figure`),
never `pyplot`: pyplot keeps every figure alive in global state and picks a GUI
backend, neither of which a command-line tool or a test wants.  A `Figure`
needs no backend to be written as a PNG.

Images share one grey scale per figure (0 = black, 1 = white for MNIST), drawn
as a colour bar, so that the panels of a figure can be compared by eye.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.ticker import MaxNLocator

from upsample.utils.atomic_file import atomic_write

# Figures are sized in inches at this resolution, so a PNG's pixel size is known.
DPI = 100
# Grey, with white for NaN ("bad") pixels: the gaps between tiled images.
_CMAP = colormaps["gray"].with_extremes(bad="white")


def save_png(figure: Figure, path: str | os.PathLike[str]) -> Path:
    """Write `figure` as a PNG at `DPI`, atomically (a failure leaves no partial file)."""
    target = Path(path)
    with atomic_write(target) as handle:
        figure.savefig(handle, format="png", dpi=DPI)
    return target


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def _image(axes: Axes, image: np.ndarray, vmin: float, vmax: float) -> AxesImage:
    # "nearest" shows the pixels as they are: smoothing would hide what we compare.
    return axes.imshow(_two_d(image), cmap=_CMAP, vmin=vmin, vmax=vmax, interpolation="nearest")


def _two_d(image: np.ndarray) -> np.ndarray:
    """An (H, W) array from (H, W) or (H, W, 1)."""
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim != 2:
        raise ValueError(f"Expected a grey image of shape (H, W) or (H, W, 1); got {array.shape}.")
    return array


def loss_curves(
    runs: Mapping[str, Mapping[str, Sequence[float]]],
    *,
    loss_name: str = "binary_crossentropy",
    title: str = "Training and validation loss",
) -> Figure:
    """Loss per epoch for one or more runs on one axes.

    `runs` maps a label to a Keras history (``{"loss": [...], "val_loss": [...]}``);
    each run gets one colour, solid for training and dashed for validation.
    """
    if not runs:
        raise ValueError("loss_curves needs at least one run.")
    figure = _figure(7, 4.5)
    axes = figure.subplots()
    for index, (label, history) in enumerate(runs.items()):
        colour = f"C{index}"
        for key, style, what in (("loss", "-", "training"), ("val_loss", "--", "validation")):
            values = list(history.get(key, []))
            if values:
                epochs = np.arange(1, len(values) + 1)
                axes.plot(
                    epochs, values, style, color=colour, marker="o", label=f"{label} ({what})"
                )
    axes.set_title(title)
    axes.set_xlabel("Epoch")
    axes.set_ylabel(f"Loss ({loss_name.replace('_', ' ')})")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(alpha=0.3)
    axes.legend()
    return figure


def image_rows(
    rows: Mapping[str, np.ndarray],
    *,
    title: str,
    column_titles: Sequence[str] | None = None,
    vmin: float = 0.0,
    vmax: float = 1.0,
) -> Figure:
    """One row of images per entry of `rows` (label -> a stack of images), columns aligned.

    The grid is drawn as one picture (the images tiled with white gaps), not as
    one axes per image: the same look, with one grey scale by construction, and
    several times faster to draw.
    """
    labels = list(rows)
    if not labels:
        raise ValueError("image_rows needs at least one row.")
    tiles = tile([rows[label] for label in labels])
    columns = len(rows[labels[0]])
    height, width = _two_d(rows[labels[0]][0]).shape
    gap = _gap(height)
    figure = _figure(1.2 * columns + 2.4, 1.15 * len(labels) + 0.8)
    axes = figure.subplots()
    shown = _image(axes, tiles, vmin, vmax)
    axes.set_yticks([r * (height + gap) + (height - 1) / 2 for r in range(len(labels))], labels)
    if column_titles is not None:
        axes.set_xticks([c * (width + gap) + (width - 1) / 2 for c in range(columns)])
        axes.set_xticklabels(column_titles)
        axes.xaxis.tick_top()
    else:
        axes.set_xticks([])
    axes.tick_params(length=0)
    for spine in axes.spines.values():
        spine.set_visible(False)
    figure.colorbar(shown, ax=axes, shrink=0.8, label="pixel value")
    figure.suptitle(title)
    return figure


def tile(rows: Sequence[Sequence[np.ndarray] | np.ndarray]) -> np.ndarray:
    """Rows of same-sized grey images as one ``(H, W)`` picture, with NaN gaps between them.

    Each row is a sequence (or stack) of ``(h, w)`` or ``(h, w, 1)`` images, all
    rows as long; the gaps are ``max(1, h // 10)`` pixels and are drawn in the
    colour map's "bad" colour (white).
    """
    stacks = [[_two_d(image) for image in row] for row in rows]
    if not stacks or not stacks[0]:
        raise ValueError("tile needs at least one row of at least one image.")
    columns = len(stacks[0])
    if any(len(stack) != columns for stack in stacks):
        raise ValueError("Every row must hold the same number of images.")
    height, width = stacks[0][0].shape
    if any(image.shape != (height, width) for stack in stacks for image in stack):
        raise ValueError("Every image must have the same size.")
    gap = _gap(height)
    tiles = np.full((len(stacks) * (height + gap) - gap, columns * (width + gap) - gap), np.nan)
    for r, stack in enumerate(stacks):
        for c, image in enumerate(stack):
            top, left = r * (height + gap), c * (width + gap)
            tiles[top : top + height, left : left + width] = image
    return tiles


def _gap(height: int) -> int:
    return max(1, height // 10)


def _digit_titles(targets: Sequence[int] | np.ndarray | None) -> list[str] | None:
    return None if targets is None else [f"target = {int(t)}" for t in targets]


def reconstructions(
    originals: np.ndarray,
    reconstructed: np.ndarray,
    *,
    model_label: str,
    targets: Sequence[int] | np.ndarray | None = None,
) -> Figure:
    """Test digits (top row) and a model's reconstructions of them (bottom row)."""
    return image_rows(
        {"Original": originals, model_label: reconstructed},
        title=f"MNIST test digits and their reconstructions by {model_label}",
        column_titles=_digit_titles(targets),
    )


def comparison(
    originals: np.ndarray,
    upsampling: np.ndarray,
    transpose: np.ndarray,
    *,
    targets: Sequence[int] | np.ndarray | None = None,
) -> Figure:
    """Original | UpSampling2D reconstruction | Conv2DTranspose reconstruction, per digit."""
    return image_rows(
        {"Original": originals, "UpSampling2D": upsampling, "Conv2DTranspose": transpose},
        title="Reconstructions: UpSampling2D vs Conv2DTranspose decoders",
        column_titles=_digit_titles(targets),
    )


def upsampling_demo(
    image: np.ndarray, upsampled: Mapping[str, np.ndarray], *, factor: int
) -> Figure:
    """The original next to its upsamplings, side by side, on the axes' pixel scale.

    The grey scale spans every panel's values, so that the overshoot of bicubic
    and Lanczos interpolation (values beyond the input's range) stays visible.
    """
    panels = {f"Original ({_size(image)})": image}
    panels |= {f"{name} ({_size(data)})": data for name, data in upsampled.items()}
    values = np.concatenate([_two_d(p).ravel() for p in panels.values()])
    vmin, vmax = float(values.min()), float(values.max())
    figure = _figure(3.2 * len(panels) + 1.0, 3.6)
    grid = figure.subplots(1, len(panels), squeeze=False)[0]
    shown = None
    for axes, (label, data) in zip(grid, panels.items()):
        shown = _image(axes, data, vmin, vmax)
        axes.set_title(label)
        axes.set_xlabel("x (pixel)")
        axes.set_ylabel("y (pixel)")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    assert shown is not None
    figure.colorbar(shown, ax=list(grid), shrink=0.8, label="value")
    figure.suptitle(f"A 2x2 image upsampled {factor}x with UpSampling2D's interpolations")
    return figure


def _size(image: np.ndarray) -> str:
    height, width = _two_d(image).shape
    return f"{height}x{width}"


def matrices(panels: Mapping[str, np.ndarray], *, title: str) -> Figure:
    """Small arrays side by side with every value written in its cell."""
    arrays = {label: _two_d(data) for label, data in panels.items()}
    values = np.concatenate([a.ravel() for a in arrays.values()])
    vmin, vmax = float(values.min()), float(values.max())
    figure = _figure(3.0 * len(arrays) + 0.5, 3.4)
    grid = figure.subplots(1, len(arrays), squeeze=False)[0]
    middle = (vmin + vmax) / 2
    for axes, (label, array) in zip(grid, arrays.items()):
        _image(axes, array, vmin, vmax)
        for (row, column), value in np.ndenumerate(array):
            # Dark text on light cells and light text on dark ones.
            colour = "black" if value > middle else "white"
            axes.text(column, row, f"{value:g}", ha="center", va="center", color=colour)
        axes.set_title(label)
        axes.set_xticks(range(array.shape[1]))
        axes.set_yticks(range(array.shape[0]))
        axes.set_xlabel("column")
        axes.set_ylabel("row")
    figure.suptitle(title)
    return figure
