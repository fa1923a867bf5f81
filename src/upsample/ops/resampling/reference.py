"""The reference route: upsampling as one dense interpolation matrix per axis.

Read this first.  Along an axis of length ``n`` upsampled by ``f``, output ``o``
samples the input at the half-pixel-centre position ``s_o = (o + 0.5) / f -
0.5`` and weighs input ``j`` by ``kernel(|s_o - j|)`` (`weights.KERNELS`);
inputs outside ``[0, n)`` do not exist, so the remaining weights are divided by
their sum, as `jax.image.resize` (hence Keras 3) does.  "nearest" copies input
``o // f`` (Keras's `ops.repeat`).  That gives an ``(f n, n)`` matrix ``M``:

    upsampling:      y = M x    along each spatial axis in turn (the operator is separable)
    its transpose:   x = M^T g  along each axis: the vector-Jacobian product

Axes with a factor of 1 are left alone (JAX skips them).  The matrices are
float64; results have the dtype of the input.  The fast routes compute the same
operator (`routes`); the tests check each of them against this one.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from upsample.ops.resampling.weights import KERNELS, MIN_WEIGHT_SUM, NEAREST

Array = NDArray[np.floating]


def matrix(method: str, length: int, factor: int) -> NDArray[np.float64]:
    """The ``(factor * length, length)`` operator of one axis."""
    outputs = np.arange(factor * length)
    if method == NEAREST:
        return (outputs[:, None] // factor == np.arange(length)[None, :]).astype(np.float64)
    _, kernel = KERNELS[method]
    sample = (outputs + 0.5) / factor - 0.5
    weights = kernel(np.abs(sample[:, None] - np.arange(length)[None, :]))
    total = weights.sum(axis=1, keepdims=True)
    return np.where(np.abs(total) > MIN_WEIGHT_SUM, weights / total, 0.0)


def _along_axes(source: Array, factors: tuple[int, ...], method: str, transpose: bool) -> Array:
    result = source
    for axis, factor in enumerate(factors, start=1):
        if factor == 1:
            continue
        length = result.shape[axis] // factor if transpose else result.shape[axis]
        operator = matrix(method, length, factor)
        if transpose:
            operator = operator.T
        result = np.moveaxis(np.tensordot(operator, result, axes=(1, axis)), 0, axis)
    return result.astype(source.dtype)


def upsample(method: str, source: Array, factors: tuple[int, ...]) -> Array:
    """``(B, *spatial, P)`` -> ``(B, *(n * f), P)``."""
    return _along_axes(source, factors, method, transpose=False)


def upsample_vjp(method: str, grad: Array, factors: tuple[int, ...]) -> Array:
    """``(B, *(n * f), P)`` -> ``(B, *spatial, P)``: the transposed matrices."""
    return _along_axes(grad, factors, method, transpose=True)
