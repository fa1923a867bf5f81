"""Overlap maps: how many input taps reach each output position of a transposed convolution.

A transposed convolution scatters every input pixel through its kernel into the
output ("paint", in Odena, Dumoulin & Olah, "Deconvolution and Checkerboard
Artifacts", Distill 2016).  Along one axis, input ``o`` and tap ``t`` reach
output ``p = o * s + t * d - c`` (stride ``s``, dilation ``d``, crop ``c`` of
the full scatter at the start: Keras's padding, `upsample.ops.shapes`).  So an
output of *phase* ``p mod s`` only ever receives the taps ``t`` with
``(t * d - c) mod s == p mod s``: away from the borders it receives all of them,
``ceil((k - r) / s)`` for ``d = 1`` and ``r = (p + c) mod s``; near a border some
fall outside the input.  The overlap is even iff every phase has as many taps
(``s | k`` when ``d = 1``); the axes multiply, so a 3x3 stride-2 kernel gives
counts {4, 2, 2, 1} in 2-D, an imbalance of 4, and 4x4 stride 2 gives 1.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from upsample.analysis.arguments import BoolArray, IntArray, conv_transpose_arguments
from upsample.analysis.arithmetic import TransposeAxis, conv_transpose_arithmetic


@dataclass(frozen=True)
class AxisOverlap:
    """The overlap along one axis: counts ``(output_length,)``, phase counts ``(stride,)``."""

    counts: IntArray
    phase_counts: IntArray
    interior: BoolArray


@dataclass(frozen=True)
class Overlap:
    """The overlap map of a transposed convolution over an input of a given shape.

    counts: ``(*output_shape)``, how many (input pixel, kernel tap) pairs reach
    each output position; phase_counts: ``(*strides)``, the count of an output
    of each phase (its index modulo the stride, per axis) away from the borders;
    interior: ``(*output_shape)``, True where every tap of the phase lands on an
    input pixel (the count equals its phase count), False on the border.
    The maps are separable: the outer products of the per-axis `axes`.
    """

    axes: tuple[AxisOverlap, ...]

    @functools.cached_property
    def counts(self) -> IntArray:
        return functools.reduce(np.multiply.outer, [axis.counts for axis in self.axes])

    @functools.cached_property
    def phase_counts(self) -> IntArray:
        return functools.reduce(np.multiply.outer, [axis.phase_counts for axis in self.axes])

    @functools.cached_property
    def interior(self) -> BoolArray:
        phases = np.ix_(
            *[np.arange(len(axis.counts)) % len(axis.phase_counts) for axis in self.axes]
        )
        return np.asarray(self.counts == self.phase_counts[phases])

    @property
    def imbalance(self) -> float:
        """Max over min of the phase counts: 1 for even overlap, `inf` if a phase gets no tap.

        A phase without taps (a 1x1 stride-2 kernel, or a dilation sharing a factor
        with the stride) is the "bed of nails": zeros between the painted pixels.
        """
        counts = self.phase_counts
        lowest = int(counts.min())
        return math.inf if lowest == 0 else int(counts.max()) / lowest


def tap_phases(kernel_size: int, *, stride: int, dilation: int, crop: int) -> IntArray:
    """The output phase, ``(t * d - crop) mod s``, that each of the `kernel_size` taps paints."""
    return (np.arange(kernel_size) * dilation - crop) % stride


def overlap_map(
    input_shape: int | Sequence[int],
    *,
    kernel_size: int | Sequence[int],
    strides: int | Sequence[int] = 1,
    padding: str = "valid",
    output_padding: int | Sequence[int] | None = None,
    dilation_rate: int | Sequence[int] = 1,
) -> Overlap:
    """The overlap map of a transposed convolution over an input of spatial `input_shape`.

    The arguments are those of Keras's ``Conv{1,2,3}DTranspose`` (an int means the
    same value on every axis); the rank is that of `input_shape` (an int: 1-D).
    """
    axes = conv_transpose_arithmetic(
        input_shape,
        kernel_size=kernel_size,
        strides=strides,
        padding=padding,
        output_padding=output_padding,
        dilation_rate=dilation_rate,
    )
    return Overlap(tuple(_axis_overlap(axis) for axis in axes))


def layer_overlap(layer: Any, input_shape: int | Sequence[int]) -> Overlap:
    """The overlap map of a built ``Conv*DTranspose`` layer over inputs of spatial `input_shape`."""
    arguments = conv_transpose_arguments(layer)
    return overlap_map(input_shape, kernel_size=layer.kernel.shape[:-2], **arguments)


def _axis_overlap(axis: TransposeAxis) -> AxisOverlap:
    k, s, d, crop = axis.kernel_size, axis.stride, axis.dilation, axis.crop_start
    # Output p and tap t come from input (p + crop - t * d) / s, when that is an integer.
    source = np.arange(axis.output_length)[:, None] + crop - np.arange(k)[None, :] * d
    lands = (source % s == 0) & (source >= 0) & (source < axis.input_length * s)
    counts = lands.sum(axis=1).astype(np.int64)
    phase_counts = np.bincount(tap_phases(k, stride=s, dilation=d, crop=crop), minlength=s)
    interior = counts == phase_counts[np.arange(axis.output_length) % s]
    return AxisOverlap(counts, phase_counts.astype(np.int64), interior)
