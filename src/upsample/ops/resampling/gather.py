"""The gather route: any resampling, as a few taps per output row, one axis at a time.

Each row of an axis operator ``M`` (`reference.matrix`), and of its transpose, has
a few non-zero weights: the inputs within the kernel's reach of a sample
position, or the outputs whose reach includes an input.  Stored as ``K`` taps
per row, ``index[o, t]`` and ``weights[o, t]`` (rows with fewer are padded with
weight 0), resampling an axis is

    y[o] = sum_t weights[o, t] * x[index[o, t]]

``K`` gathers (`np.take`) and multiply-adds over the output, where the dense
product spends ``n`` multiply-adds on every output (``K`` is 2 for bilinear
enlarging, about ``2 * radius * n / m`` for antialiased shrinking), and the
tables take ``K`` entries per row where the dense matrix takes ``n`` (a 2048 x
3000 axis would take 49 MB).  Axes are resampled from the one that shrinks most
to the one that grows most, so that later passes run on the smaller array;
chunks of batch items run on the worker threads.  Integer upsampling factors in
a polyphase convention have faster routes (`segments`, `linear_x2`,
`block_sums`); this one takes every other length, align_corners and antialias.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.typing import NDArray

from upsample import runtime
from upsample.ops._blocks import Block, blocks
from upsample.ops.resampling.coordinates import nearest_indices, sample_positions, spacing
from upsample.ops.resampling.problem import Resampling
from upsample.ops.resampling.weights import KERNELS, MIN_WEIGHT_SUM, NEAREST
from upsample.runtime import new_array, scratch, tuning

Array = NDArray[np.floating]
Taps = tuple[NDArray[np.intp], NDArray[np.float64]]  # (index, weights), both (rows, K)


@functools.lru_cache(maxsize=64)
def taps(problem: Resampling, axis: int, transpose: bool) -> Taps:
    """The taps of every row of one axis operator, or of its transpose."""
    n, m = problem.inputs[axis], problem.outputs[axis]
    found = _forward_taps(problem.method, n, m, problem.coordinates, problem.antialias)
    return _transposed(found, n) if transpose else found


def _forward_taps(method: str, n: int, m: int, coordinates: str, antialias: bool) -> Taps:
    """Output ``o`` reads the inputs strictly within the kernel's reach of ``s_o``, those
    inside ``[0, n)``, weights renormalised (as `reference.matrix`)."""
    if method == NEAREST:
        return nearest_indices(coordinates, n, m)[:, None], np.ones((m, 1))
    radius, kernel = KERNELS[method]
    width = max(spacing(coordinates, n, m), 1.0) if antialias else 1.0
    sample = sample_positions(coordinates, n, m)
    reach = radius * width  # every kernel is 0 from its radius on
    first = np.floor(sample - reach).astype(np.intp) + 1
    count = np.ceil(sample + reach).astype(np.intp) - first
    index = first[:, None] + np.arange(max(int(count.max()), 1))
    inside = (index >= 0) & (index < n) & (index < (first + count)[:, None])
    weights = np.where(inside, kernel(np.abs(sample[:, None] - index) / width), 0.0)
    total = weights.sum(axis=1, keepdims=True)
    weights = np.where(np.abs(total) > MIN_WEIGHT_SUM, weights / total, 0.0)
    return np.clip(index, 0, n - 1), weights


def _transposed(forward: Taps, n: int) -> Taps:
    """Input ``j`` gathers ``weights[o, t]`` from every output ``o`` with ``index[o, t] = j``."""
    index, weights = forward
    keep = weights != 0
    rows = np.broadcast_to(np.arange(index.shape[0])[:, None], index.shape)[keep]
    columns, values = index[keep], weights[keep]
    order = np.argsort(columns, kind="stable")
    rows, columns, values = rows[order], columns[order], values[order]
    counts = np.bincount(columns, minlength=n)
    slot = np.arange(columns.size) - (np.cumsum(counts) - counts)[columns]
    gathered = np.zeros((n, max(int(counts.max(initial=0)), 1)), np.intp)
    found = np.zeros(gathered.shape)
    gathered[columns, slot], found[columns, slot] = rows, values
    return gathered, found


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
    tables = [(a, *taps(problem, a, transpose)) for a in order]
    item_bytes = max(math.prod(source.shape[1:]), math.prod(target_shape[1:])) * source.itemsize
    chunks = blocks(source.shape[0], 1, item_bytes, tuning.RESAMPLE_CHUNK_BYTES)

    def run(block: Block) -> None:
        items = slice(block.n0, block.n1)
        current = source[items]
        for k, (axis, index, weights) in enumerate(tables):
            shape = list(current.shape)
            shape[axis + 1] = index.shape[0]
            last = k == len(tables) - 1
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
