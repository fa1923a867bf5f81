"""The split-rows route: im2col without the taps of the first spatial axis.

With stride 1 along that axis, the patches of the other axes' taps, gathered
once for the block's rows plus a halo, serve every tap of the first axis: tap
``t`` reads them shifted by ``t * dilation`` rows.  That copies ``k`` times
fewer patches (the largest data movement of a 3x3 convolution), for ``k - 1``
additions of the output, in cache: measured 1.1-1.5x faster than im2col from
half to twice the input's channels.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from upsample import runtime
from upsample.ops._blocks import Block, blocks
from upsample.ops.convolution.gather import NEW, Gather, Output, gather
from upsample.ops.convolution.im2col import sum_partials, taps
from upsample.ops.shapes import ConvGeometry
from upsample.runtime import scratch, tuning

Array = NDArray[np.floating]


def applies(geo: ConvGeometry) -> bool:
    """Whether the geometry has a first axis of stride 1 (and a second axis to gather)."""
    return geo.ndim >= 2 and geo.strides[0] == 1


class _Step(NamedTuple):
    block: Block
    patches: Gather  # taps of the other axes, rows ``[r0, r1 + (k - 1) * dilation)``
    shifts: tuple[int, ...]  # per tap of the first axis: its first patches row, per item
    rows: int  # patches rows per item that one tap reads (the block's output rows)


@functools.lru_cache(maxsize=256)
def _plan(wide_shape: tuple[int, ...], geo: ConvGeometry, chunk_bytes: int) -> tuple[_Step, ...]:
    """Blocks of narrow rows and the patches of the non-first taps that feed them."""
    offsets = [
        (0, *(t * d for t, d in zip(tap, geo.dilation[1:]))) for tap in taps(geo.kernel_size[1:])
    ]
    per_row = math.prod(geo.narrow[1:])
    halo = (geo.kernel_size[0] - 1) * geo.dilation[0]
    row_bytes = per_row * len(offsets) * wide_shape[-1] * 4
    steps = []
    for block in blocks(wide_shape[0], geo.narrow[0], row_bytes, chunk_bytes):
        rows = block.r1 - block.r0
        extent = (rows + halo, *geo.narrow[1:])
        starts = (block.r0 - geo.pad_before[0], *(-p for p in geo.pad_before[1:]))
        patches = gather(wide_shape, block, starts, offsets, geo.strides, extent)
        shifts = tuple(t * geo.dilation[0] * per_row for t in range(geo.kernel_size[0]))
        steps.append(_Step(block, patches, shifts, rows * per_row))
    return tuple(steps)


def _per_item(step: _Step, source: Array) -> Array:
    """The step's patches of `source` as ``(items, rows + halo rows, columns)``."""
    patches = step.patches.patches(source)
    return patches.reshape(step.block.size, -1, patches.shape[-1])


def correlate(x: Array, w: Array, geo: ConvGeometry, threads: bool, output: Output = NEW) -> Array:
    """Wide -> narrow: x ``(N, *geo.wide, A)``, w ``(*k, A, B)`` -> ``(N, *geo.narrow, B)``.

    `output`: see `gather.Output`.
    """
    channels_out = w.shape[-1]
    y = output.array((x.shape[0], *geo.narrow, channels_out), x.dtype)
    per_tap = np.ascontiguousarray(w.reshape(geo.kernel_size[0], -1, channels_out))

    def run(step: _Step) -> None:
        patches = _per_item(step, x)
        out = y[step.block.index].reshape(step.block.size, step.rows, channels_out)
        partial = scratch(("partial",), out.shape, x.dtype)
        for tap, shift in enumerate(step.shifts):
            taken = patches[:, shift : shift + step.rows]
            np.matmul(taken, per_tap[tap], out=partial if tap else out)
            if tap:
                out += partial
        output.finish(out)

    runtime.map_chunks(run, _plan(x.shape, geo, tuning.CONV_CHUNK_BYTES), parallel=threads)
    return y


def correlate_kernel_grad(x: Array, g: Array, geo: ConvGeometry, threads: bool) -> Array:
    """The kernel gradient: x ``(N, *geo.wide, A)``, g ``(N, *geo.narrow, B)`` -> ``(*k, A, B)``."""
    channels_out = g.shape[-1]

    def run(step: _Step) -> Array:
        patches = _per_item(step, x)
        grad = g[step.block.index].reshape(step.block.size, step.rows, channels_out)
        return np.stack(
            [
                np.matmul(patches[:, s : s + step.rows].transpose(0, 2, 1), grad).sum(0)
                for s in step.shifts
            ]
        )

    plan = _plan(x.shape, geo, tuning.CONV_CHUNK_BYTES)
    return sum_partials(runtime.map_chunks(run, plan, parallel=threads), geo, x.shape[-1])
