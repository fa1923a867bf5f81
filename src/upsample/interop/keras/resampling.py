"""Separable resampling for Keras 3, built from upsample's own 1-D operators.

Resampling is linear and separable: along each axis, output ``o`` is a weighted
sum of a few inputs.  Rather than re-derive the weights, a twin asks upsample's
kernel for them: the 1-D operator applied to an identity matrix *is* its matrix
(`operator_taps`), which becomes a gather table, ``T`` taps per output
(``indices``, ``weights``, both ``(T, m)``).  On the Keras side an axis is then
``sum_t weights[t] * take(x, indices[t], axis)``: elementwise products and a
gather, which every backend differentiates and which need no matrix product (a
TPU would round those to bfloat16 by default).  The numbers are upsample's by
construction, up to the order of a float32 sum.

"nearest" with integer factors is a repeat, done as Keras does (`ops.repeat`).

A twin for another 1-D operator (a coordinate convention, an arbitrary output
size) passes a different `operator` to `operator_taps`; nothing else changes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from upsample.interop.keras import shapes
from upsample.interop.keras_import import import_keras
from upsample.ops import resample

keras = import_keras()
ops = keras.ops

# A 1-D operator: ``(1, n, C)`` channels-last batch -> ``(1, m, C)``, in float64.
Operator = Callable[[NDArray[np.float64]], NDArray[Any]]


def operator_taps(operator: Operator, length: int) -> tuple[NDArray[np.int32], NDArray[np.float32]]:
    """The gather table ``(indices, weights)``, each ``(T, m)``, of `operator` on `length` inputs.

    Column ``j`` of the identity is input ``j``, so ``operator(eye)[0, o, j]`` is
    the weight of input ``j`` in output ``o``.  Rows with fewer than ``T`` taps
    are padded with weight 0 (reading input 0).
    """
    matrix = operator(np.eye(length)[None])[0]
    taps = max(1, int(np.count_nonzero(matrix, axis=1).max()))
    indices = np.zeros((taps, matrix.shape[0]), np.int32)
    weights = np.zeros((taps, matrix.shape[0]), np.float32)
    for o, row in enumerate(matrix):
        (inputs,) = np.nonzero(row)
        indices[: len(inputs), o] = inputs
        weights[: len(inputs), o] = row[inputs]
    return indices, weights


@functools.lru_cache(maxsize=256)
def upsampling_taps(
    interpolation: str, length: int, factor: int
) -> tuple[NDArray[np.int32], NDArray[np.float32]]:
    """The table of ``UpSampling*D(factor, interpolation)`` along an axis of `length`."""
    operator = functools.partial(
        resample.upsample, size=factor, interpolation=interpolation, data_format="channels_last"
    )
    return operator_taps(operator, length)


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
    x: Any, *, size: Sequence[int], interpolation: str, data_format: str = "channels_last"
) -> Any:
    """``UpSampling{1,2,3}D(size, interpolation)`` as upsample computes it, for any rank."""
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
        x = resample_axis(x, axis, upsampling_taps(interpolation, length, factor))
    return x
