"""The explainer's arithmetic of a transposed convolution: shapes, zero insertion, scatter.

Notation of Dumoulin & Visin, "A guide to convolution arithmetic for deep
learning" (arXiv:1603.07285): input length ``i``, kernel ``k``, stride ``s``,
dilation ``d``; the dilated kernel spans ``k^ = d (k - 1) + 1`` (their
relationship 15).  A transposed convolution paints each input pixel through
the kernel, ``s`` apart: the paint covers ``s (i - 1) + k^`` positions
(relationship 12), and Keras crops some at the start and the end
(`upsample.ops.shapes.conv_transpose_padding`; a negative crop appends zeros),
which is relationship 14, ``o = s (i - 1) + a + k^ - 2p``, with the crops
``2p - a``.  The same output is a stride-1 convolution, with the flipped kernel,
of the input with ``s - 1`` zeros inserted between its pixels and padded by
``k^ - 1 - crop`` at each end (relationships 12 to 14): `zero_inserted_input`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from upsample.analysis.arguments import IntArray, transpose_geometry


@dataclass(frozen=True)
class TransposeAxis:
    """The shape arithmetic of a transposed convolution along one axis."""

    input_length: int
    kernel_size: int
    stride: int
    dilation: int
    padding: str
    output_padding: int | None
    crop_start: int
    crop_end: int
    output_length: int

    @property
    def kernel_extent(self) -> int:
        """``k^ = d (k - 1) + 1`` (relationship 15)."""
        return self.dilation * (self.kernel_size - 1) + 1

    @property
    def scatter_length(self) -> int:
        """``s (i - 1) + k^``: the positions the paint covers before any crop."""
        return self.stride * (self.input_length - 1) + self.kernel_extent

    @property
    def pad_start(self) -> int:
        """Zeros before the zero-inserted input in the stride-1 view: ``k^ - 1 - crop_start``."""
        return self.kernel_extent - 1 - self.crop_start

    @property
    def pad_end(self) -> int:
        return self.kernel_extent - 1 - self.crop_end

    def keras_rule(self) -> str:
        """Keras 3's formula for this case, with the numbers filled in."""
        i, s, ke, op = self.input_length, self.stride, self.kernel_extent, self.output_padding
        o = self.output_length
        if self.padding == "same" and op is None:
            return f"'same', no output_padding: o = i*s = {i}*{s} = {o}"
        if self.padding == "same":
            return (
                f"'same' with output_padding: o = (i - 1)*s + k^ mod 2 + output_padding "
                f"= {i - 1}*{s} + {ke % 2} + {op} = {o}"
            )
        if op is None:
            return (
                f"'valid', no output_padding: o = (i - 1)*s + max(k^, s) "
                f"= {i - 1}*{s} + {max(ke, s)} = {o}"
            )
        return (
            f"'valid' with output_padding: o = (i - 1)*s + k^ + output_padding "
            f"= {i - 1}*{s} + {ke} + {op} = {o}"
        )

    def relationship(self) -> str:
        """Dumoulin & Visin's relationship 14 with this axis's numbers."""
        return (
            f"o = s(i - 1) + k^ - (crop at start + crop at end) = {self.stride}*"
            f"{self.input_length - 1} + {self.kernel_extent} - ({self.crop_start} + "
            f"{self.crop_end}) = {self.output_length}"
        )

    def scatter(self) -> list[list[tuple[int, int]]]:
        """Per input pixel, the ``(output position, tap)`` pairs its kernel paints.

        Positions outside ``[0, output_length)`` are those the crop removes.
        """
        return [
            [
                (o * self.stride + t * self.dilation - self.crop_start, t)
                for t in range(self.kernel_size)
            ]
            for o in range(self.input_length)
        ]


def conv_transpose_arithmetic(
    input_shape: int | Sequence[int],
    *,
    kernel_size: int | Sequence[int],
    strides: int | Sequence[int] = 1,
    padding: str = "valid",
    output_padding: int | Sequence[int] | None = None,
    dilation_rate: int | Sequence[int] = 1,
) -> tuple[TransposeAxis, ...]:
    """The shape arithmetic of each axis (Keras's ``Conv*DTranspose`` arguments)."""
    geometry = transpose_geometry(
        input_shape,
        kernel_size=kernel_size,
        strides=strides,
        padding=padding,
        output_padding=output_padding,
        dilation_rate=dilation_rate,
    )
    ops = (
        (None,) * geometry.ndim
        if output_padding is None
        else np.broadcast_to(output_padding, (geometry.ndim,)).tolist()
    )
    return tuple(
        TransposeAxis(
            input_length=n,
            kernel_size=k,
            stride=s,
            dilation=d,
            padding=padding.lower(),
            output_padding=op,
            crop_start=before,
            crop_end=after,
            output_length=out,
        )
        for n, k, s, d, op, before, after, out in zip(
            geometry.narrow,
            geometry.kernel_size,
            geometry.strides,
            geometry.dilation,
            ops,
            geometry.pad_before,
            geometry.pad_after,
            geometry.wide,
        )
    )


def zero_inserted_input(axes: Sequence[TransposeAxis]) -> IntArray:
    """The stride-1 view's input: ``s - 1`` zeros between pixels, padded, as labels.

    Entry ``j + 1`` is input pixel ``j`` (C order over the input's axes), 0 an
    inserted or padded zero.  Its shape is ``output_length + k^ - 1`` per axis:
    a stride-1 correlation with the flipped (dilated) kernel gives the output.
    """
    sources = []
    for axis in axes:
        stretched = np.full(axis.stride * (axis.input_length - 1) + 1, -1)
        stretched[:: axis.stride] = np.arange(axis.input_length)
        padded = [np.full(axis.pad_start, -1), stretched, np.full(axis.pad_end, -1)]
        sources.append(np.concatenate(padded))
    return _labels(np.ix_(*sources), tuple(axis.input_length for axis in axes))


def scatter_map(axes: Sequence[TransposeAxis]) -> IntArray:
    """``(*input_shape, *output_shape)``: the tap that carries each input pixel to each output.

    Entry ``t + 1`` is kernel tap ``t`` (C order over the kernel's axes), 0 means
    the pixel does not reach that position.  Summed over the input axes,
    ``scatter_map > 0`` is the overlap map.
    """
    rank = len(axes)
    per_axis = []
    for i, axis in enumerate(axes):
        taps = np.full((axis.input_length, axis.output_length), -1)
        for o, painted in enumerate(axis.scatter()):
            for position, t in painted:
                if 0 <= position < axis.output_length:
                    taps[o, position] = t
        # Axis i's (input, output) pair goes to places (i, rank + i) of (*inputs, *outputs).
        others = [a for a in range(2 * rank) if a not in (i, rank + i)]
        per_axis.append(np.expand_dims(taps, others))
    return _labels(per_axis, tuple(axis.kernel_size for axis in axes))


def _labels(indices: Sequence[IntArray], shape: tuple[int, ...]) -> IntArray:
    """Per-axis indices (-1: none), broadcast together, as C-order labels ``1 + flat index``."""
    grids = np.broadcast_arrays(*indices)
    present = functools.reduce(np.logical_and, [g >= 0 for g in grids])
    flat = np.ravel_multi_index(tuple(np.maximum(g, 0) for g in grids), shape)
    return np.where(present, flat + 1, 0)
