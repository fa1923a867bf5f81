"""The im2col route: the patches under every kernel tap side by side, one matmul per chunk.

For a chunk of output rows, `gather` copies the wide pixels each output reads,
tap after tap, into one row of "patches" per output position; the convolution is
then ``patches @ w.reshape(taps * A, B)`` and its kernel gradient
``patches.T @ g``.  Chunks are sized to stay in cache (`tuning.CONV_CHUNK_BYTES`)
and run on the worker threads when the route table says so.
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np
from numpy.typing import NDArray

from upsample import runtime
from upsample.ops._blocks import Block, blocks
from upsample.ops.convolution.gather import NEW, Gather, Output, gather
from upsample.ops.shapes import ConvGeometry
from upsample.runtime import tuning

Array = NDArray[np.floating]


def taps(kernel_size: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Every tap of a kernel, row-major."""
    return list(itertools.product(*(range(k) for k in kernel_size)))


@functools.lru_cache(maxsize=256)
def _plan(
    wide_shape: tuple[int, ...], geo: ConvGeometry, chunk_bytes: int
) -> tuple[tuple[Block, Gather], ...]:
    """Blocks of narrow rows and the im2col of the wide pixels that feed them."""
    offsets = [tuple(t * d for t, d in zip(tap, geo.dilation)) for tap in taps(geo.kernel_size)]
    row_bytes = math.prod(geo.narrow[1:]) * len(offsets) * wide_shape[-1] * 4
    steps = []
    for block in blocks(wide_shape[0], geo.narrow[0], row_bytes, chunk_bytes):
        extent = (block.r1 - block.r0, *geo.narrow[1:])
        origin = (block.r0,) + (0,) * (geo.ndim - 1)
        starts = tuple(o * s - p for o, s, p in zip(origin, geo.strides, geo.pad_before))
        steps.append((block, gather(wide_shape, block, starts, offsets, geo.strides, extent)))
    return tuple(steps)


def correlate(x: Array, w: Array, geo: ConvGeometry, threads: bool, output: Output = NEW) -> Array:
    """Wide -> narrow: x ``(N, *geo.wide, A)``, w ``(*k, A, B)`` -> ``(N, *geo.narrow, B)``.

    `output`: see `gather.Output`.
    """
    channels_out = w.shape[-1]
    y = output.array((x.shape[0], *geo.narrow, channels_out), x.dtype)
    matrix = np.ascontiguousarray(w.reshape(-1, channels_out))

    def run(step: tuple[Block, Gather]) -> None:
        block, patches = step
        out = y[block.index]
        np.matmul(patches.patches(x), matrix, out=out.reshape(-1, channels_out))
        output.finish(out)

    runtime.map_chunks(run, _plan(x.shape, geo, tuning.CONV_CHUNK_BYTES), parallel=threads)
    return y


def correlate_kernel_grad(x: Array, g: Array, geo: ConvGeometry, threads: bool) -> Array:
    """``sum_o x[o*s + t*d - pad_before]^T g[o]``: x ``(N, *geo.wide, A)``, g ``(N, *geo.narrow,
    B)`` -> ``(*k, A, B)``."""
    channels_out = g.shape[-1]

    def run(step: tuple[Block, Gather]) -> Array:
        block, patches = step
        return patches.patches(x).T @ g[block.index].reshape(-1, channels_out)

    plan = _plan(x.shape, geo, tuning.CONV_CHUNK_BYTES)
    return sum_partials(runtime.map_chunks(run, plan, parallel=threads), geo, x.shape[-1])


def sum_partials(partials: list[Array], geo: ConvGeometry, channels_in: int) -> Array:
    """The chunks' kernel gradients added in chunk order (the same sum on any thread count)."""
    total = partials[0]
    for partial in partials[1:]:
        total += partial
    return total.reshape(*geo.kernel_size, channels_in, -1)
