"""Pixel shuffle and its inverse: `depth_to_space` and `space_to_depth` in 1, 2 and 3-D.

`depth_to_space` moves groups of ``P = prod(block_size)`` channels into blocks of
``r_1 x ... x r_n`` pixels (Shi et al. 2016, "Real-time single image and video
super-resolution using an efficient sub-pixel convolutional neural network"):
output pixel ``(h_1 r_1 + i_1, ..., h_n r_n + i_n)``, channel ``c`` reads input
pixel ``(h_1, ..., h_n)`` at a channel fixed by the *order* of the channel axis,
with ``phase = (...(i_1 r_2 + i_2) r_3 + ...) + i_n`` (row-major over the block):

* ``"DCR"`` (depth-column-row; TensorFlow's and Keras's ``depth_to_space``,
  ONNX ``mode="DCR"``): channel ``phase * C + c``, the block position outermost;
* ``"CRD"`` (column-row-depth; PyTorch's ``pixel_shuffle``, ONNX ``mode="CRD"``):
  channel ``c * P + phase``, so that in 2-D channel ``c r^2 + i r + j`` goes to
  ``(c, h r + i, w r + j)``, the index map PyTorch documents.

The order describes the channel index only; it does not depend on
`data_format`.  (Keras 3.15.1's ``ops.depth_to_space`` is DCR on every backend
for "channels_last", but for "channels_first" its JAX, NumPy and torch backends
compute CRD while TensorFlow and OpenVINO compute DCR.)

Both maps are permutations, so each one's vector-Jacobian product is the
other: `depth_to_space_vjp` is `space_to_depth` and vice versa.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from upsample.ops.layout import from_channels_last, to_channels_last
from upsample.ops.shapes import normalize_data_format, normalize_tuple

Array = NDArray[Any]
Order = Literal["DCR", "CRD"]
ORDERS: tuple[Order, ...] = ("DCR", "CRD")


def depth_to_space(
    x: Array,
    *,
    block_size: int | Sequence[int],
    order: str = "DCR",
    data_format: str | None = None,
) -> Array:
    """Pixel shuffle: ``(N, *spatial, C * P)`` -> ``(N, *(spatial * block_size), C)``.

    x: ``(N, *spatial, C * P)`` (channels_last) or ``(N, C * P, *spatial)``, 1 to 3
    spatial axes; `block_size`: one factor, or one per spatial axis; ``P`` is their
    product.  Returns an array of the dtype of `x`, in the layout of `x`.
    """
    blocks, fmt, ordering, last = _check_arguments(x, block_size, order, data_format)
    batch, narrow, channels = last.shape[0], last.shape[1:-1], last.shape[-1]
    total = math.prod(blocks)
    if channels % total:
        raise ValueError(
            f"The channels of `x` must be a multiple of prod(block_size) = {total}. "
            f"Received: x.shape={np.shape(x)}, block_size={blocks}, data_format={fmt!r}"
        )
    depth, n = channels // total, len(blocks)
    # Split the channel axis into the block axes and the depth, in `ordering`, then
    # move each block axis right after its spatial axis.
    if ordering == "DCR":
        grid = last.reshape(batch, *narrow, *blocks, depth)
        block_axes, depth_axis = range(n + 1, 2 * n + 1), 2 * n + 1
    else:
        grid = last.reshape(batch, *narrow, depth, *blocks)
        block_axes, depth_axis = range(n + 2, 2 * n + 2), n + 1
    axes = [0, *_interleave(range(1, n + 1), block_axes), depth_axis]
    wide = tuple(s * r for s, r in zip(narrow, blocks))
    return from_channels_last(grid.transpose(axes).reshape(batch, *wide, depth), fmt)


def space_to_depth(
    x: Array,
    *,
    block_size: int | Sequence[int],
    order: str = "DCR",
    data_format: str | None = None,
) -> Array:
    """Pixel unshuffle, the inverse of `depth_to_space`.

    x: ``(N, *(spatial * block_size), C)`` (or channels_first), every spatial length
    a multiple of its block size.  Returns ``(N, *spatial, C * P)`` in the layout of `x`.
    """
    blocks, fmt, ordering, last = _check_arguments(x, block_size, order, data_format)
    batch, wide, depth = last.shape[0], last.shape[1:-1], last.shape[-1]
    if any(s % r for s, r in zip(wide, blocks)):
        raise ValueError(
            "Every spatial length of `x` must be a multiple of its block size. "
            f"Received: x.shape={np.shape(x)}, block_size={blocks}, data_format={fmt!r}"
        )
    narrow = tuple(s // r for s, r in zip(wide, blocks))
    n = len(blocks)
    grid = last.reshape(batch, *_interleave(narrow, blocks), depth)
    spatial_axes, block_axes = range(1, 2 * n, 2), range(2, 2 * n + 1, 2)
    depth_axis = 2 * n + 1
    channel_axes = [*block_axes, depth_axis] if ordering == "DCR" else [depth_axis, *block_axes]
    stacked = grid.transpose([0, *spatial_axes, *channel_axes])
    return from_channels_last(stacked.reshape(batch, *narrow, depth * math.prod(blocks)), fmt)


def depth_to_space_vjp(
    grad: Array,
    *,
    block_size: int | Sequence[int],
    order: str = "DCR",
    data_format: str | None = None,
) -> Array:
    """The gradient of `depth_to_space` for an output gradient `grad`: its inverse permutation."""
    return space_to_depth(grad, block_size=block_size, order=order, data_format=data_format)


def space_to_depth_vjp(
    grad: Array,
    *,
    block_size: int | Sequence[int],
    order: str = "DCR",
    data_format: str | None = None,
) -> Array:
    """The gradient of `space_to_depth` for an output gradient `grad`: its inverse permutation."""
    return depth_to_space(grad, block_size=block_size, order=order, data_format=data_format)


def check_order(order: str) -> Order:
    """Upper-case and check `order` ("DCR" or "CRD")."""
    upper = order.upper() if isinstance(order, str) else order
    if upper not in ORDERS:
        raise ValueError(
            f"The `order` argument must be one of 'DCR' (TensorFlow, Keras) or 'CRD' "
            f"(PyTorch). Received: order={order!r}"
        )
    return upper


def normalize_factors(value: Any, name: str) -> int | tuple[int, ...]:
    """A positive int, or a tuple of them (one per spatial axis, counted when the rank is known).

    For layers and initializers that work in any number of dimensions.
    """
    try:
        if isinstance(value, Iterable) and not isinstance(value, str):
            factors = tuple(value)
            return normalize_tuple(factors, len(factors) or 1, name)
        return normalize_tuple(value, 1, name)[0]
    except ValueError:
        raise ValueError(
            f"The `{name}` must be a positive int or a tuple of positive ints (one per spatial "
            f"axis). Received: {name}={value!r}"
        ) from None


# --------------------------------------------------------------------------- helpers


def _check_arguments(
    x: Array, block_size: int | Sequence[int], order: str, data_format: str | None
) -> tuple[tuple[int, ...], str, Order, Array]:
    """The normalized arguments, and `x` as a channels-last array."""
    ordering = check_order(order)
    fmt = normalize_data_format(data_format)
    x = np.asarray(x)
    if x.ndim not in (3, 4, 5):
        raise ValueError(
            "The `x` must have 3, 4 or 5 dimensions (batch, 1 to 3 spatial, channels). "
            f"Received: x.shape={x.shape}"
        )
    blocks = normalize_tuple(block_size, x.ndim - 2, "block_size")
    return blocks, fmt, ordering, to_channels_last(x, fmt)


def _interleave(first: Iterable[int], second: Iterable[int]) -> list[int]:
    """``[a0, b0, a1, b1, ...]``."""
    return [item for pair in zip(first, second) for item in pair]
