"""Per-phase DC gains of a transposed convolution: the checkerboard it paints on a flat input.

An input that is 1 everywhere (every channel) reaches an interior output of
phase ``p`` through the taps of that phase only (`overlap.tap_phases`), so the
output there is the phase's *DC gain*: the sum of the phase's sub-kernel over
its taps and the input channels, per output channel (plus the bias, the same
for every phase).  Unequal gains turn a flat input into a periodic pattern.
This is the polyphase condition of linear multirate systems applied to CNNs by
Sugawara, Shiota & Kiya ("Super-resolution using convolutional neural networks
without any checkerboard artifacts", ICIP 2018, arXiv:1806.02658): an
upsampler is free of checkerboards for constant inputs iff every phase has the
same DC gain.  A kernel that is constant over each stride block (ICNR for a
transposed convolution: ``np.repeat(w0, s, axis)``) satisfies it exactly.

A sub-pixel convolution (`SubPixelConv*D`) has the same condition in another
layout: each output phase is its own group of the convolution's output
channels, so its DC gain is that group's kernel summed over the taps and the
input channels, and ICNR (one sub-kernel copied to every group) satisfies it
exactly.  Its bias, unlike a transposed convolution's, is per phase too: an
offset that the gains leave out (`flat_response` sees it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from upsample.analysis.arguments import (
    FloatArray,
    check_kernel,
    conv_transpose_arguments,
    transpose_arguments,
)
from upsample.analysis.overlap import tap_phases
from upsample.layers.sub_pixel_conv import SubPixelConv
from upsample.ops.pixel_shuffle import depth_to_space
from upsample.ops.shapes import conv_transpose_padding

# A mean gain below this fraction of the largest |gain| counts as zero (see `dc_imbalance`).
ZERO_MEAN = 1e-6


def phase_dc_gains(
    kernel: Any,
    *,
    strides: int | Sequence[int] = 1,
    padding: str = "valid",
    output_padding: int | Sequence[int] | None = None,
    dilation_rate: int | Sequence[int] = 1,
) -> FloatArray:
    """DC gain of each output phase and output channel: ``(*strides, out)``.

    kernel: ``(*kernel_size, out, in)`` (Keras's transposed layout).  Entry
    ``[a_1, ..., a_n, c]`` is the interior output of channel ``c`` at positions
    ``a_i mod s_i`` for an input of ones, bias excluded.  The phases are those of
    the output's own indices, so they depend on `padding` and `output_padding`
    (which shift the output against the scatter), not on the input's length.
    """
    w = check_kernel(kernel)
    rank = w.ndim - 2
    strides_tuple, mode, op, dilation = transpose_arguments(
        rank,
        strides=strides,
        padding=padding,
        output_padding=output_padding,
        dilation_rate=dilation_rate,
    )
    gains = w.sum(axis=-1)  # (*kernel_size, out): the input channels of a flat input add up
    for axis, (k, s, d, a) in enumerate(
        zip(w.shape[:rank], strides_tuple, dilation, op or (None,) * rank)
    ):
        # The crop at the start is the same for every input length (shapes.conv_transpose_padding).
        crop = conv_transpose_padding(
            1, kernel_size=k, stride=s, padding=mode, output_padding=a, dilation=d
        )[0]
        membership = np.zeros((s, k))
        membership[tap_phases(k, stride=s, dilation=d, crop=crop), np.arange(k)] = 1.0
        gains = np.moveaxis(np.tensordot(membership, gains, axes=([1], [axis])), 0, axis)
    return gains


def layer_phase_dc_gains(layer: Any) -> FloatArray:
    """The DC gain of each output phase and channel of a built upsampling layer with weights.

    For a ``Conv*DTranspose``, `phase_dc_gains` of its kernel: ``(*strides, filters)``;
    for a ``SubPixelConv*D``, its kernel ``(*k, in, filters * P)`` summed over the
    taps and input channels, each channel put at its phase by the layer's own
    pixel shuffle: ``(*scale, filters)`` (bias excluded, see the module).
    """
    if isinstance(layer, SubPixelConv):
        if layer.kernel is None:
            raise ValueError(f"The layer {layer.name!r} is not built: it has no kernel yet.")
        kernel = check_kernel(layer.kernel.value)
        sums = kernel.sum(axis=tuple(range(kernel.ndim - 1)))  # (filters * P,)
        one_pixel = sums.reshape(1, *(1,) * len(layer.scale), -1)
        return depth_to_space(one_pixel, block_size=layer.scale, order=layer.order)[0]
    arguments = conv_transpose_arguments(layer)
    return phase_dc_gains(layer.kernel.value, **arguments)


def dc_imbalance(gains: Any) -> FloatArray:
    """Per output channel, the spread of the phase gains against their mean: ``(out,)``.

    gains: ``(*phases, out)`` as from `phase_dc_gains`.  The score is
    ``std_p(g) / |mean_p(g)|`` (Sugawara et al.'s condition as a number): 0 iff a
    flat input gives a flat output, 1 when the pattern is as strong as the mean
    response.  When the mean is ~0 (``|mean| <= ZERO_MEAN * max |g|``) the flat
    response is a pure pattern around zero and the score is `inf`; gains that are
    all zero (no response, no pattern) score 0.
    """
    g = np.asarray(gains, dtype=np.float64)
    if g.ndim < 2 or 0 in g.shape or not np.isfinite(g).all():
        raise ValueError(
            "The `gains` must be a finite array of shape (*phases, out), as phase_dc_gains "
            f"returns. Received: gains.shape={g.shape}"
        )
    flat = g.reshape(-1, g.shape[-1])
    spread, level, scale = flat.std(axis=0), np.abs(flat.mean(axis=0)), np.abs(flat).max(axis=0)
    scores = np.full(flat.shape[1], math.inf)
    zero = scale == 0
    scores[zero] = 0.0
    defined = level > ZERO_MEAN * scale
    scores[defined] = spread[defined] / level[defined]
    return scores
