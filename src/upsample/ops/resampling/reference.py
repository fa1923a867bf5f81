"""The reference route: resampling as one dense interpolation matrix per axis.

Read this first.  Along an axis of ``n`` inputs resampled to ``m`` outputs,
output ``o`` samples the input at position ``s_o`` (`coordinates`: with Keras's
half-pixel centres ``s_o = (o + 0.5) n / m - 0.5``) and weighs input ``j`` by
``kernel(|s_o - j| / width)`` (`weights.KERNELS`; ``width`` exceeds 1 only when
antialiasing a downsampling); inputs outside ``[0, n)`` do not exist, so the
remaining weights are divided by their sum, as `jax.image.resize` (hence Keras 3)
does.  "nearest" copies one input (`coordinates.nearest_indices`).  That gives
an ``(m, n)`` matrix ``M``:

    resampling:      y = M x    along each spatial axis in turn (the operator is separable)
    its transpose:   x = M^T g  along each axis: the vector-Jacobian product

`jax.image.resize` also zeroes outputs whose ``s_o`` lies outside ``[-0.5, n -
0.5]``, which never happens with half-pixel centres; the asymmetric convention
puts its last samples there when enlarging by more than 2, and reads the last
pixel for them, as TF 1 does (`coordinates`).  Axes whose length does not change are left
alone: every convention samples the pixel centres then, and every kernel is 1
at distance 0 and 0 at the other integers (JAX skips them too).  The matrices
are float64; results have the dtype of the input.  The fast routes compute the
same operator (`routes`); the tests check each of them against this one.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from upsample.ops.resampling.coordinates import nearest_indices, sample_positions, spacing
from upsample.ops.resampling.problem import Resampling
from upsample.ops.resampling.weights import KERNELS, MIN_WEIGHT_SUM, NEAREST

Array = NDArray[np.floating]


def matrix(
    method: str,
    input_length: int,
    output_length: int,
    coordinates: str = "half_pixel",
    antialias: bool = False,
) -> NDArray[np.float64]:
    """The ``(output_length, input_length)`` operator of one axis."""
    inputs = np.arange(input_length)
    if method == NEAREST:
        chosen = nearest_indices(coordinates, input_length, output_length)
        return (chosen[:, None] == inputs[None, :]).astype(np.float64)
    _, kernel = KERNELS[method]
    width = max(spacing(coordinates, input_length, output_length), 1.0) if antialias else 1.0
    sample = sample_positions(coordinates, input_length, output_length)
    weights = kernel(np.abs(sample[:, None] - inputs[None, :]) / width)
    total = weights.sum(axis=1, keepdims=True)
    return np.where(np.abs(total) > MIN_WEIGHT_SUM, weights / total, 0.0)


def resample(problem: Resampling, source: Array, transpose: bool) -> Array:
    """``(B, *inputs, P)`` -> ``(B, *outputs, P)``, or (`transpose`) back with ``M^T``."""
    result = source
    for axis, (n, m) in enumerate(zip(problem.inputs, problem.outputs), start=1):
        if n == m:
            continue
        operator = matrix(problem.method, n, m, problem.coordinates, problem.antialias)
        if transpose:
            operator = operator.T
        result = np.moveaxis(np.tensordot(operator, result, axes=(1, axis)), 0, axis)
    return result.astype(source.dtype)
