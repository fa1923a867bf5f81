"""Linear interpolation by a factor of 2 along some axes: the seeds' bilinear ``UpSampling2D``.

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
the general polyphase engine of `resample` needs tables, borders by matmul and
more passes.  The result is the same operator; only float rounding may differ.

Axes are processed as in `resample`: forward from the innermost outwards (the
last pass writes whole output rows), transpose from the first axis inwards (the
first pass reads whole rows of the large gradient).  Along an axis whose pixels
are a few channels wide, the phases are formed in contiguous scratch and moved
by opaque pixel copies (`_pixels`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from upsample.ops import _parallel
from upsample.ops._im2col import Block, blocks
from upsample.ops._memory import new_array
from upsample.ops._pixels import copy_pixels

Array = NDArray[np.floating]

# Bytes of the wide side (output forward, gradient backward) per chunk of batch
# items: a chunk's intermediates then stay in the per-core L2 cache.
CHUNK_BYTES = 1 << 19
# One axis of the operator, on ``(outer, length, inner)`` views of the source and target.
_Step = Callable[[Array, Array], None]
# Pixels at most this many elements wide are moved by opaque copies (`_pixels`).
_NARROW_PIXEL = 32


def applies(method: str, factors: tuple[int, ...]) -> bool:
    """Whether this path computes ``upsample(..., interpolation=method, size=factors)``."""
    return method == "bilinear" and all(f in (1, 2) for f in factors) and 2 in factors


def upsample_x2(source: Array, factors: tuple[int, ...]) -> Array:
    """Forward: ``(B, *spatial, P)`` -> ``(B, *(n * f), P)``, `factors` of 1 or 2."""
    narrow = source.shape[1:-1]
    wide = tuple(n * f for n, f in zip(narrow, factors, strict=True))
    out = new_array((source.shape[0], *wide, source.shape[-1]), source.dtype)
    axes = [a for a in reversed(range(len(factors))) if factors[a] == 2]
    _run(source, out, axes, _double, math.prod(wide) * source.shape[-1] * source.itemsize)
    return out


def upsample_x2_vjp(grad: Array, factors: tuple[int, ...]) -> Array:
    """Transpose: ``(B, *wide, P)`` -> ``(B, *(wide / f), P)``, `factors` of 1 or 2."""
    wide = grad.shape[1:-1]
    narrow = tuple(n // f for n, f in zip(wide, factors, strict=True))
    out = new_array((grad.shape[0], *narrow, grad.shape[-1]), grad.dtype)
    axes = [a for a in range(len(factors)) if factors[a] == 2]
    _run(grad, out, axes, _halve, math.prod(wide) * grad.shape[-1] * grad.itemsize)
    return out


def _run(source: Array, out: Array, axes: list[int], step: _Step, item_bytes: int) -> None:
    """Apply `step` along each of `axes` in turn, per chunk of batch items."""
    chunks = _chunks(source.shape[0], item_bytes)

    def run(block: Block) -> None:
        current = source[block.n0 : block.n1]
        target = out[block.n0 : block.n1]
        for k, axis in enumerate(axes):
            shape = list(current.shape)
            shape[axis + 1] = target.shape[axis + 1]
            into = target if k == len(axes) - 1 else np.empty(shape, source.dtype)
            outer = math.prod(shape[: axis + 1])
            inner = math.prod(shape[axis + 2 :])
            step(_view(current, (outer, -1, inner)), _view(into, (outer, -1, inner)))
            current = into

    parallel = len(chunks) > 1 and source.nbytes + out.nbytes >= _parallel.PARALLEL_BYTES
    _parallel.map_chunks(run, chunks, parallel=parallel)


@functools.lru_cache(maxsize=64)
def _chunks(batch: int, item_bytes: int) -> list[Block]:
    return blocks(batch, 1, item_bytes, CHUNK_BYTES)


def _view(array: Array, shape: tuple[int, ...]) -> Array:
    """`array` reshaped, never copied (setting ``shape`` raises where a copy would be needed)."""
    view = array.view()
    view.shape = shape
    return view


def _staged(inner: int) -> bool:
    """Whether phases interleave in blocks of a few elements (then: stage them)."""
    return inner <= _NARROW_PIXEL


def _double(source: Array, target: Array) -> None:
    """One axis of the forward operator, ``(outer, n, inner) -> (outer, 2n, inner)``."""
    if source.shape[1] == 1:
        target[...] = source
        return
    quarter, rest = source * 0.25, source * 0.75
    outer, n, inner = source.shape
    phases = ((target[:, 1:-1:2], rest, quarter), (target[:, 2::2], quarter, rest))
    for into, early, late in phases:
        if _staged(inner):
            # Summed over the rows of every item as one flat run (one NumPy inner loop,
            # not one per row); the sums that straddle two items are not copied out.
            sums = np.empty((outer, n, inner), source.dtype)
            flat_early, flat_late = early.reshape(-1, inner), late.reshape(-1, inner)
            np.add(flat_early[:-1], flat_late[1:], out=sums.reshape(-1, inner)[:-1])
            copy_pixels(into, sums[:, :-1])
        else:
            np.add(early[:, :-1], late[:, 1:], out=into)
    target[:, 0] = source[:, 0]
    target[:, -1] = source[:, -1]


def _halve(source: Array, target: Array) -> None:
    """One axis of the transposed operator, ``(outer, 2n, inner) -> (outer, n, inner)``."""
    even, odd = source[:, 0::2], source[:, 1::2]
    if target.shape[1] == 1:
        np.add(even, odd, out=target)
        return
    if not _staged(source.shape[2]):
        _halve_rows(even, odd, target)
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


def _halve_rows(even: Array, odd: Array, target: Array) -> None:
    """`_halve` for long pixels, row by row: input i takes a quarter of g[2i - 1] and g[2i + 2],
    and the end inputs a quarter more of g[0], g[-1] (their end outputs have weight 1)."""
    np.add(even, odd, out=target)
    target *= 0.75
    quarter = odd * 0.25
    np.add(target[:, 1:], quarter[:, :-1], out=target[:, 1:])
    np.add(target[:, -1], quarter[:, -1], out=target[:, -1])
    np.multiply(even, 0.25, out=quarter)
    np.add(target[:, :-1], quarter[:, 1:], out=target[:, :-1])
    np.add(target[:, 0], quarter[:, 0], out=target[:, 0])
