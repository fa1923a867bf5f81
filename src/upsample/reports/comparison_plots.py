"""Figures of `upsample compare`: loss against steps and seconds, spectra, flat responses.

As `plots`, through matplotlib's object API only (`matplotlib.figure.Figure`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FormatStrFormatter

from upsample.analysis import RadialSpectrum
from upsample.reports.callbacks import CurvePoint
from upsample.reports.plots import DPI

# The frequencies, in cycles per pixel, where a period-2 or period-4 pattern puts its energy.
_STRIDE_FREQUENCIES = (0.25, 0.5)


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def loss_against_steps_and_seconds(
    curves: Mapping[str, Sequence[CurvePoint]], *, loss_name: str, title: str
) -> Figure:
    """Each model's measured loss against optimizer steps (left) and training seconds (right).

    The loss axis is logarithmic and shows the last 90% of the steps in full
    (the first drop from the initial loss runs off the top): that is where the
    models differ.
    """
    if not curves or not all(curves.values()):
        raise ValueError("loss_against_steps_and_seconds needs at least one non-empty curve.")
    figure = _figure(11, 4.2)
    by_step, by_time = figure.subplots(1, 2, sharey=True)
    for index, (label, points) in enumerate(curves.items()):
        losses = [p.loss for p in points]
        by_step.plot([p.step for p in points], losses, ".-", color=f"C{index}", label=label)
        by_time.plot([p.seconds for p in points], losses, ".-", color=f"C{index}", label=label)
    last = max(p.step for points in curves.values() for p in points)
    late = [p.loss for points in curves.values() for p in points if p.step >= last / 10]
    every = [p.loss for points in curves.values() for p in points]
    by_step.set_ylim(min(every) / 1.05, max(late) * 1.15)
    by_step.set_xlabel("Optimizer steps")
    by_time.set_xlabel("Training time (s, wall clock; measuring left out)")
    by_step.set_ylabel(f"Test loss ({loss_name.replace('_', ' ')})")
    for axes in (by_step, by_time):
        axes.set_yscale("log")
        axes.yaxis.set_major_formatter(FormatStrFormatter("%.3g"))
        axes.yaxis.set_minor_formatter(FormatStrFormatter("%.3g"))
        axes.grid(alpha=0.3, which="both")
    by_time.legend(fontsize="small")
    figure.suptitle(title)
    return figure


def _log_power(power: np.ndarray) -> np.ndarray:
    """log10 of a power spectrum, frequency 0 in the middle; 0 power drawn as the floor."""
    shifted = np.fft.fftshift(np.asarray(power, dtype=np.float64))
    floor = shifted[shifted > 0].min() if (shifted > 0).any() else 1.0
    return np.log10(np.maximum(shifted, floor))


def _edges(length: int) -> tuple[float, float]:
    """The outer edges of the first and last bin of a shifted FFT axis, in cycles per pixel."""
    frequencies = np.fft.fftshift(np.fft.fftfreq(length))
    return frequencies[0] - 0.5 / length, frequencies[-1] + 0.5 / length


def spectra(power: Mapping[str, np.ndarray], *, title: str) -> Figure:
    """2-D power spectra side by side (log10, one colour scale), frequency 0 at the centre.

    power: label -> ``(H, W)`` unshifted spectrum (`analysis.power_spectrum`).
    Ticks mark the frequencies of period-4 and period-2 patterns (1/4, 1/2).
    """
    if not power:
        raise ValueError("spectra needs at least one spectrum.")
    logs = {label: _log_power(values) for label, values in power.items()}
    every = np.concatenate([values.ravel() for values in logs.values()])
    vmin, vmax = np.percentile(every, [1, 99.9])
    figure = _figure(2.1 * len(logs) + 1.0, 2.9)
    grid = figure.subplots(1, len(logs), squeeze=False)[0]
    shown = None
    for axes, (label, values) in zip(grid, logs.items()):
        (left, right), (top, bottom) = (_edges(n) for n in values.shape[::-1])
        extent = (left, right, bottom, top)
        shown = axes.imshow(
            values, cmap="magma", vmin=vmin, vmax=vmax, extent=extent, interpolation="nearest"
        )
        axes.set_title(label, fontsize="small")
        ticks = [-0.5, -0.25, 0, 0.25]
        axes.set_xticks(ticks, ["-½", "-¼", "0", "¼"], fontsize="x-small")
        axes.set_yticks(ticks, ["-½", "-¼", "0", "¼"], fontsize="x-small")
    assert shown is not None
    grid[0].set_ylabel("cycles / pixel")
    figure.colorbar(shown, ax=list(grid), shrink=0.8, label="log10 power")
    figure.suptitle(title)
    return figure


def radial_spectra(
    spectra_by_label: Mapping[str, RadialSpectrum], *, reference: str | None, title: str
) -> Figure:
    """Azimuthally averaged spectra on one axes (log power); `reference` drawn black, dashed."""
    if not spectra_by_label:
        raise ValueError("radial_spectra needs at least one spectrum.")
    figure = _figure(8, 4.2)
    axes = figure.subplots()
    colour = 0
    for label, spectrum in spectra_by_label.items():
        if label == reference:
            axes.plot(
                spectrum.frequencies, spectrum.power, "--", color="black", linewidth=2, label=label
            )
        else:
            axes.plot(spectrum.frequencies, spectrum.power, color=f"C{colour}", label=label)
            colour += 1
    for frequency in _STRIDE_FREQUENCIES:
        axes.axvline(frequency, color="grey", linestyle=":", linewidth=1)
    axes.set_yscale("log")
    axes.set_xlabel("Spatial frequency (cycles / pixel); dotted: 1/4 and 1/2")
    axes.set_ylabel("Mean power")
    axes.grid(alpha=0.3, which="both")
    axes.legend(fontsize="small")
    axes.set_title(title)
    return figure


def flat_responses(
    responses: Mapping[str, Sequence[tuple[np.ndarray | None, str]]],
    *,
    column_labels: Sequence[str],
    title: str,
) -> Figure:
    """Responses to a flat input: one column per model, one row per `column_labels` entry.

    responses: model -> one ``(image (H, W) or (H, W, 1) or None, caption)`` per
    row.  Each image is stretched to its own central half's range (values
    beyond it are clipped; to the whole image's if the centre is flat), so that
    a pattern of any amplitude shows; the dashed square marks that central half,
    where the imbalance is measured.
    """
    if not responses:
        raise ValueError("flat_responses needs at least one model.")
    rows = len(column_labels)
    if any(len(images) != rows for images in responses.values()):
        raise ValueError("Every model needs one response per row label.")
    figure = _figure(1.75 * len(responses) + 1.2, 2.05 * rows + 0.7)
    grid = figure.subplots(rows, len(responses), squeeze=False)
    cmap = colormaps["gray"]
    for column, (label, images) in enumerate(responses.items()):
        for row, (image, caption) in enumerate(images):
            axes = grid[row][column]
            axes.set_xticks([])
            axes.set_yticks([])
            if column == 0:
                axes.set_ylabel(column_labels[row], fontsize="small")
            if row == 0:
                axes.set_title(label, fontsize="small")
            axes.set_xlabel(caption, fontsize="small")
            if image is None:
                axes.text(0.5, 0.5, "n/a", ha="center", va="center", transform=axes.transAxes)
                continue
            plane = np.asarray(image, dtype=np.float64).reshape(image.shape[0], image.shape[1])
            axes.imshow(_stretched(plane), cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
            quarter_h, quarter_w = plane.shape[0] // 4, plane.shape[1] // 4
            axes.add_patch(
                Rectangle(
                    (quarter_w - 0.5, quarter_h - 0.5),
                    plane.shape[1] - 2 * quarter_w,
                    plane.shape[0] - 2 * quarter_h,
                    fill=False,
                    edgecolor="tab:orange",
                    linestyle="--",
                    linewidth=1,
                )
            )
    figure.suptitle(title)
    return figure


def _stretched(plane: np.ndarray) -> np.ndarray:
    """`plane` mapped to [0, 1] by its central half's range; a flat centre shows mid grey."""
    quarter_h, quarter_w = plane.shape[0] // 4, plane.shape[1] // 4
    centre = plane[quarter_h : plane.shape[0] - quarter_h, quarter_w : plane.shape[1] - quarter_w]
    for region in (centre, plane):  # a flat centre: show the borders' range instead
        low, high = float(region.min()), float(region.max())
        # Within float32 rounding of values near 1 there is no pattern to stretch.
        if high - low > 1e-6 * max(1.0, abs(high)):
            return np.clip((plane - low) / (high - low), 0, 1)
    return np.full_like(plane, 0.5)
