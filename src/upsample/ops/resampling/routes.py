"""The route table of resampling: which route computes a resampling, and why.

Routes (one module each), all computing the same operator up to float rounding:

    reference   dense per-axis interpolation matrices, their transposes backward:
                every length, kernel, convention and antialias
    gather      the same, each matrix row as a band of a few taps: K gathers per axis
    segments    polyphase passes axis by axis: integer upsampling factors in the
                polyphase conventions (half_pixel, asymmetric), both directions
    linear_x2   half-pixel bilinear by factors of 1 and 2: the same operator in fewer passes
    block_sums  the transpose of nearest upsampling by integer factors: the sum of each block

`choose` is the table; `worth_threads` decides whether a route's chunks run on
the worker threads.  The public kernels take ``route=`` to force any route that
`cannot` does not rule out; the tests check every route against the reference
that way.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.typing import NDArray

from upsample.ops.resampling import block_sums, gather, linear_x2, reference, segments
from upsample.ops.resampling.coordinates import HALF_PIXEL
from upsample.ops.resampling.problem import Resampling
from upsample.ops.resampling.weights import NEAREST, POLYPHASE
from upsample.runtime import tuning

Array = NDArray[np.floating]

ROUTES = ("reference", "gather", "segments", "linear_x2", "block_sums")


@functools.lru_cache(maxsize=256)
def choose(transpose: bool, problem: Resampling) -> str:
    """The route a resampling (or, `transpose`, its transpose) takes by default (cached:
    a few microseconds per call otherwise)."""
    factors = problem.factors
    if factors is None or problem.coordinates not in POLYPHASE:
        # Lengths that are not integer multiples, or align_corners.
        return "gather"
    if problem.method == "bilinear" and problem.coordinates == HALF_PIXEL and max(factors) <= 2:
        # The seeds' UpSampling2D(interpolation="bilinear"): two scaled copies and two
        # shifted additions per axis, where segments need tables, matmuls at the
        # borders and more passes.
        return "linear_x2"
    if transpose and problem.method == NEAREST:
        # f - 1 additions of contiguous runs per axis.
        return "block_sums"
    return "segments"


def worth_threads(nbytes: int) -> bool:
    """Whether an op touching `nbytes` (source and target) gains from the worker threads."""
    return nbytes >= tuning.PARALLEL_BYTES


def cannot(route: str, transpose: bool, problem: Resampling) -> str | None:
    """Why `route` cannot compute this resampling, or None when it can."""
    factors = problem.factors
    if route in ("reference", "gather"):
        return None
    if factors is None:
        return "it computes upsampling by integer factors only"
    if route == "segments" and problem.coordinates not in POLYPHASE:
        return f"it computes the polyphase conventions {' and '.join(POLYPHASE)} only"
    if route == "linear_x2" and (
        problem.method != "bilinear" or problem.coordinates != HALF_PIXEL or max(factors) > 2
    ):
        return "it computes half-pixel bilinear upsampling by factors of 1 and 2 only"
    if route == "block_sums" and not (transpose and problem.method == NEAREST):
        return "it computes the transpose of nearest upsampling only"
    return None


def resample(
    transpose: bool,
    problem: Resampling,
    source: Array,
    target_shape: tuple[int, ...],
    route: str | None = None,
) -> Array:
    """The canonical problem ``(B, *inputs, P)`` -> a new array of `target_shape`: resampled,
    or (`transpose`) the transposed operator applied to ``(B, *outputs, P)``."""
    if source.size == 0 or math.prod(target_shape) == 0:
        return np.zeros(target_shape, source.dtype)
    if problem.identity:
        return source.copy()
    route = route or choose(transpose, problem)
    threads = worth_threads(source.nbytes + math.prod(target_shape) * source.itemsize)
    factors = problem.factors
    if route == "reference":
        return reference.resample(problem, source, transpose)
    if route == "gather" or factors is None:
        return gather.resample(problem, source, target_shape, transpose, threads)
    if route == "linear_x2":
        if transpose:
            return linear_x2.upsample_x2_vjp(source, factors, threads)
        return linear_x2.upsample_x2(source, factors, threads)
    if route == "block_sums":
        return block_sums.block_sums(source, factors, target_shape, threads)
    return segments.resample(
        transpose, problem.method, problem.coordinates, source, factors, target_shape, threads
    )
