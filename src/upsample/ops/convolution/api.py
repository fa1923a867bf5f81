"""The public convolution kernels: argument checks, layouts, and the maps they run (`routes`)."""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from upsample.ops._routing import check_route
from upsample.ops.convolution import routes
from upsample.ops.convolution.routes import ROUTES, Map
from upsample.ops.layout import as_float, from_channels_last, to_channels_last
from upsample.ops.linear import add_bias, bias_grad
from upsample.ops.shapes import (
    ConvGeometry,
    check_output_padding,
    conv_geometry,
    conv_transpose_geometry,
    normalize_data_format,
    normalize_padding,
    normalize_tuple,
)

Array = NDArray[np.floating]


class ConvGrads(NamedTuple):
    """Vector-Jacobian products of a convolution with respect to each argument."""

    inputs: Array | None
    kernel: Array | None
    bias: Array | None


# --------------------------------------------------------------------------- public API


def conv(
    inputs: Array,
    kernel: Array,
    bias: Array | None = None,
    *,
    strides: int | tuple[int, ...] = 1,
    padding: str = "valid",
    data_format: str | None = None,
    dilation_rate: int | tuple[int, ...] = 1,
    route: str | None = None,
) -> Array:
    """N-D convolution (cross-correlation), as `keras.ops.conv` plus an optional bias.

    inputs: ``(N, *spatial, C_in)`` (or ``(N, C_in, *spatial)`` for channels_first);
    kernel: ``(*kernel_size, C_in, C_out)``; bias: ``(C_out,)``.
    Returns ``(N, *out_spatial, C_out)``.  `route` forces one of `ROUTES` (default:
    the route table's choice, `routes.choose`).
    """
    x, w, fmt, geometry = _prepare(
        inputs,
        kernel,
        transposed=False,
        strides=strides,
        padding=padding,
        data_format=data_format,
        dilation_rate=dilation_rate,
        route=route,
        maps=("forward",),
    )
    _check_bias(bias, w.shape[-1])
    y = routes.correlate(x, w, geometry, route)
    if bias is not None:
        add_bias(y, bias)
    return from_channels_last(y, fmt)


def conv_vjp(
    grad: Array,
    inputs: Array,
    kernel: Array,
    bias: Array | None = None,
    *,
    strides: int | tuple[int, ...] = 1,
    padding: str = "valid",
    data_format: str | None = None,
    dilation_rate: int | tuple[int, ...] = 1,
    need_inputs: bool = True,
    need_kernel: bool = True,
    route: str | None = None,
) -> ConvGrads:
    """Gradients of `conv` for an output gradient `grad` (shaped like its output).

    The input-gradient is the transposed convolution of `grad`; the bias
    gradient is returned only when a `bias` is given.  Gradients that are not
    needed (`need_inputs`, `need_kernel`, which also covers the bias) are None.
    """
    x, w, fmt, geometry = _prepare(
        inputs,
        kernel,
        transposed=False,
        strides=strides,
        padding=padding,
        data_format=data_format,
        dilation_rate=dilation_rate,
        route=route,
        maps=_maps("adjoint", need_inputs, need_kernel),
    )
    g = _check_grad(grad, x.shape[0], geometry.narrow, w.shape[-1], fmt)
    dx = routes.correlate_adjoint(g, w, geometry, route) if need_inputs else None
    dw = routes.correlate_kernel_grad(x, g, geometry, route) if need_kernel else None
    dx = None if dx is None else from_channels_last(dx, fmt)
    db = bias_grad(g) if bias is not None and need_kernel else None
    return ConvGrads(dx, dw, db)


def conv_transpose(
    inputs: Array,
    kernel: Array,
    bias: Array | None = None,
    *,
    strides: int | tuple[int, ...] = 1,
    padding: str = "valid",
    output_padding: int | tuple[int, ...] | None = None,
    data_format: str | None = None,
    dilation_rate: int | tuple[int, ...] = 1,
    route: str | None = None,
) -> Array:
    """N-D transposed convolution, as `keras.ops.conv_transpose` plus an optional bias.

    inputs: ``(N, *spatial, C_in)``; kernel: ``(*kernel_size, C_out, C_in)``;
    bias: ``(C_out,)``.  The output length per axis is Keras's (see
    `shapes.conv_transpose_output_length`).  Computed as the input-gradient of
    the convolution with the same kernel, strides, padding and dilation.
    """
    y, w, fmt, geometry = _prepare(
        inputs,
        kernel,
        transposed=True,
        strides=strides,
        padding=padding,
        output_padding=output_padding,
        data_format=data_format,
        dilation_rate=dilation_rate,
        route=route,
        maps=("adjoint",),
    )
    _check_bias(bias, w.shape[-2])
    x = routes.correlate_adjoint(y, w, geometry, route)
    if bias is not None:
        add_bias(x, bias)
    return from_channels_last(x, fmt)


def conv_transpose_vjp(
    grad: Array,
    inputs: Array,
    kernel: Array,
    bias: Array | None = None,
    *,
    strides: int | tuple[int, ...] = 1,
    padding: str = "valid",
    output_padding: int | tuple[int, ...] | None = None,
    data_format: str | None = None,
    dilation_rate: int | tuple[int, ...] = 1,
    need_inputs: bool = True,
    need_kernel: bool = True,
    route: str | None = None,
) -> ConvGrads:
    """Gradients of `conv_transpose`: its input-gradient is the convolution of `grad`.

    As for `conv_vjp`, gradients that are not needed are None.
    """
    y, w, fmt, geometry = _prepare(
        inputs,
        kernel,
        transposed=True,
        strides=strides,
        padding=padding,
        output_padding=output_padding,
        data_format=data_format,
        dilation_rate=dilation_rate,
        route=route,
        maps=_maps("forward", need_inputs, need_kernel),
    )
    g = _check_grad(grad, y.shape[0], geometry.wide, w.shape[-2], fmt)
    dy = routes.correlate(g, w, geometry, route) if need_inputs else None
    dw = routes.correlate_kernel_grad(g, y, geometry, route) if need_kernel else None
    dy = None if dy is None else from_channels_last(dy, fmt)
    db = bias_grad(g) if bias is not None and need_kernel else None
    return ConvGrads(dy, dw, db)


# --------------------------------------------------------------------------- validation


def _hashable(value: object) -> object:
    """Arguments as cache keys: lists (and arrays) of ints become tuples."""
    if isinstance(value, list | np.ndarray):
        return tuple(int(v) for v in value)
    return value


@functools.lru_cache(maxsize=512)
def _setup(
    transposed: bool,
    shape: tuple[int, ...],
    kernel_shape: tuple[int, ...],
    strides: object,
    padding: str,
    output_padding: object,
    data_format: str | None,
    dilation_rate: object,
) -> tuple[str, ConvGeometry]:
    """Validate the arguments of one call and compute its geometry (cached per shapes).

    Validation errors name the argument and the received value, as Keras's do.
    """
    ndim = len(kernel_shape) - 2
    if ndim not in (1, 2, 3):
        raise ValueError(
            "The `kernel` must have 3, 4 or 5 dimensions (1, 2 or 3 spatial ones plus two "
            f"channel ones). Received: kernel.shape={kernel_shape}"
        )
    if len(shape) != ndim + 2:
        raise ValueError(
            f"A kernel of shape {kernel_shape} expects inputs with {ndim + 2} dimensions "
            f"(batch, {ndim} spatial, channels). Received: inputs.shape={shape}"
        )
    if 0 in kernel_shape:
        raise ValueError(f"The `kernel` must not be empty. Received: kernel.shape={kernel_shape}")
    fmt = normalize_data_format(data_format)
    spatial = shape[1:-1] if fmt == "channels_last" else shape[2:]
    channels = shape[-1] if fmt == "channels_last" else shape[1]
    arguments = dict(
        kernel_size=tuple(kernel_shape[:ndim]),
        strides=normalize_tuple(strides, ndim, "strides"),  # type: ignore[arg-type]
        padding=normalize_padding(padding),
        dilation=normalize_tuple(dilation_rate, ndim, "dilation_rate"),  # type: ignore[arg-type]
    )
    if not transposed:
        if channels != kernel_shape[-2]:
            raise ValueError(
                f"The inputs have {channels} channels but the kernel of shape {kernel_shape} "
                f"expects {kernel_shape[-2]} (kernel layout: (*kernel_size, in, out))."
            )
        return fmt, conv_geometry(spatial, **arguments)  # type: ignore[arg-type]
    op = (
        None
        if output_padding is None
        else normalize_tuple(output_padding, ndim, "output_padding", allow_zero=True)  # type: ignore[arg-type]
    )
    check_output_padding(op, arguments["strides"])  # type: ignore[arg-type]
    if channels != kernel_shape[-1]:
        raise ValueError(
            f"The inputs have {channels} channels but the kernel of shape {kernel_shape} "
            f"expects {kernel_shape[-1]} (transposed kernel layout: (*kernel_size, out, in))."
        )
    return fmt, conv_transpose_geometry(spatial, output_padding=op, **arguments)  # type: ignore[arg-type]


def _prepare(
    inputs: Array,
    kernel: Array,
    *,
    transposed: bool,
    strides: int | tuple[int, ...],
    padding: str,
    output_padding: int | tuple[int, ...] | None = None,
    data_format: str | None,
    dilation_rate: int | tuple[int, ...],
    route: str | None,
    maps: tuple[Map, ...],
) -> tuple[Array, Array, str, ConvGeometry]:
    """Channels-last, C-contiguous arrays of one float dtype, and the call's geometry.

    Checks that `route` (if any) can compute the `maps` the call needs.
    """
    inputs, kernel = as_float(inputs, "inputs"), as_float(kernel, "kernel")
    fmt, geometry = _setup(
        transposed,
        inputs.shape,
        kernel.shape,
        _hashable(strides),
        padding,
        _hashable(output_padding),
        data_format,
        _hashable(dilation_rate),
    )
    a, b = kernel.shape[-2:]
    check_route(
        route,
        ROUTES,
        lambda r: next(filter(None, (routes.cannot(r, m, geometry, a, b) for m in maps)), None),
    )
    dtype = np.result_type(inputs.dtype, kernel.dtype)
    x = np.ascontiguousarray(to_channels_last(inputs, fmt), dtype=dtype)
    return x, kernel.astype(dtype, copy=False), fmt, geometry


def _maps(input_map: Map, need_inputs: bool, need_kernel: bool) -> tuple[Map, ...]:
    """The maps a gradient call runs: `input_map` for the input gradient, and the kernel's."""
    needed: list[Map] = [input_map] if need_inputs else []
    return (*needed, "kernel_grad") if need_kernel else tuple(needed)


def _check_bias(bias: Array | None, channels: int) -> None:
    if bias is not None and np.shape(bias) != (channels,):
        raise ValueError(
            f"The `bias` must have shape ({channels},). Received: bias.shape={np.shape(bias)}"
        )


def _check_grad(
    grad: Array, batch: int, spatial: tuple[int, ...], channels: int, fmt: str
) -> Array:
    g = to_channels_last(as_float(grad, "grad"), fmt)
    expected = (batch, *spatial, channels)
    if g.shape != expected:
        raise ValueError(
            f"The `grad` must have the shape of the output, {expected} (channels_last). "
            f"Received: grad.shape={g.shape}"
        )
    return np.ascontiguousarray(g)  # im2col reads the buffer through strided views
