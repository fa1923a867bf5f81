"""The block-sums route: the transpose of "nearest" upsampling, the sum of each block.

Per chunk of batch items, axis by axis from the first (whose phases are whole
rows), the phases of an axis are added together: ``f - 1`` additions of
contiguous runs, instead of the tables of the segments route.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from upsample import runtime
from upsample.ops._blocks import Block, blocks
from upsample.ops._pixels import reshaped
from upsample.runtime import new_array, scratch, tuning

Array = NDArray[np.floating]


def block_sums(
    source: Array, factors: tuple[int, ...], target_shape: tuple[int, ...], threads: bool
) -> Array:
    """The sum of each ``factors`` block: ``(B, *wide, P) -> (B, *narrow, P)``."""
    out = new_array(target_shape, source.dtype)
    item_bytes = math.prod(source.shape[1:]) * source.itemsize
    chunks = blocks(source.shape[0], 1, item_bytes, tuning.RESAMPLE_CHUNK_BYTES)
    axes = [a for a, f in enumerate(factors) if f > 1]

    def run(block: Block) -> None:
        current = source[block.n0 : block.n1]
        for k, axis in enumerate(axes):
            shape = list(current.shape)
            shape[axis + 1] //= factors[axis]
            outer, inner = math.prod(shape[: axis + 2]), math.prod(shape[axis + 2 :])
            if k == len(axes) - 1:
                target = out[block.n0 : block.n1]
            else:
                target = scratch(("block-sums", k % 2), tuple(shape), source.dtype)
            phases = reshaped(current, (outer, factors[axis], inner))
            sums = reshaped(target, (outer, inner))
            np.add(phases[:, 0], phases[:, 1], out=sums)
            for phase in range(2, factors[axis]):
                np.add(sums, phases[:, phase], out=sums)
            current = target

    runtime.map_chunks(run, chunks, parallel=threads)
    return out
