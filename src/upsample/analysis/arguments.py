"""Argument checks shared by the measures: each error names the argument and the value."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from upsample.ops.shapes import (
    ConvGeometry,
    Padding,
    check_output_padding,
    conv_transpose_geometry,
    normalize_padding,
    normalize_tuple,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


def check_images(images: Any, name: str = "images") -> FloatArray:
    """`images` as float64 ``(batch, *spatial, channels)``, 1 to 3 spatial axes, finite."""
    array = np.asarray(images)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"The `{name}` must be a real-valued array. Received dtype={array.dtype}")
    if array.ndim not in (3, 4, 5) or 0 in array.shape:
        raise ValueError(
            f"The `{name}` must be a non-empty array of shape (batch, *spatial, channels) "
            f"with 1 to 3 spatial axes. Received: {name}.shape={array.shape}"
        )
    result = array.astype(np.float64)
    if not np.isfinite(result).all():
        raise ValueError(f"The `{name}` must be finite; they hold NaN or infinite values.")
    return result


def check_kernel(kernel: Any) -> FloatArray:
    """A transposed-convolution kernel ``(*kernel_size, out, in)`` as float64, finite."""
    array = np.asarray(kernel)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"The `kernel` must be a real-valued array. Received dtype={array.dtype}")
    if array.ndim not in (3, 4, 5) or 0 in array.shape:
        raise ValueError(
            "The `kernel` must be a non-empty array of shape (*kernel_size, out, in) with 1 to "
            f"3 spatial axes. Received: kernel.shape={array.shape}"
        )
    result = array.astype(np.float64)
    if not np.isfinite(result).all():
        raise ValueError("The `kernel` must be finite; it holds NaN or infinite values.")
    return result


def check_non_negative(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise ValueError(f"The `{name}` must be a non-negative int. Received: {name}={value!r}")
    return int(value)


def spatial_rank(input_shape: int | Sequence[int]) -> int:
    """How many spatial axes `input_shape` (an int for one axis) describes."""
    if isinstance(input_shape, Sequence):
        rank = len(input_shape)
    elif isinstance(input_shape, int | np.integer) and not isinstance(input_shape, bool):
        rank = 1
    else:
        rank = 0
    if rank not in (1, 2, 3):
        raise ValueError(
            "The `input_shape` must be an int or a tuple of 1 to 3 spatial lengths. "
            f"Received: input_shape={input_shape!r}"
        )
    return rank


def transpose_arguments(
    rank: int,
    *,
    strides: int | Sequence[int],
    padding: str,
    output_padding: int | Sequence[int] | None,
    dilation_rate: int | Sequence[int],
) -> tuple[tuple[int, ...], Padding, tuple[int, ...] | None, tuple[int, ...]]:
    """Checked ``(strides, padding, output_padding, dilation)`` of a transposed convolution."""
    strides_tuple = normalize_tuple(strides, rank, "strides")
    op = (
        None
        if output_padding is None
        else normalize_tuple(output_padding, rank, "output_padding", allow_zero=True)
    )
    check_output_padding(op, strides_tuple)
    dilation = normalize_tuple(dilation_rate, rank, "dilation_rate")
    return strides_tuple, normalize_padding(padding), op, dilation


def transpose_geometry(
    input_shape: int | Sequence[int],
    *,
    kernel_size: int | Sequence[int],
    strides: int | Sequence[int],
    padding: str,
    output_padding: int | Sequence[int] | None,
    dilation_rate: int | Sequence[int],
) -> ConvGeometry:
    """The checked geometry of a transposed convolution (Keras 3's conventions).

    Its `narrow` side is the input, `wide` the output, and `pad_before` /
    `pad_after` the crops of the full scatter (`upsample.ops.shapes`).
    """
    rank = spatial_rank(input_shape)
    lengths = normalize_tuple(input_shape, rank, "input_shape")
    strides_tuple, mode, op, dilation = transpose_arguments(
        rank,
        strides=strides,
        padding=padding,
        output_padding=output_padding,
        dilation_rate=dilation_rate,
    )
    return conv_transpose_geometry(
        lengths,
        kernel_size=normalize_tuple(kernel_size, rank, "kernel_size"),
        strides=strides_tuple,
        padding=mode,
        output_padding=op,
        dilation=dilation,
    )


def conv_transpose_arguments(layer: Any) -> dict[str, Any]:
    """The geometry arguments of a built `Conv*DTranspose` layer; anything else is refused."""
    from upsample.layers.convolutional import ConvTranspose

    if not isinstance(layer, ConvTranspose):
        raise TypeError(
            "The `layer` must be a Conv1DTranspose, Conv2DTranspose or Conv3DTranspose. "
            f"Received: layer={layer!r}"
        )
    if layer.kernel is None:
        raise ValueError(
            f"The layer {layer.name!r} is not built: it has no kernel yet. Call it on data "
            "or build it first."
        )
    return {
        "strides": layer.strides,
        "padding": layer.padding,
        "output_padding": layer.output_padding,
        "dilation_rate": layer.dilation_rate,
    }
