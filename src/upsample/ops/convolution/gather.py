"""Im2col: the data movement of the im2col, split-rows and phases routes.

A route processes its batch in `Block`s (batch items, and rows of the first
spatial axis when one item is large).  For each block a `Gather` copies the
source pixels under every kernel tap side by side into "patches", one row per
output position, ready for one matmul; it zero-pads the borders through a small
per-thread window (`runtime.scratch`) when the block touches them.

Everything that depends only on shapes (blocks, slices, offsets, strides) is
computed once when a kernel builds its plan; executing a gather is then a few
NumPy calls per block, which keeps small layers cheap.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from upsample.ops._blocks import Block
from upsample.runtime import new_array, scratch

Array = NDArray[np.floating]


@dataclass(frozen=True)
class Output:
    """Where a map's output goes, and what runs on it as it is made (a planned step's).

    `out`: the array that receives the result (None: a new one); `epilogue`: runs in
    place on each chunk of the output as soon as it is computed, while it is in cache
    and on the chunk's thread (a planned step adds the bias and applies relu there);
    elementwise, so that chunking does not change its result.
    """

    out: Array | None = None
    epilogue: Callable[[Array], None] | None = None

    def array(self, shape: tuple[int, ...], dtype: np.dtype) -> Array:
        return new_array(shape, dtype) if self.out is None else self.out

    def finish(self, chunk: Array) -> Array:
        if self.epilogue is not None:
            self.epilogue(chunk)
        return chunk


NEW = Output()  # a new array, nothing run on it
Index = tuple[slice, ...]


def runs(offsets: list[tuple[int, ...]]) -> list[tuple[int, int]]:
    """Split taps into runs ``(start, length)`` of pixels adjacent along the last axis.

    Adjacent pixels are contiguous in memory (channels-last), so a run is copied
    with one long inner loop instead of one short loop per tap.
    """
    found = [(0, 1)]
    for j in range(1, len(offsets)):
        previous, current = offsets[j - 1], offsets[j]
        start, length = found[-1]
        if previous[:-1] == current[:-1] and current[-1] == previous[-1] + 1:
            found[-1] = (start, length + 1)
        else:
            found.append((j, 1))
    return found


def _c_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Element strides of a C-contiguous array (NumPy may report any stride for a length-1 axis)."""
    return tuple(math.prod(shape[a + 1 :]) for a in range(len(shape)))


@dataclass(frozen=True)
class Gather:
    """The im2col of one block, precomputed from shapes.

    Row ``q`` of the patches (an index into `extent`), tap ``j``: the source pixel
    ``starts + offsets[j] + step * q``, zero outside the source.
    """

    batch: slice
    extent: tuple[int, ...]
    taps: int
    channels: int
    # Zero-padding, when the window leaves the source: (source index, window index, window
    # shape, and a hashable key of that pattern for its scratch buffer).
    padding: tuple[Index, Index, tuple[int, ...], tuple[object, ...]] | None
    # Per run of adjacent taps: (first tap, number of taps, element offset in the window's array).
    run_offsets: tuple[tuple[int, int, int], ...]
    outer_strides: tuple[int, ...]  # element strides of (batch, *extent) in the window's array

    @property
    def rows(self) -> int:
        return (self.batch.stop - self.batch.start) * math.prod(self.extent)

    def patches(self, source: Array) -> Array:
        """``(rows, taps * channels)`` patches of `source` (C-contiguous ``(N, *spatial, C)``)."""
        array = source
        if self.padding is not None:
            source_index, window_index, shape, key = self.padding
            array = scratch(key, shape, source.dtype)
            array[window_index] = source[source_index]
        nb = self.batch.stop - self.batch.start
        item = source.itemsize
        if self.channels == 1:
            return self._tap_major(array, nb)
        patches = scratch(("patches",), (nb, *self.extent, self.taps, self.channels), source.dtype)
        strides = (*tuple(s * item for s in self.outer_strides), self.channels * item, item)
        for first, count, offset in self.run_offsets:
            view = np.ndarray(
                (nb, *self.extent, count, self.channels),
                source.dtype,
                buffer=array,
                offset=offset * item,
                strides=strides,
            )
            patches[..., first : first + count, :] = view
        return patches.reshape(self.rows, self.taps * self.channels)

    def _tap_major(self, array: Array, nb: int) -> Array:
        """The patches of a one-channel source as the transpose of a ``(taps, rows)`` array.

        Row-major patches of one channel are written a pixel or two at a time;
        tap by tap, each copy runs along whole image rows (measured: 75 us instead
        of 266 us for a (25, 28, 28, 1) batch and a 2x2 kernel; the matmul on the
        transposed operand costs less than the difference).
        """
        item = array.itemsize
        patches_t = scratch(("patches-t",), (self.taps, nb, *self.extent), array.dtype)
        strides = tuple(s * item for s in self.outer_strides)
        for first, count, offset in self.run_offsets:
            for k in range(count):
                patches_t[first + k] = np.ndarray(
                    (nb, *self.extent),
                    array.dtype,
                    buffer=array,
                    offset=(offset + k) * item,
                    strides=strides,
                )
        return patches_t.reshape(self.taps, self.rows).T


def gather(
    source_shape: tuple[int, ...],
    block: Block,
    starts: tuple[int, ...],
    offsets: list[tuple[int, ...]],
    step: tuple[int, ...],
    extent: tuple[int, ...],
) -> Gather:
    """Plan the im2col of `block`: window origin `starts`, tap `offsets`, output `extent`."""
    spatial, channels = source_shape[1:-1], source_shape[-1]
    reach = tuple(
        max(o[a] for o in offsets) + step[a] * (extent[a] - 1) + 1 for a in range(len(spatial))
    )
    stops = tuple(lo + r for lo, r in zip(starts, reach, strict=True))
    batch = slice(block.n0, block.n1)
    if all(lo >= 0 and hi <= n for lo, hi, n in zip(starts, stops, spatial, strict=True)):
        padding = None
        array_shape = source_shape
        origin = (block.n0, *starts)
    else:
        shape = (block.size, *reach, channels)
        source_index: list[slice] = [batch]
        window_index: list[slice] = [slice(None)]
        for lo, hi, n in zip(starts, stops, spatial, strict=True):
            inner_lo, inner_hi = min(max(lo, 0), n), max(min(hi, n), 0)
            inner_hi = max(inner_hi, inner_lo)
            source_index.append(slice(inner_lo, inner_hi))
            window_index.append(slice(inner_lo - lo, inner_hi - lo))
        key = ("window", shape, tuple((i.start, i.stop) for i in window_index[1:]))
        padding = (tuple(source_index), tuple(window_index), shape, key)
        array_shape = shape
        origin = (0,) * (len(spatial) + 1)
    strides = _c_strides(array_shape)
    base = sum(i * s for i, s in zip(origin, strides, strict=False))
    run_offsets = tuple(
        (
            first,
            count,
            base + sum(o * s for o, s in zip(offsets[first], strides[1:-1], strict=True)),
        )
        for first, count in runs(offsets)
    )
    outer = (strides[0], *(strides[1 + a] * s for a, s in enumerate(step)))
    return Gather(batch, extent, len(offsets), channels, padding, run_offsets, outer)
