"""Phase-mean imbalance of images: how far the means of the stride's phases differ.

A period-``s`` pattern (a checkerboard for ``s = 2`` in 2-D) makes the pixels
of one phase (same index modulo ``s`` along every axis) brighter on average
than those of another.  For images ``Y`` and each channel ``c``, the phase means
``mu[a, c] = mean(Y[:, a_1::s_1, ..., a_n::s_n, c])`` are taken over the batch
and the positions; the imbalance is

    sqrt(mean_c var_a(mu[a, c])) / mean |Y|,

the spread of the phase means (root mean square over channels, so that
channels with opposite patterns do not cancel) relative to the images'
magnitude.  For one channel this is ``std_a(mu) / mean|Y|``, the empirical
measure of ../shared/research/upsampling-methods.md section 2.6 (2).  A planted
checkerboard ``m + A * (-1)**(i + j)`` (``A <= m``) scores ``A / m``; a flat image 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from upsample.analysis.arguments import FloatArray, check_images, check_non_negative
from upsample.ops.shapes import normalize_tuple


def cropped(
    images: FloatArray, pixels: int, *, name: str = "images", argument: str = "border"
) -> FloatArray:
    """`images` without `pixels` at both ends of every spatial axis (the `argument` named)."""
    spatial = images.shape[1:-1]
    if any(n <= 2 * pixels for n in spatial):
        raise ValueError(
            f"Leaving out {pixels} pixels at both ends leaves nothing of `{name}` with spatial "
            f"shape {spatial}. Received: {argument}={pixels}"
        )
    inside = tuple(slice(pixels, n - pixels) for n in spatial)
    return images[(slice(None), *inside, slice(None))]


def phase_means(images: Any, *, stride: int | Sequence[int], border: int = 0) -> FloatArray:
    """Mean of each phase and channel: ``(*stride, channels)``.

    images: ``(batch, *spatial, channels)``; `border` pixels at both ends of each
    spatial axis are left out first (phases are then counted from the crop).
    """
    inside, period = _prepared(images, stride, border)
    return _means(inside, period)


def phase_mean_imbalance(images: Any, *, stride: int | Sequence[int], border: int = 0) -> float:
    """The spread of the phase means relative to ``mean |Y|`` (see the module); 0 if Y is 0."""
    inside, period = _prepared(images, stride, border)
    magnitude = float(np.abs(inside).mean())
    if magnitude == 0.0:
        return 0.0
    means = _means(inside, period)
    spread = means.reshape(-1, means.shape[-1]).var(axis=0).mean()
    return float(np.sqrt(spread)) / magnitude


def _prepared(
    images: Any, stride: int | Sequence[int], border: int
) -> tuple[FloatArray, tuple[int, ...]]:
    array = check_images(images)
    period = normalize_tuple(stride, array.ndim - 2, "stride")
    inside = cropped(array, check_non_negative(border, "border"))
    if any(n < s for n, s in zip(inside.shape[1:-1], period)):
        raise ValueError(
            f"Every phase of stride={period} needs a pixel: the images' spatial shape "
            f"{inside.shape[1:-1]} (after a border of {border}) is too small."
        )
    return inside, period


def _means(inside: FloatArray, period: tuple[int, ...]) -> FloatArray:
    means = np.empty((*period, inside.shape[-1]))
    every_but_channels = tuple(range(inside.ndim - 1))
    for phase in np.ndindex(*period):
        index = tuple(slice(a, None, s) for a, s in zip(phase, period))
        means[phase] = inside[(slice(None), *index)].mean(axis=every_but_channels)
    return means
