"""The flat-shift route: small stride-1 convolutions as one matmul per tap on shifted rows.

Lay the zero-padded input of every item end to end as one ``(rows, C)`` matrix
(a pixel per row).  Output pixel ``o`` of item ``n`` then sits at the row ``p``
of the padded pixel ``o``, and kernel tap ``t`` reads row ``p + offset[t]``, with
one offset per tap for the whole batch.  So a stride-1 convolution is

    Y[p] = sum_t X[p + offset[t]] @ W[t]        for p in [0, rows - offset_max)

a matmul per tap on a contiguous slice of rows: no patches are gathered.  The
rows of padded positions that are not outputs (the padding's own rows and
columns) are computed too and dropped, about ``(k - 1) / n`` more work per axis.
The transposed map adds ``G[p] @ W[t].T`` into rows ``p + offset[t]`` of a
padded gradient, and the kernel gradient is ``X[rows + offset[t]].T @ G``, both
with ``G`` zero on the dropped rows.  This is the shifted-input form of kn2row
(Vasudevan et al. 2017, "Parallel multi channel convolution using general
matrix multiplication").

It wins where im2col's data movement is mostly NumPy call overhead: small
problems with a few channels (the seeds' autoencoders at batch 25, measured
1.3-2x faster per map).  On large problems the chunked, multi-threaded im2col
wins, and a matmul over a single channel (an outer product) is slow in NumPy:
the route table (`routes`) keeps those away.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from upsample import runtime
from upsample.ops.shapes import ConvGeometry
from upsample.runtime import new_array

Array = NDArray[np.floating]


@dataclass(frozen=True)
class _Grid:
    """The padded grid of one problem: its shape and the row offset of every kernel tap."""

    padded: tuple[int, ...]  # spatial shape of the zero-padded wide side
    interior: tuple[slice, ...]  # where the wide side sits in it
    corner: tuple[slice, ...]  # where the narrow side's pixels sit in it (their own rows)
    offsets: tuple[int, ...]  # per tap (row-major over the kernel), rows to read further on
    rows: int  # rows of the matmuls: every row whose taps stay inside the batch

    def pad(self, array: Array, region: tuple[slice, ...]) -> Array:
        """``(N * prod(padded), C)``: `array` placed at `region` of a zeroed padded grid."""
        if region == tuple(slice(0, n) for n in self.padded):
            return array.reshape(-1, array.shape[-1])
        grid = np.zeros((array.shape[0], *self.padded, array.shape[-1]), array.dtype)
        grid[(slice(None), *region)] = array
        return grid.reshape(-1, array.shape[-1])

    def take(self, flat: Array, batch: int, region: tuple[slice, ...]) -> Array:
        """The pixels at `region` of a flat padded grid, as a new ``(N, *region, C)`` array."""
        grid = flat.reshape(batch, *self.padded, flat.shape[-1])[(slice(None), *region)]
        out = new_array(grid.shape, flat.dtype)
        np.copyto(out, grid)
        return out


@functools.lru_cache(maxsize=256)
def _grid(geo: ConvGeometry, batch: int) -> _Grid:
    padded = tuple(n + (k - 1) * d for n, k, d in zip(geo.narrow, geo.kernel_size, geo.dilation))
    strides = [math.prod(padded[a + 1 :]) for a in range(geo.ndim)]
    taps = itertools.product(*(range(k) for k in geo.kernel_size))
    offsets = tuple(
        sum(t * d * s for t, d, s in zip(tap, geo.dilation, strides, strict=True)) for tap in taps
    )
    return _Grid(
        padded,
        tuple(slice(p, p + n) for p, n in zip(geo.pad_before, geo.wide, strict=True)),
        tuple(slice(0, n) for n in geo.narrow),
        offsets,
        batch * math.prod(padded) - max(offsets),
    )


def applies(geo: ConvGeometry) -> bool:
    """Whether the route can compute maps of `geo`: unit strides, no padding cropped."""
    return all(s == 1 for s in geo.strides) and min(geo.pad_before) >= 0 <= min(geo.pad_after)


def padded_bytes(geo: ConvGeometry, batch: int, channels: int, itemsize: int) -> int:
    """The size of the padded batch the route lays out (`channels`: the most of both sides)."""
    return batch * math.prod(_grid(geo, batch).padded) * channels * itemsize


def correlate(x: Array, w: Array, geo: ConvGeometry) -> Array:
    """Wide -> narrow: x ``(N, *wide, A)``, w ``(*k, A, B)`` -> ``(N, *narrow, B)``."""
    grid = _grid(geo, x.shape[0])
    flat = grid.pad(x, grid.interior)
    per_tap = w.reshape(-1, *w.shape[-2:])
    out = np.empty((flat.shape[0], w.shape[-1]), x.dtype)
    partial = np.empty((grid.rows, w.shape[-1]), x.dtype)
    with runtime.single_threaded_blas():
        for tap, offset in enumerate(grid.offsets):
            taken = flat[offset : offset + grid.rows]
            if tap == 0:
                np.matmul(taken, per_tap[0], out=out[: grid.rows])
            else:
                np.add(
                    out[: grid.rows],
                    np.matmul(taken, per_tap[tap], out=partial),
                    out=out[: grid.rows],
                )
    return grid.take(out, x.shape[0], grid.corner)


def correlate_adjoint(g: Array, w: Array, geo: ConvGeometry) -> Array:
    """Narrow -> wide: g ``(N, *narrow, B)``, w ``(*k, A, B)`` -> ``(N, *wide, A)``."""
    grid = _grid(geo, g.shape[0])
    flat = grid.pad(g, grid.corner)[: grid.rows]
    per_tap = np.swapaxes(w.reshape(-1, *w.shape[-2:]), 1, 2)
    out = np.zeros((g.shape[0] * math.prod(grid.padded), w.shape[-2]), g.dtype)
    partial = np.empty((grid.rows, w.shape[-2]), g.dtype)
    with runtime.single_threaded_blas():
        for tap, offset in enumerate(grid.offsets):
            into = out[offset : offset + grid.rows]
            np.add(into, np.matmul(flat, per_tap[tap], out=partial), out=into)
    return grid.take(out, g.shape[0], grid.interior)


def correlate_kernel_grad(x: Array, g: Array, geo: ConvGeometry) -> Array:
    """The kernel gradient: x ``(N, *wide, A)``, g ``(N, *narrow, B)`` -> ``(*k, A, B)``.

    The kernel gradient of every tap is one matmul over all rows.
    """
    grid = _grid(geo, x.shape[0])
    flat_x = grid.pad(x, grid.interior)
    flat_g = grid.pad(g, grid.corner)[: grid.rows]
    grads = np.empty((len(grid.offsets), x.shape[-1], g.shape[-1]), x.dtype)
    with runtime.single_threaded_blas():
        for tap, offset in enumerate(grid.offsets):
            np.matmul(flat_x[offset : offset + grid.rows].T, flat_g, out=grads[tap])
    return grads.reshape(*geo.kernel_size, x.shape[-1], g.shape[-1])
