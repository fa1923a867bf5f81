"""`DepthToSpace` and `SpaceToDepth` for Keras 3, in 1, 2 and 3-D, either channel order.

The same index maps as `upsample.ops.pixel_shuffle` (whose docstring defines
"DCR" and "CRD"), written with ``keras.ops.reshape``/``transpose`` so that
every backend computes them and differentiates them.  The order names the
channel index whatever the layout: a channels-first input is moved to
channels-last, shuffled, and moved back.  (Keras's own ``ops.depth_to_space``
is 2-D, and on its JAX backend computes "CRD" for channels-first inputs; these
layers do not use it.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import upsample.layers as upsample_layers
from upsample.interop.keras import shapes
from upsample.interop.keras.registration import twin_of
from upsample.interop.keras_import import import_keras
from upsample.layers import pixel_shuffle as shuffle_shapes
from upsample.ops.pixel_shuffle import check_order, normalize_factors

keras = import_keras()
ops = keras.ops
Layer: Any = keras.layers.Layer


def depth_to_space(
    x: Any, *, block_size: Sequence[int], order: str, data_format: str = "channels_last"
) -> Any:
    """``(N, *spatial, C * P)`` -> ``(N, *(spatial * block_size), C)`` (or channels-first)."""
    last = ops.moveaxis(x, 1, -1) if data_format == "channels_first" else x
    n = len(block_size)
    shape = ops.shape(last)
    narrow, depth = shape[1:-1], shape[-1] // math.prod(block_size)
    if order == "DCR":
        grid = ops.reshape(last, (-1, *narrow, *block_size, depth))
        block_axes, depth_axis = range(n + 1, 2 * n + 1), 2 * n + 1
    else:
        grid = ops.reshape(last, (-1, *narrow, depth, *block_size))
        block_axes, depth_axis = range(n + 2, 2 * n + 2), n + 1
    interleaved = [axis for pair in zip(range(1, n + 1), block_axes) for axis in pair]
    wide = [s * r for s, r in zip(narrow, block_size)]
    result = ops.reshape(ops.transpose(grid, (0, *interleaved, depth_axis)), (-1, *wide, depth))
    return ops.moveaxis(result, -1, 1) if data_format == "channels_first" else result


def space_to_depth(
    x: Any, *, block_size: Sequence[int], order: str, data_format: str = "channels_last"
) -> Any:
    """The inverse of `depth_to_space`."""
    last = ops.moveaxis(x, 1, -1) if data_format == "channels_first" else x
    n = len(block_size)
    shape = ops.shape(last)
    wide, depth = shape[1:-1], shape[-1]
    narrow = [s // r for s, r in zip(wide, block_size)]
    split = [size for pair in zip(narrow, block_size) for size in pair]
    grid = ops.reshape(last, (-1, *split, depth))
    spatial, blocks, depth_axis = range(1, 2 * n, 2), range(2, 2 * n + 1, 2), 2 * n + 1
    channels = [*blocks, depth_axis] if order == "DCR" else [depth_axis, *blocks]
    stacked = ops.transpose(grid, (0, *spatial, *channels))
    result = ops.reshape(stacked, (-1, *narrow, depth * math.prod(block_size)))
    return ops.moveaxis(result, -1, 1) if data_format == "channels_first" else result


class PixelShuffle(Layer):
    """What the two layers share (the twin of `upsample.layers.pixel_shuffle.PixelShuffle`)."""

    # True for DepthToSpace (channels to pixels), False for SpaceToDepth.
    to_space: bool

    def __init__(
        self, block_size: Any = 2, order: str = "DCR", data_format: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.block_size = normalize_factors(block_size, "block_size")
        self.order = check_order(order)
        self.data_format = shapes.standardize_data_format(data_format)

    def build(self, input_shape: Sequence[Any]) -> None:
        # Keras passes a shape as a list too; upsample reads a list as several inputs.
        shuffle_shapes.check_input_shape(self, tuple(input_shape))
        self.built = True

    def compute_output_shape(self, input_shape: Sequence[Any]) -> tuple[Any, ...]:
        return shuffle_shapes.output_shape(self, tuple(input_shape))

    def call(self, inputs: Any) -> Any:
        shuffle = depth_to_space if self.to_space else space_to_depth
        return shuffle(
            inputs,
            block_size=shuffle_shapes.block_sizes(self, tuple(inputs.shape)),
            order=self.order,
            data_format=self.data_format,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "block_size": self.block_size,
            "order": self.order,
            "data_format": self.data_format,
        }


@twin_of(upsample_layers.DepthToSpace)
class DepthToSpace(PixelShuffle):
    """Pixel shuffle: ``(N, *spatial, C * P)`` -> ``(N, *(spatial * block_size), C)``."""

    to_space = True


@twin_of(upsample_layers.SpaceToDepth)
class SpaceToDepth(PixelShuffle):
    """Pixel unshuffle, the inverse of `DepthToSpace`."""

    to_space = False
