"""The one-channel route: a stride-1 convolution into one channel, as one matmul and shifted sums.

Im2col into one channel ends in matrix-vector products that read every patch
(nine times the input for a 3x3 kernel) for two flops per value.  Instead,
one product ``Z = W @ X.T`` of the ``(taps, A)`` kernel with the input's
pixels gives every tap's contribution to every output, ``(taps, pixels)``,
reading the input once; output ``o`` is then the sum over taps ``t`` of row
``t`` of ``Z`` at pixel ``o + t * d - pad_before``: one addition of shifted
windows per tap, no padding copied (windows are clipped at the borders).
Items are taken a cache-sized chunk at a time.

The route table (`routes`) also sends the kernel gradient into one channel and
the transposed convolution into one channel down cheaper paths of their own.
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np
from numpy.typing import NDArray

from upsample import runtime
from upsample.ops.convolution.gather import NEW, Output
from upsample.ops.shapes import ConvGeometry
from upsample.runtime import tuning

Array = NDArray[np.floating]


def applies(geo: ConvGeometry, channels_out: int) -> bool:
    """Whether the route can compute a map of `geo` into `channels_out` channels."""
    return channels_out == 1 and all(s == 1 for s in geo.strides)


@functools.lru_cache(maxsize=256)
def _windows(geo: ConvGeometry) -> tuple[tuple[tuple[slice, ...], tuple[slice, ...]], ...]:
    """Per tap (row-major over the kernel): the outputs it reaches, and the inputs they read."""
    windows = []
    for tap in itertools.product(*(range(k) for k in geo.kernel_size)):
        outputs, inputs = [], []
        for t, d, p, n, m in zip(tap, geo.dilation, geo.pad_before, geo.wide, geo.narrow):
            offset = t * d - p
            lo, hi = max(0, -offset), min(m, n - offset)
            hi = max(hi, lo)
            outputs.append(slice(lo, hi))
            inputs.append(slice(lo + offset, hi + offset))
        windows.append((tuple(outputs), tuple(inputs)))
    return tuple(windows)


def correlate(x: Array, w: Array, geo: ConvGeometry, threads: bool, output: Output = NEW) -> Array:
    """Wide -> narrow: x ``(N, *geo.wide, A)``, w ``(*k, A, 1)`` -> ``(N, *geo.narrow, 1)``.

    `output`: see `gather.Output`.
    """
    batch, channels = x.shape[0], x.shape[-1]
    per_item = math.prod(geo.wide) * channels * x.itemsize
    items = max(1, min(batch, tuning.ONE_CHANNEL_CHUNK_BYTES // max(per_item, 1)))
    per_tap = np.ascontiguousarray(w.reshape(-1, channels))  # (taps, A)
    windows = _windows(geo)
    y = output.array((batch, *geo.narrow, 1), x.dtype)[..., 0]

    def run(start: int) -> None:
        chunk = x[start : start + items]
        count = chunk.shape[0]
        contributions = per_tap @ chunk.reshape(-1, channels).T  # (taps, pixels)
        out = y[start : start + count]
        out[...] = 0
        for row, (outputs, inputs) in zip(contributions, windows, strict=True):
            window = out[(slice(None), *outputs)]
            window += row.reshape(count, *geo.wide)[(slice(None), *inputs)]
        output.finish(out[..., None])

    chunks = range(0, batch, items)
    runtime.map_chunks(run, chunks, parallel=threads and len(chunks) > 1)
    return y[..., None]
