"""Separable resampling for Keras 3, built from upsample's own 1-D operators.

Resampling is linear and separable: along each axis, output ``o`` is a weighted
sum of a few inputs.  Rather than re-derive the weights, a twin takes upsample's
operator matrix of the axis (`upsample.ops.resampling.reference.matrix`, the
route every fast route is tested against) and turns it into a gather table,
``T`` taps per output (``indices``, ``weights``, both ``(T, m)``).  On the Keras
side an axis is then ``sum_t weights[t] * take(x, indices[t], axis)``:
elementwise products and a gather, which every backend differentiates and which
need no matrix product (a TPU would round those to bfloat16 by default).  The
numbers are upsample's, up to the order of a float32 sum.

The coordinate convention (``coordinates=``: half_pixel, Keras's, or
align_corners, asymmetric) is part of the operator matrix, so a twin computes
whichever one upsample's layer was given.  "nearest" with integer factors is a
repeat under every convention upsample accepts for it, done as Keras does
(`ops.repeat`).

A twin for another 1-D operator (an arbitrary output size) passes a different
matrix to `operator_taps`; nothing else changes.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from numpy.typing import NDArray

from upsample.interop.keras import shapes
from upsample.interop.keras_import import import_keras
from upsample.ops.resampling import HALF_PIXEL, reference

keras = import_keras()
ops = keras.ops

# Weights below this (relative to the largest of their row) are the rounding noise of a
# kernel at a whole-pixel distance (sin(pi k) is not 0 in floating point): upsample's fast
# routes drop them, and no float32 sum can see them.
_NEGLIGIBLE = 1e-12

Table = tuple[NDArray[np.int32], NDArray[np.float32]]


def operator_taps(matrix: NDArray[np.float64]) -> Table:
    """The gather table ``(indices, weights)``, each ``(T, m)``, of an ``(m, n)`` operator.

    Rows with fewer than ``T`` taps are padded with weight 0 (reading input 0).
    """
    scale = np.abs(matrix).max(axis=1, keepdims=True)
    kept = np.abs(matrix) > _NEGLIGIBLE * scale
    taps = max(1, int(kept.sum(axis=1).max()))
    indices = np.zeros((taps, matrix.shape[0]), np.int32)
    weights = np.zeros((taps, matrix.shape[0]), np.float32)
    for o, (row, keep) in enumerate(zip(matrix, kept)):
        (inputs,) = np.nonzero(keep)
        indices[: len(inputs), o] = inputs
        weights[: len(inputs), o] = row[inputs]
    return indices, weights


@functools.lru_cache(maxsize=256)
def upsampling_taps(interpolation: str, coordinates: str, length: int, factor: int) -> Table:
    """The table of ``UpSampling*D(factor, interpolation, coordinates)`` along an axis."""
    return operator_taps(reference.matrix(interpolation, length, factor * length, coordinates))


def resample_axis(x: Any, axis: int, table: tuple[NDArray[np.int32], NDArray[np.float32]]) -> Any:
    """Apply a gather table along `axis` of `x`."""
    indices, weights = table
    broadcast = [1] * len(x.shape)
    broadcast[axis] = weights.shape[1]
    total = None
    for tap_indices, tap_weights in zip(indices, weights):
        term = ops.take(x, tap_indices, axis=axis) * ops.cast(
            np.reshape(tap_weights, broadcast), x.dtype
        )
        total = term if total is None else total + term
    return total


def upsample(
    x: Any,
    *,
    size: tuple[int, ...],
    interpolation: str,
    coordinates: str = HALF_PIXEL,
    data_format: str = "channels_last",
) -> Any:
    """``UpSampling{1,2,3}D(size, interpolation, coordinates)`` as upsample computes it."""
    axes = shapes.spatial_axes(len(size), data_format)
    for axis, factor in zip(axes, size):
        if factor == 1:
            continue
        if interpolation == "nearest":
            x = ops.repeat(x, factor, axis=axis)
            continue
        length = x.shape[axis]
        if not isinstance(length, int):
            raise ValueError(
                f"Interpolation {interpolation!r} needs known spatial lengths; axis {axis} of "
                f"the input has none (shape {x.shape})."
            )
        x = resample_axis(x, axis, upsampling_taps(interpolation, coordinates, length, factor))
    return x
