"""The route table of upsampling: which route computes a resampling, and why.

Routes (one module each), all computing the same operator up to float rounding:

    reference   dense per-axis interpolation matrices, their transposes backward
    segments    polyphase passes axis by axis: every interpolation, both directions
    linear_x2   bilinear by factors of 1 and 2: the same operator in fewer passes
    block_sums  the transpose of nearest: the sum of each block

`choose` is the table; `worth_threads` decides whether a route's chunks run on
the worker threads.  The public kernels take ``route=`` to force any route that
`cannot` does not rule out; the tests check every route against the reference
that way.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from upsample.ops.resampling import block_sums, linear_x2, reference, segments
from upsample.ops.resampling.weights import NEAREST
from upsample.runtime import tuning

Array = NDArray[np.floating]

ROUTES = ("reference", "segments", "linear_x2", "block_sums")


def choose(transpose: bool, method: str, factors: tuple[int, ...]) -> str:
    """The route an upsampling (or, `transpose`, its transpose) takes by default."""
    if method == "bilinear" and all(f in (1, 2) for f in factors):
        # The seeds' UpSampling2D(interpolation="bilinear"): two scaled copies and two
        # shifted additions per axis, where segments need tables, matmuls at the
        # borders and more passes.
        return "linear_x2"
    if transpose and method == NEAREST:
        # f - 1 additions of contiguous runs per axis.
        return "block_sums"
    return "segments"


def worth_threads(nbytes: int) -> bool:
    """Whether an op touching `nbytes` (source and target) gains from the worker threads."""
    return nbytes >= tuning.PARALLEL_BYTES


def cannot(route: str, transpose: bool, method: str, factors: tuple[int, ...]) -> str | None:
    """Why `route` cannot compute this resampling, or None when it can."""
    if route == "linear_x2" and (method != "bilinear" or any(f > 2 for f in factors)):
        return "it computes bilinear upsampling by factors of 1 and 2 only"
    if route == "block_sums" and not (transpose and method == NEAREST):
        return "it computes the transpose of nearest upsampling only"
    return None


def resample(
    transpose: bool,
    method: str,
    source: Array,
    factors: tuple[int, ...],
    target_shape: tuple[int, ...],
    route: str | None = None,
) -> Array:
    """The canonical problem ``(B, *spatial, P)`` -> a new array of `target_shape`: upsampled
    by `factors`, or (`transpose`) the transposed operator applied."""
    if source.size == 0 or math.prod(target_shape) == 0:
        return np.zeros(target_shape, source.dtype)
    if all(f == 1 for f in factors):
        return source.copy()
    route = route or choose(transpose, method, factors)
    threads = worth_threads(source.nbytes + math.prod(target_shape) * source.itemsize)
    if route == "reference":
        run = reference.upsample_vjp if transpose else reference.upsample
        return run(method, source, factors)
    if route == "linear_x2":
        if transpose:
            return linear_x2.upsample_x2_vjp(source, factors, threads)
        return linear_x2.upsample_x2(source, factors, threads)
    if route == "block_sums":
        return block_sums.block_sums(source, factors, target_shape, threads)
    return segments.resample(transpose, method, source, factors, target_shape, threads)
