"""The gather route: any resampling, as a band of taps per output row, one axis at a time.

Each row of an axis operator ``M`` (`reference.matrix`), and of its transpose, is
non-zero on one run of neighbouring inputs: the kernel's support around a
sample position, and the sample positions grow along the axis.  So a row is a
band of at most ``K`` taps, ``index[o, t] = first_o + t`` with weight ``w[o, t]``,
and resampling an axis is

    y[o] = sum_t w[o, t] * x[index[o, t]]

``K`` gathers (`np.take`) and multiply-adds over the output, where the dense
product spends ``n`` multiply-adds on every output (``K`` is 2 for bilinear
enlarging, about ``2 * radius * n / m`` for antialiased shrinking).  Axes are
resampled from the one that shrinks most to the one that grows most, so that
later passes run on the smaller array; chunks of batch items run on the
worker threads.  Lengths that are integer multiples in a polyphase convention
have faster routes (`segments`, `linear_x2`, `block_sums`); this one takes
every other length, align_corners and antialias.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.typing import NDArray

from upsample import runtime
from upsample.ops._blocks import Block, blocks
from upsample.ops.resampling import reference
from upsample.ops.resampling.problem import Resampling
from upsample.runtime import new_array, scratch, tuning

Array = NDArray[np.floating]


@functools.lru_cache(maxsize=64)
def band(
    problem: Resampling, axis: int, transpose: bool
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """``(index, weights)``, both ``(rows, K)``: the taps of every row of one axis operator.

    Rows with fewer than ``K`` taps are padded with weight 0 (on a valid index).
    """
    n, m = problem.inputs[axis], problem.outputs[axis]
    operator = reference.matrix(problem.method, n, m, problem.coordinates, problem.antialias)
    if transpose:
        operator = operator.T
    nonzero = operator != 0
    found = nonzero.any(axis=1)
    first = np.where(found, nonzero.argmax(axis=1), 0)
    stop = np.where(found, operator.shape[1] - nonzero[:, ::-1].argmax(axis=1), 0)
    offsets = np.arange(max(int((stop - first).max()), 1))
    index = np.minimum(first[:, None] + offsets, operator.shape[1] - 1)
    weights = np.where(
        offsets < (stop - first)[:, None], np.take_along_axis(operator, index, axis=1), 0.0
    )
    return index, weights


def resample(
    problem: Resampling,
    source: Array,
    target_shape: tuple[int, ...],
    transpose: bool,
    threads: bool,
) -> Array:
    """``(B, *inputs, P)`` -> ``(B, *outputs, P)``, or (`transpose`) back: a new array."""
    out = new_array(target_shape, source.dtype)
    before, after = source.shape[1:-1], target_shape[1:-1]
    order = sorted(
        (a for a in range(len(before)) if before[a] != after[a]), key=lambda a: after[a] / before[a]
    )
    bands = [(a, *band(problem, a, transpose)) for a in order]
    item_bytes = max(math.prod(source.shape[1:]), math.prod(target_shape[1:])) * source.itemsize
    chunks = blocks(source.shape[0], 1, item_bytes, tuning.RESAMPLE_CHUNK_BYTES)

    def run(block: Block) -> None:
        items = slice(block.n0, block.n1)
        current = source[items]
        for k, (axis, index, weights) in enumerate(bands):
            shape = list(current.shape)
            shape[axis + 1] = index.shape[0]
            last = k == len(bands) - 1
            target = out[items] if last else scratch(("gather", k % 2), tuple(shape), source.dtype)
            _along_axis(current, axis + 1, index, weights.astype(source.dtype), target)
            current = target

    runtime.map_chunks(run, chunks, parallel=threads)
    return out


def _along_axis(
    source: Array, axis: int, index: NDArray[np.intp], weights: Array, target: Array
) -> None:
    """``target = sum_t weights[:, t] * take(source, index[:, t], axis)`` (broadcast)."""
    spread = [1] * target.ndim
    spread[axis] = -1
    term = scratch(("gather-term",), target.shape, target.dtype)
    np.take(source, index[:, 0], axis=axis, out=target, mode="clip")
    np.multiply(target, weights[:, 0].reshape(spread), out=target)
    for t in range(1, index.shape[1]):
        np.take(source, index[:, t], axis=axis, out=term, mode="clip")
        np.multiply(term, weights[:, t].reshape(spread), out=term)
        np.add(target, term, out=target)
