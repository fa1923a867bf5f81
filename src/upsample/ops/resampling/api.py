"""The public upsampling kernels: argument checks, layouts, and the route they run (`routes`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from upsample.ops._routing import check_route
from upsample.ops.layout import as_float
from upsample.ops.resampling import routes
from upsample.ops.resampling.routes import ROUTES
from upsample.ops.resampling.weights import KERNELS, NEAREST
from upsample.ops.shapes import normalize_data_format, normalize_tuple, resize_output_length

Array = NDArray[np.floating]

INTERPOLATIONS: tuple[str, ...] = (NEAREST, *KERNELS)
ALIASES: dict[str, str] = {
    "linear": "bilinear",
    "trilinear": "bilinear",
    "cubic": "bicubic",
    "tricubic": "bicubic",
}


# --------------------------------------------------------------------------- public API


def upsample(
    x: Array,
    *,
    size: int | Sequence[int],
    interpolation: str = "nearest",
    data_format: str | None = None,
    route: str | None = None,
) -> Array:
    """Upsample `x` by integer factors `size`, as Keras's ``UpSampling{1,2,3}D``.

    x: ``(N, *spatial, C)`` (channels_last) or ``(N, C, *spatial)``, 1 to 3 spatial
    axes; `size`: one factor, or one per spatial axis.  Returns the same layout
    with every spatial length multiplied by its factor, in the dtype of `x`.  `route`
    forces one of `ROUTES` (default: the route table's choice, `routes.choose`).
    """
    x = as_float(x, "x")
    method, fmt, factors = _check_arguments(x.shape, size, interpolation, data_format, "x")
    check_route(route, ROUTES, lambda r: routes.cannot(r, False, method, factors))
    batch, spatial, channels = _canonical(x.shape, fmt)
    wide = tuple(resize_output_length(n, f) for n, f in zip(spatial, factors))
    shape = _layout(x.shape[0], wide, x.shape[1 if fmt == "channels_first" else -1], fmt)
    source = np.ascontiguousarray(x).reshape(batch, *spatial, channels)
    result = routes.resample(False, method, source, factors, (batch, *wide, channels), route)
    return result.reshape(shape)


def upsample_vjp(
    grad: Array,
    *,
    size: int | Sequence[int],
    interpolation: str = "nearest",
    data_format: str | None = None,
    route: str | None = None,
) -> Array:
    """The vector-Jacobian product of `upsample`: the transposed operator applied to `grad`.

    grad: shaped like the output of `upsample` (every spatial length a multiple of
    its factor).  Returns the gradient with respect to the input, ``length / factor``
    along each spatial axis.  For "nearest" this is the sum over each block.
    """
    grad = as_float(grad, "grad")
    method, fmt, factors = _check_arguments(grad.shape, size, interpolation, data_format, "grad")
    check_route(route, ROUTES, lambda r: routes.cannot(r, True, method, factors))
    batch, wide, channels = _canonical(grad.shape, fmt)
    if any(n % f for n, f in zip(wide, factors)):
        raise ValueError(
            f"The `grad` must have the shape of an output of `upsample`: every spatial length "
            f"a multiple of its factor. Received: grad.shape={grad.shape}, size={factors}"
        )
    narrow = tuple(n // f for n, f in zip(wide, factors))
    shape = _layout(grad.shape[0], narrow, grad.shape[1 if fmt == "channels_first" else -1], fmt)
    source = np.ascontiguousarray(grad).reshape(batch, *wide, channels)
    result = routes.resample(True, method, source, factors, (batch, *narrow, channels), route)
    return result.reshape(shape)


# --------------------------------------------------------------------------- validation


def check_interpolation(interpolation: str) -> str:
    """The canonical name of `interpolation` (case-insensitive, aliases resolved).

    Unknown names raise a ValueError listing the accepted ones.
    """
    lowered = interpolation.lower() if isinstance(interpolation, str) else ""
    method = ALIASES.get(lowered, lowered)
    if method not in INTERPOLATIONS:
        accepted = ", ".join(repr(name) for name in (*INTERPOLATIONS, *ALIASES))
        raise ValueError(
            f"The `interpolation` argument must be one of {accepted}. "
            f"Received: interpolation={interpolation!r}"
        )
    return str(method)


def _check_arguments(
    shape: tuple[int, ...],
    size: int | Sequence[int],
    interpolation: str,
    data_format: str | None,
    name: str,
) -> tuple[str, str, tuple[int, ...]]:
    method = check_interpolation(interpolation)
    fmt = normalize_data_format(data_format)
    ndim = len(shape) - 2
    if ndim not in (1, 2, 3):
        raise ValueError(
            f"The `{name}` must have 3, 4 or 5 dimensions (batch, 1 to 3 spatial, channels). "
            f"Received: {name}.shape={shape}"
        )
    return method, fmt, normalize_tuple(size, ndim, "size")


def _canonical(shape: tuple[int, ...], fmt: str) -> tuple[int, tuple[int, ...], int]:
    """``(batch, spatial, pixel)`` of the channels-last view the kernels work on.

    Channels-first ``(N, C, *spatial)`` is channels-last with ``N * C`` items of
    one channel each: a reshape, no transposition.
    """
    if fmt == "channels_first":
        return shape[0] * shape[1], tuple(shape[2:]), 1
    return shape[0], tuple(shape[1:-1]), shape[-1]


def _layout(batch: int, spatial: tuple[int, ...], channels: int, fmt: str) -> tuple[int, ...]:
    if fmt == "channels_first":
        return (batch, channels, *spatial)
    return (batch, *spatial, channels)
