"""Initializers for learned upsampling: `ICNR` and `BilinearUpsampling` (not in Keras).

`ICNR` (Aitken et al. 2017, "Checkerboard artifact free sub-pixel convolution",
arXiv:1707.02937) gives every output phase of an upsampling convolution the same
sub-kernel, so that at initialisation the layer equals a low-resolution
convolution followed by nearest-neighbour upsampling ("convolution NN resize"):
no checkerboard before training.  `BilinearUpsampling` makes a transposed
convolution compute bilinear upsampling (Long et al. 2015, "Fully convolutional
networks for semantic segmentation").

Their configs name the module ``upsample.initializers`` and register the classes
as ``upsample>ICNR`` and ``upsample>BilinearUpsampling`` (Keras's form for
registered custom objects).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

# The package's `get`/`serialize`, used at call time (this module is imported by it).
import upsample.initializers as initializers
from upsample.initializers.initializer import Initializer, standardize_dtype, standardize_shape
from upsample.ops.pixel_shuffle import Order, check_order, normalize_factors
from upsample.ops.shapes import normalize_tuple


class ICNR(Initializer):
    """One sub-kernel, drawn by `initializer`, shared by every phase of a `scale` upsampling.

    For a sub-pixel convolution (`SubPixelConv*D`, or any convolution followed by
    `depth_to_space` with `order`), the kernel is ``(*k, C_in, C_out * P)`` with
    ``P = prod(scale)``; the sub-kernel ``(*k, C_in, C_out)`` is copied to every
    block position: to channels ``phase * C_out + c`` for "DCR" (a tile), to
    ``c * P + phase`` for "CRD" (a repeat; fastai's and MONAI's ``icnr_init``).

    With ``transposed=True``, for a transposed convolution of stride `scale`: the
    kernel is ``(*k, C_out, C_in)``, every ``k`` a multiple of its stride, and the
    sub-kernel ``(*(k / scale), C_out, C_in)`` is repeated over each stride block,
    so that the layer equals a stride-1 transposed convolution followed by
    nearest-neighbour upsampling (exactly with "valid" padding; "same" crops it).

    scale: an int, or one per spatial axis of the kernel.  `initializer` draws the
    sub-kernel (anything `initializers.get` takes; its seed decides the values).
    """

    keras_module = "upsample.initializers"

    def __init__(
        self,
        scale: int | Sequence[int] = 2,
        order: str = "DCR",
        initializer: Any = "glorot_uniform",
        transposed: bool = False,
    ) -> None:
        self.scale, self.order = check_icnr_arguments(scale, order, transposed)
        self.initializer = initializers.get(initializer)
        check_icnr_initializer(self.initializer, initializer)
        self.transposed = transposed

    def __call__(self, shape: int | Sequence[int], dtype: DTypeLike | None = None) -> NDArray[Any]:
        sub_shape, factors = icnr_sub_kernel_shape(
            standardize_shape(shape), self.scale, self.transposed
        )
        standardize_dtype(dtype, floating=True)
        return icnr_kernel(
            self._draw(sub_shape, dtype),
            factors,
            self.order,
            self.transposed,
            tile=np.tile,
            repeat=np.repeat,
        )

    def _draw(self, shape: tuple[int, ...], dtype: DTypeLike | None) -> NDArray[Any]:
        assert self.initializer is not None
        sub = np.asarray(self.initializer(shape, dtype=dtype))
        if sub.shape != shape:
            raise ValueError(
                f"The `initializer` of ICNR returned shape {sub.shape} for shape {shape}."
            )
        return sub

    def get_config(self) -> dict[str, Any]:
        return {
            "scale": self.scale,
            "order": self.order,
            "initializer": initializers.serialize(self.initializer),
            "transposed": self.transposed,
        }

    def __repr__(self) -> str:
        return (
            f"ICNR(scale={self.scale!r}, order={self.order!r}, "
            f"initializer={self.initializer!r}, transposed={self.transposed!r})"
        )


# --------------------------------------------------------------------------- ICNR's parts
# Shared with the Keras twin (`upsample.interop.keras`), which passes ``keras.ops``.


def check_icnr_arguments(
    scale: Any, order: str, transposed: Any
) -> tuple[int | tuple[int, ...], Order]:
    """ICNR's checked `scale` and `order`; a ValueError for a non-bool `transposed`."""
    if not isinstance(transposed, bool):
        raise ValueError(
            f"The `transposed` argument must be a bool. Received: transposed={transposed!r}"
        )
    return normalize_factors(scale, "scale"), check_order(order)


def check_icnr_initializer(resolved: Any, given: Any) -> None:
    """The sub-kernel's initializer must exist (`given` resolved to None otherwise)."""
    if resolved is None:
        raise ValueError(
            f"The `initializer` of ICNR must not be None. Received: initializer={given!r}"
        )


def icnr_sub_kernel_shape(
    dims: tuple[int, ...], scale: int | tuple[int, ...], transposed: bool
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The shape of the sub-kernel to draw for a kernel of shape `dims`, and the factors."""
    if len(dims) < 3:
        raise ValueError(
            "ICNR initializes convolution kernels, of shape (*kernel_size, in, out): "
            f"at least 3 dimensions. Received: shape={dims}"
        )
    rank = len(dims) - 2
    try:
        factors = normalize_tuple(scale, rank, "scale")
    except ValueError:
        raise ValueError(
            f"ICNR has scale={scale}, one factor per spatial axis, but the kernel shape "
            f"{dims} has {rank} spatial axes."
        ) from None
    if transposed:
        kernel_size = dims[:-2]
        if any(k % s for k, s in zip(kernel_size, factors)):
            raise ValueError(
                "ICNR for a transposed convolution needs a kernel size that is a multiple of "
                f"the stride along every axis. Received: kernel shape {dims} (kernel_size="
                f"{kernel_size}), scale={scale}"
            )
        return (*(k // s for k, s in zip(kernel_size, factors)), *dims[-2:]), factors
    phases = math.prod(factors)
    if dims[-1] % phases:
        raise ValueError(
            "The output channels of a sub-pixel convolution kernel must be a multiple of "
            f"prod(scale) = {phases}. Received: shape={dims}, scale={scale}"
        )
    return (*dims[:-1], dims[-1] // phases), factors


def icnr_kernel(
    sub: Any,
    factors: tuple[int, ...],
    order: str,
    transposed: bool,
    *,
    tile: Callable[..., Any],
    repeat: Callable[..., Any],
) -> Any:
    """The full kernel from the sub-kernel, with the array library's `tile` and `repeat`.

    Sub-pixel: channel ``phase * C_out + c`` ("DCR", a tile) or ``c * P + phase``
    ("CRD", a repeat).  Transposed: each kernel tap repeated over its stride block.
    """
    if transposed:
        for axis, factor in enumerate(factors):
            sub = repeat(sub, factor, axis=axis)
        return sub
    phases = math.prod(factors)
    if order == "DCR":
        return tile(sub, (1,) * (len(factors) + 1) + (phases,))
    return repeat(sub, phases, axis=-1)


class BilinearUpsampling(Initializer):
    """A transposed-convolution kernel that upsamples bilinearly (FCN's initialisation).

    Along a kernel axis of length ``K``, with ``f = (K + 1) // 2`` and centre
    ``c = f - 1`` (``K`` odd) or ``f - 0.5`` (``K`` even), the filter is
    ``1 - |x - c| / f``; the kernel is the outer product over the axes, on the
    diagonal of ``(C_out, C_in)`` (each channel upsampled on its own), so it
    needs ``C_out == C_in``.  With ``K = 2 f - f % 2``, stride ``f`` and
    ``padding="same"``, a transposed convolution with this kernel equals
    half-pixel bilinear upsampling by ``f`` (`UpSampling2D(interpolation=
    "bilinear")`) except near the borders, where it sees zeros instead of
    repeating the edge.  Deterministic: it draws nothing.
    """

    keras_module = "upsample.initializers"

    def __call__(self, shape: int | Sequence[int], dtype: DTypeLike | None = None) -> NDArray[Any]:
        dims = standardize_shape(shape)
        if len(dims) < 3 or dims[-1] != dims[-2]:
            raise ValueError(
                "BilinearUpsampling initializes transposed-convolution kernels of shape "
                "(*kernel_size, channels, channels), with as many output as input channels. "
                f"Received: shape={dims}"
            )
        filters = np.ones(())
        for size in dims[:-2]:
            filters = np.multiply.outer(filters, _triangle(size))
        kernel = filters[..., None, None] * np.eye(dims[-1])
        return kernel.astype(standardize_dtype(dtype, floating=True))


def _triangle(size: int) -> NDArray[np.float64]:
    """``1 - |x - c| / f`` for ``x = 0 .. size - 1`` (Long et al. 2015; Caffe's bilinear filler)."""
    factor = (size + 1) // 2
    centre = factor - 1 if size % 2 else factor - 0.5
    return np.asarray(1 - np.abs(np.arange(size) - centre) / factor)
