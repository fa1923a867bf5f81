"""The linear x2 route: bilinear upsampling by 2 along some axes, the seeds' ``UpSampling2D``.

With half-pixel centres (`jax.image.resize`, hence Keras 3), output ``2i + 1``
lies a quarter of a pixel after input ``i`` and output ``2i + 2`` a quarter
before input ``i + 1``, so along one axis of length ``n``::

    y[2i + 1] = 0.75 x[i] + 0.25 x[i + 1]      y[2i + 2] = 0.25 x[i] + 0.75 x[i + 1]

for ``i < n - 1``, and the two end outputs, whose outer tap falls outside the
input and is dropped with its weight renormalised, copy ``y[0] = x[0]`` and
``y[2n - 1] = x[n - 1]``.  The transpose gathers, for input ``i``::

    g_x[i] = 0.75 (g[2i] + g[2i + 1]) + 0.25 (g[2i - 1] + g[2i + 2])

with the end outputs' weight of 1 completed by a quarter of ``g[0]`` and of
``g[2n - 1]``.  Each axis is then two scaled copies of the source and two
additions of shifted views (forward), or one sum of phase pairs, a scaling and
two shifted additions (transpose): a few passes over chunk-sized arrays, where
the general polyphase engine (`segments`) needs tables, borders by matmul and
more passes.  The result is the same operator; only float rounding may differ.

Axes are processed as in `segments`: forward from the innermost outwards (the
last pass writes whole output rows), transpose from the first axis inwards (the
first pass reads whole rows of the large gradient).  Work is split into chunks
of batch items, or into bands of rows of the first axis when an item is larger
than a cache (a band also reads the input row on each side of it).  Along an axis whose pixels
are a few channels wide, the phases are formed in contiguous scratch and moved
by opaque pixel copies (`_pixels`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from upsample import runtime
from upsample.ops._blocks import Block, blocks
from upsample.ops._pixels import copy_pixels, reshaped
from upsample.runtime import new_array, tuning

Array = NDArray[np.floating]

# One axis of the operator, on ``(outer, length, inner)`` views of the source and target.
_Step = Callable[[Array, Array], None]


def upsample_x2(source: Array, factors: tuple[int, ...], threads: bool) -> Array:
    """Forward: ``(B, *spatial, P)`` -> ``(B, *(n * f), P)``, `factors` of 1 or 2."""
    narrow = source.shape[1:-1]
    wide = tuple(n * f for n, f in zip(narrow, factors, strict=True))
    out = new_array((source.shape[0], *wide, source.shape[-1]), source.dtype)
    inner_axes = [a for a in reversed(range(1, len(factors))) if factors[a] == 2]
    doubles_rows = factors[0] == 2
    n = narrow[0]

    def run(block: Block) -> None:
        # The source rows a band of output rows reads: one more on each side.
        lo, hi = (
            (max(block.r0 - 1, 0), min(block.r1 + 1, n)) if doubles_rows else (block.r0, block.r1)
        )
        target = out[block.n0 : block.n1, factors[0] * block.r0 : factors[0] * block.r1]
        band = source[block.n0 : block.n1, lo:hi]
        # With the first axis still to double, the other axes go to a band of their own.
        shape = (*band.shape[:2], *wide[1:], band.shape[-1])
        inner_target = np.empty(shape, band.dtype) if doubles_rows and inner_axes else target
        current = _along_axes(band, inner_axes, inner_target, _double)
        if doubles_rows and (block.r0, block.r1) == (0, n):
            _double(_rows(current), _rows(target))
        elif doubles_rows:
            _double_rows(_rows(current), _rows(target), (block.r0, block.r1), lo, n)

    _run(run, source, out, threads)
    return out


def upsample_x2_vjp(grad: Array, factors: tuple[int, ...], threads: bool) -> Array:
    """Transpose: ``(B, *wide, P)`` -> ``(B, *(wide / f), P)``, `factors` of 1 or 2."""
    wide = grad.shape[1:-1]
    narrow = tuple(n // f for n, f in zip(wide, factors, strict=True))
    out = new_array((grad.shape[0], *narrow, grad.shape[-1]), grad.dtype)
    inner_axes = [a for a in range(1, len(factors)) if factors[a] == 2]

    def run(block: Block) -> None:
        target = out[block.n0 : block.n1, block.r0 : block.r1]
        source = grad[block.n0 : block.n1]
        if factors[0] == 2:
            # A band of input rows gathers from the gradient rows around it (all rows are passed).
            shape = (*target.shape[:2], *grad.shape[2:])
            rows = target if not inner_axes else np.empty(shape, grad.dtype)
            if rows.shape[1] == narrow[0]:
                _halve(_rows(source), _rows(rows))
            else:
                _halve_rows(_rows(source), _rows(rows), (block.r0, block.r1))
            source = rows
        else:
            source = source[:, block.r0 : block.r1]
        _along_axes(source, inner_axes, target, _halve)

    _run(run, grad, out, threads)
    return out


def _run(run: Callable[[Block], None], source: Array, out: Array, threads: bool) -> None:
    """`run` every chunk: batch items, or bands of rows of the first axis when items are large."""
    narrow = min(source.shape[1], out.shape[1])
    wide_bytes = max(source.nbytes, out.nbytes) // max(source.shape[0], 1)
    # Bands of rows are for long rows only (`_double_rows` and `_halve_rows` do not stage).
    banded = not _staged(max(math.prod(source.shape[2:]), math.prod(out.shape[2:])))
    rows = narrow if banded else 1
    chunks = _chunks(source.shape[0], rows, wide_bytes // rows, tuning.LINEAR_X2_CHUNK_BYTES)
    if not banded:
        chunks = [Block(b.n0, b.n1, 0, narrow) for b in chunks]
    runtime.map_chunks(run, chunks, parallel=threads)


def _along_axes(source: Array, axes: list[int], target: Array, step: _Step) -> Array:
    """Apply `step` along each of `axes` in turn; the last writes into `target`."""
    current = source
    for k, axis in enumerate(axes):
        shape = list(current.shape)
        shape[axis + 1] = target.shape[axis + 1]
        into = target if k == len(axes) - 1 else np.empty(shape, source.dtype)
        outer = math.prod(shape[: axis + 1])
        inner = math.prod(shape[axis + 2 :])
        step(reshaped(current, (outer, -1, inner)), reshaped(into, (outer, -1, inner)))
        current = into
    return current


def _rows(array: Array) -> Array:
    """``(items, rows, inner)``: the first spatial axis of `array` and everything after it."""
    return reshaped(array, (array.shape[0], array.shape[1], -1))


@functools.lru_cache(maxsize=64)
def _chunks(batch: int, rows: int, row_bytes: int, chunk_bytes: int) -> list[Block]:
    return blocks(batch, rows, row_bytes, chunk_bytes)


def _staged(inner: int) -> bool:
    """Whether phases interleave in blocks of a few elements (then: stage them)."""
    return inner <= tuning.LINEAR_X2_NARROW_PIXEL


def _double(source: Array, target: Array) -> None:
    """One axis of the forward operator, ``(outer, n, inner) -> (outer, 2n, inner)``."""
    outer, n, inner = source.shape
    if not _staged(inner):
        _double_rows(source, target, (0, n), 0, n)
        return
    if n == 1:
        target[...] = source
        return
    quarter, rest = source * 0.25, source * 0.75
    for into, early, late in ((target[:, 1:-1:2], rest, quarter), (target[:, 2::2], quarter, rest)):
        # Summed over the rows of every item as one flat run (one NumPy inner loop,
        # not one per row); the sums that straddle two items are not copied out.
        sums = np.empty((outer, n, inner), source.dtype)
        flat_early, flat_late = early.reshape(-1, inner), late.reshape(-1, inner)
        np.add(flat_early[:-1], flat_late[1:], out=sums.reshape(-1, inner)[:-1])
        copy_pixels(into, sums[:, :-1])
    target[:, 0] = source[:, 0]
    target[:, -1] = source[:, -1]


def _double_rows(
    source: Array, target: Array, band: tuple[int, int], first: int, length: int
) -> None:
    """Output rows ``[2 r0, 2 r1)`` of an axis of `length` rows, ``(items, rows, inner)`` views.

    `source` holds rows ``first, first + 1, ...`` of the input: those the band reads.
    """
    r0, r1 = band
    quarter, rest = source * 0.25, source * 0.75
    odd = min(r1, length - 1) - r0  # rows 2i + 1 = 3/4 x[i] + 1/4 x[i + 1], i < length - 1
    if odd > 0:
        a = r0 - first
        np.add(
            rest[:, a : a + odd], quarter[:, a + 1 : a + 1 + odd], out=target[:, 1 : 2 * odd : 2]
        )
    j = max(r0, 1)  # rows 2j = 1/4 x[j - 1] + 3/4 x[j], j >= 1
    even = r1 - j
    if even > 0:
        b, t = j - first, 2 * (j - r0)
        np.add(
            quarter[:, b - 1 : b - 1 + even],
            rest[:, b : b + even],
            out=target[:, t : t + 2 * even : 2],
        )
    if r0 == 0:
        target[:, 0] = source[:, 0]
    if r1 == length:
        target[:, -1] = source[:, length - 1 - first]


def _halve(source: Array, target: Array) -> None:
    """One axis of the transposed operator, ``(outer, 2n, inner) -> (outer, n, inner)``."""
    even, odd = source[:, 0::2], source[:, 1::2]
    if target.shape[1] == 1:
        np.add(even, odd, out=target)
        return
    if not _staged(source.shape[2]):
        _halve_rows(source, target, (0, target.shape[1]))
        return
    even = copy_pixels(np.empty_like(even), even)
    odd = copy_pixels(np.empty_like(odd), odd)
    np.add(even, odd, out=target)
    target *= 0.75
    after, before = odd * 0.25, even * 0.25
    # Shifted as flat runs over every item at once, input i takes a quarter of
    # g[2i - 1] and g[2i + 2], except at the items' ends, which would take their
    # neighbour's end values where they need their own: swapping those makes the
    # flat runs right, and the first and last inputs of the chunk are completed.
    swapped = copy_pixels(np.empty_like(after[:-1, -1]), after[:-1, -1])
    copy_pixels(after[:-1, -1], before[1:, 0])
    copy_pixels(before[1:, 0], swapped)
    flat_target = target.reshape(-1, target.shape[2])
    flat_after, flat_before = after.reshape(flat_target.shape), before.reshape(flat_target.shape)
    # (The chunk's ends are completed in the order every other item's ends are.)
    np.add(flat_target[1:], flat_after[:-1], out=flat_target[1:])
    flat_target[0] += flat_before[0]
    np.add(flat_target[:-1], flat_before[1:], out=flat_target[:-1])
    flat_target[-1] += flat_after[-1]


def _halve_rows(source: Array, target: Array, band: tuple[int, int]) -> None:
    """Input rows ``[r0, r1)`` of the transpose from all rows of the gradient, row by row.

    Input i takes 3/4 of g[2i] and g[2i + 1], and a quarter of g[2i - 1] and
    g[2i + 2]; the end inputs a quarter more of g[0], g[-1] (their end outputs
    have weight 1).  `source`: ``(items, 2n, inner)``; `target`: ``(items, r1 - r0, inner)``.
    """
    r0, r1 = band
    length = source.shape[1] // 2
    even, odd = source[:, 0::2], source[:, 1::2]
    np.add(even[:, r0:r1], odd[:, r0:r1], out=target)
    if length == 1:
        return
    target *= 0.75
    i = max(r0, 1)  # g[2i - 1], i >= 1
    if i < r1:
        into = target[:, i - r0 :]
        np.add(into, odd[:, i - 1 : r1 - 1] * 0.25, out=into)
    if r1 == length:
        np.add(target[:, -1], odd[:, -1] * 0.25, out=target[:, -1])
    i = min(r1, length - 1)  # g[2i + 2], i < length - 1
    if r0 < i:
        into = target[:, : i - r0]
        np.add(into, even[:, r0 + 1 : i + 1] * 0.25, out=into)
    if r0 == 0:
        np.add(target[:, 0], even[:, 0] * 0.25, out=target[:, 0])
