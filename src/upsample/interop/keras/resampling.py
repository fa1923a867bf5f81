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

`resize` is the same for any output lengths, up or down, with ``antialias``
(`Resizing`'s operator): only the matrix differs.
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
def resampling_taps(
    interpolation: str, coordinates: str, antialias: bool, length: int, output_length: int
) -> Table:
    """The table that resamples an axis of `length` inputs to `output_length` outputs."""
    return operator_taps(
        reference.matrix(interpolation, length, output_length, coordinates, antialias)
    )


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


def known_length(x: Any, axis: int, interpolation: str) -> int:
    """The length of `axis` of `x`, which a gather table needs."""
    length = x.shape[axis]
    if not isinstance(length, int):
        raise ValueError(
            f"Interpolation {interpolation!r} needs known spatial lengths; axis {axis} of "
            f"the input has none (shape {x.shape})."
        )
    return length


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
        length = known_length(x, axis, interpolation)
        table = resampling_taps(interpolation, coordinates, False, length, factor * length)
        x = resample_axis(x, axis, table)
    return x


def resize(
    x: Any,
    *,
    lengths: dict[int, int],
    interpolation: str,
    coordinates: str,
    antialias: bool,
) -> Any:
    """Resample each axis of `x` to its length in `lengths` (``{axis: length}``), up or down.

    As `upsample.ops.resampling.resize` with the same arguments; an axis whose
    length does not change is left alone, as there.
    """
    for axis, output_length in lengths.items():
        length = known_length(x, axis, interpolation)
        if length != output_length:
            table = resampling_taps(interpolation, coordinates, antialias, length, output_length)
            x = resample_axis(x, axis, table)
    return x
