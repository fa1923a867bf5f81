"""Slow, obviously-correct loop implementations of Keras's definitions (tests only)."""

from __future__ import annotations

import itertools

import numpy as np

from upsample.ops import shapes


def conv_transpose(
    x: np.ndarray,
    kernel: np.ndarray,
    *,
    strides: tuple[int, ...],
    padding: str,
    output_padding: tuple[int, ...] | None,
    dilation_rate: tuple[int, ...],
) -> np.ndarray:
    """Keras's definition, channels-last, float64: scatter every pixel, then crop.

    ``full[i*s + t*d] += kernel[t] @ x[i]`` over a buffer of length
    ``(n - 1) * s + (k - 1) * d + 1``, then Keras's crops (negative: zeros appended).
    """
    ndim = kernel.ndim - 2
    spatial = x.shape[1:-1]
    full_shape = [
        (n - 1) * s + (k - 1) * d + 1
        for n, s, k, d in zip(spatial, strides, kernel.shape[:ndim], dilation_rate, strict=True)
    ]
    full = np.zeros((x.shape[0], *full_shape, kernel.shape[-2]))
    for index in itertools.product(*(range(n) for n in spatial)):
        for tap in itertools.product(*(range(k) for k in kernel.shape[:ndim])):
            where = tuple(i * s + t * d for i, s, t, d in zip(index, strides, tap, dilation_rate))
            full[(slice(None), *where)] += x[(slice(None), *index)] @ kernel[tap].T
    out = full
    for axis in range(ndim):
        op = None if output_padding is None else output_padding[axis]
        before, after = shapes.conv_transpose_padding(
            spatial[axis],
            kernel_size=kernel.shape[axis],
            stride=strides[axis],
            padding=padding,
            output_padding=op,
            dilation=dilation_rate[axis],  # type: ignore[arg-type]
        )
        length = out.shape[1 + axis]
        index = [slice(None)] * out.ndim
        index[1 + axis] = slice(before, length - max(after, 0))
        out = out[tuple(index)]
        if after < 0:
            pad = [(0, 0)] * out.ndim
            pad[1 + axis] = (0, -after)
            out = np.pad(out, pad)
    return out
