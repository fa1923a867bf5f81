"""The public resampling kernels: argument checks, layouts, and the route they run (`routes`)."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from upsample.ops._routing import check_route
from upsample.ops.layout import as_float
from upsample.ops.resampling import routes
from upsample.ops.resampling.coordinates import ALIGN_CORNERS, COORDINATES, HALF_PIXEL
from upsample.ops.resampling.problem import Resampling
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
    coordinates: str = HALF_PIXEL,
    route: str | None = None,
) -> Array:
    """Upsample `x` by integer factors `size`, as Keras's ``UpSampling{1,2,3}D``.

    x: ``(N, *spatial, C)`` (channels_last) or ``(N, C, *spatial)``, 1 to 3 spatial
    axes; `size`: one factor, or one per spatial axis.  Returns the same layout
    with every spatial length multiplied by its factor, in the dtype of `x`.
    `coordinates` picks where the outputs sample the input (`coordinates`;
    Keras's half-pixel centres by default).  `route` forces one of `ROUTES`
    (default: the route table's choice, `routes.choose`).
    """
    x = as_float(x, "x")
    method, fmt, spatial = _check_arguments(x.shape, interpolation, coordinates, data_format, "x")
    factors = normalize_tuple(size, len(spatial), "size")
    wide = tuple(resize_output_length(n, f) for n, f in zip(spatial, factors))
    problem = _problem(method, coordinates, False, spatial, wide)
    return _resample(x, problem, fmt, False, route)


def upsample_vjp(
    grad: Array,
    *,
    size: int | Sequence[int],
    interpolation: str = "nearest",
    data_format: str | None = None,
    coordinates: str = HALF_PIXEL,
    route: str | None = None,
) -> Array:
    """The vector-Jacobian product of `upsample`: the transposed operator applied to `grad`.

    grad: shaped like the output of `upsample` (every spatial length a multiple of
    its factor).  Returns the gradient with respect to the input, ``length / factor``
    along each spatial axis.  For "nearest" this is the sum over each block.
    """
    grad = as_float(grad, "grad")
    method, fmt, wide = _check_arguments(
        grad.shape, interpolation, coordinates, data_format, "grad"
    )
    factors = normalize_tuple(size, len(wide), "size")
    if any(n % f for n, f in zip(wide, factors)):
        raise ValueError(
            f"The `grad` must have the shape of an output of `upsample`: every spatial length "
            f"a multiple of its factor. Received: grad.shape={grad.shape}, size={factors}"
        )
    narrow = tuple(n // f for n, f in zip(wide, factors))
    problem = _problem(method, coordinates, False, narrow, wide)
    return _resample(grad, problem, fmt, True, route)


def resize(
    x: Array,
    *,
    size: int | Sequence[int],
    interpolation: str = "bilinear",
    antialias: bool = False,
    data_format: str | None = None,
    coordinates: str = HALF_PIXEL,
    route: str | None = None,
) -> Array:
    """Resample the spatial axes of `x` to the lengths `size`, up or down.

    As ``keras.ops.image.resize(x, size, interpolation, antialias)`` (JAX backend)
    for 2 spatial axes, and the same operator for 1 and 3.  x: ``(N, *spatial, C)``
    (channels_last) or ``(N, C, *spatial)``; `size`: one length, or one per spatial
    axis.  `antialias` widens the kernel by the scale along axes that shrink (no
    effect on nearest, nor when enlarging).  Returns the dtype of `x`.
    """
    x = as_float(x, "x")
    method, fmt, spatial = _check_arguments(x.shape, interpolation, coordinates, data_format, "x")
    lengths = normalize_tuple(size, len(spatial), "size")
    problem = _problem(method, coordinates, _check_antialias(antialias), spatial, lengths)
    return _resample(x, problem, fmt, False, route)


def resize_vjp(
    grad: Array,
    *,
    input_size: int | Sequence[int],
    interpolation: str = "bilinear",
    antialias: bool = False,
    data_format: str | None = None,
    coordinates: str = HALF_PIXEL,
    route: str | None = None,
) -> Array:
    """The vector-Jacobian product of `resize`: the transposed operator applied to `grad`.

    grad: shaped like the output of `resize`; `input_size`: the spatial lengths of
    the input that `resize` received.  Returns the gradient with respect to that input.
    """
    grad = as_float(grad, "grad")
    method, fmt, lengths = _check_arguments(
        grad.shape, interpolation, coordinates, data_format, "grad"
    )
    spatial = normalize_tuple(input_size, len(lengths), "input_size")
    problem = _problem(method, coordinates, _check_antialias(antialias), spatial, lengths)
    return _resample(grad, problem, fmt, True, route)


@functools.lru_cache(maxsize=256)
def _problem(
    method: str,
    coordinates: str,
    antialias: bool,
    inputs: tuple[int, ...],
    outputs: tuple[int, ...],
) -> Resampling:
    """One instance per distinct problem, so that small calls do not rebuild it (microseconds)."""
    return Resampling(method, coordinates, antialias, inputs, outputs)


def _resample(
    array: Array, problem: Resampling, fmt: str, transpose: bool, route: str | None
) -> Array:
    """Run `problem` (or its transpose) on `array`, in its layout, by `route` or the table's."""
    check_route(route, ROUTES, lambda r: routes.cannot(r, transpose, problem))
    batch, spatial, channels = _canonical(array.shape, fmt)
    target = problem.inputs if transpose else problem.outputs
    shape = _layout(array.shape[0], target, array.shape[1 if fmt == "channels_first" else -1], fmt)
    source = np.ascontiguousarray(array).reshape(batch, *spatial, channels)
    result = routes.resample(transpose, problem, source, (batch, *target, channels), route)
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


def check_coordinates(coordinates: str, interpolation: str) -> str:
    """`coordinates` if it names a convention that `interpolation` (canonical) supports.

    Nearest neighbour has no align_corners rule: PyTorch refuses it, and TF 1 and
    ONNX break its ties in opposite directions.
    """
    if coordinates not in COORDINATES:
        accepted = ", ".join(repr(name) for name in COORDINATES)
        raise ValueError(
            f"The `coordinates` argument must be one of {accepted}. "
            f"Received: coordinates={coordinates!r}"
        )
    if coordinates == ALIGN_CORNERS and interpolation == NEAREST:
        raise ValueError(
            "The `coordinates` argument 'align_corners' needs an interpolating kernel "
            "(bilinear, bicubic, lanczos3, lanczos5), as PyTorch's align_corners does; for "
            "nearest use 'half_pixel' (PyTorch's mode='nearest-exact', Keras) or 'asymmetric' "
            "(PyTorch's mode='nearest'). Received: coordinates='align_corners', "
            "interpolation='nearest'"
        )
    return coordinates


def _check_antialias(antialias: bool) -> bool:
    if not isinstance(antialias, bool | np.bool_):
        raise ValueError(
            f"The `antialias` argument must be True or False. Received: antialias={antialias!r}"
        )
    return bool(antialias)


def _check_arguments(
    shape: tuple[int, ...],
    interpolation: str,
    coordinates: str,
    data_format: str | None,
    name: str,
) -> tuple[str, str, tuple[int, ...]]:
    """The canonical interpolation, the data format and the spatial lengths of `shape`."""
    method = check_interpolation(interpolation)
    check_coordinates(coordinates, method)
    fmt = normalize_data_format(data_format)
    if len(shape) - 2 not in (1, 2, 3):
        raise ValueError(
            f"The `{name}` must have 3, 4 or 5 dimensions (batch, 1 to 3 spatial, channels). "
            f"Received: {name}.shape={shape}"
        )
    return method, fmt, _canonical(shape, fmt)[1]


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
