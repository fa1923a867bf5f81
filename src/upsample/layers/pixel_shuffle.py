"""`DepthToSpace` and `SpaceToDepth`: pixel shuffle and its inverse, in 1, 2 and 3-D.

Keras has the operations (``keras.ops.depth_to_space``, 2-D, "DCR") but no
layers; these take 1 to 3 spatial axes (from the input), a block size per axis
and either channel order (see `upsample.ops.pixel_shuffle`).  No weights; each
layer's backward pass is the other's forward pass.
"""

from __future__ import annotations

import math
from typing import Any

from upsample import config as upsample_config
from upsample.layers.layer import Array, Gradients, Layer
from upsample.ops import pixel_shuffle
from upsample.ops.shapes import normalize_tuple


class PixelShuffle(Layer):
    """What `DepthToSpace` and `SpaceToDepth` share: arguments, checks and config."""

    keras_module = "upsample.layers"
    samples_independent = True
    # True for DepthToSpace (channels to pixels), False for SpaceToDepth.
    to_space: bool

    def __init__(
        self,
        block_size: Any = 2,
        order: str = "DCR",
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.block_size = pixel_shuffle.normalize_factors(block_size, "block_size")
        self.order = pixel_shuffle.check_order(order)
        self.data_format = upsample_config.standardize_data_format(data_format)

    def _blocks(self, input_shape: Any) -> tuple[int, ...]:
        return normalize_tuple(self.block_size, len(input_shape) - 2, "block_size")

    def check_input_shape(self, input_shape: Any) -> None:
        check_input_shape(self, input_shape)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return output_shape(self, input_shape)

    def _arguments(self, inputs: Array) -> dict[str, Any]:
        return {
            "block_size": self._blocks(inputs.shape),
            "order": self.order,
            "data_format": self.data_format,
        }

    def forward(self, inputs: Array, training: bool = False) -> tuple[Array, Any]:
        shuffle = pixel_shuffle.depth_to_space if self.to_space else pixel_shuffle.space_to_depth
        return shuffle(inputs, **self._arguments(inputs)), None

    def backward(
        self, cache: Any, grad: Array, *, weights: bool = True, inputs: bool = True
    ) -> Gradients:
        # A permutation: the gradient goes back through the inverse permutation.
        inverse = pixel_shuffle.space_to_depth if self.to_space else pixel_shuffle.depth_to_space
        dx = inverse(grad, **self._arguments(grad)) if inputs else None
        return Gradients(dx, [] if weights else None)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "block_size": self.block_size,
            "order": self.order,
            "data_format": self.data_format,
        }


class DepthToSpace(PixelShuffle):
    """Pixel shuffle: ``(N, *spatial, C * P)`` -> ``(N, *(spatial * block_size), C)``.

    ``P = prod(block_size)``; `order` "DCR" as Keras's ``ops.depth_to_space``
    (channels_last), "CRD" as PyTorch's ``PixelShuffle``.
    """

    to_space = True


class SpaceToDepth(PixelShuffle):
    """Pixel unshuffle, the inverse of `DepthToSpace` (PyTorch's ``PixelUnshuffle`` for "CRD")."""

    to_space = False


# --------------------------------------------------------------------------- shapes
# Module functions of any layer with `name`, `block_size`, `data_format` and `to_space`:
# shared with the Keras twins (`upsample.interop.keras`).


def block_sizes(layer: Any, input_shape: Any) -> tuple[int, ...]:
    """`layer.block_size`, one factor per spatial axis of `input_shape`; checks the rank."""
    if isinstance(input_shape, list) or len(input_shape) not in (3, 4, 5):
        raise ValueError(
            f'Input 0 of layer "{layer.name}" is incompatible with the layer: expected '
            f"ndim=3, 4 or 5 (batch, 1 to 3 spatial axes, channels), found shape {input_shape}"
        )
    try:
        return normalize_tuple(layer.block_size, len(input_shape) - 2, "block_size")
    except ValueError:
        raise ValueError(
            f"Layer {layer.name!r} has block_size={layer.block_size}, one factor per spatial "
            f"axis, but its input has {len(input_shape) - 2} spatial axes: shape "
            f"{tuple(input_shape)}."
        ) from None


def check_input_shape(layer: Any, input_shape: Any) -> None:
    """A ValueError that names `layer` unless `input_shape` can be shuffled by it."""
    blocks = block_sizes(layer, input_shape)
    channels = input_shape[-1 if layer.data_format == "channels_last" else 1]
    if channels is None:
        raise ValueError(
            f"The channel dimension of the inputs of {layer.name!r} must be defined. "
            f"Received input shape {tuple(input_shape)}."
        )
    total = math.prod(blocks)
    if layer.to_space and channels % total:
        raise ValueError(
            f"Layer {layer.name!r} moves groups of prod(block_size) = {total} channels into "
            f"blocks of pixels, so its input channels must be a multiple of {total}. "
            f"Received input shape {tuple(input_shape)} (data_format={layer.data_format!r})."
        )
    first = 1 if layer.data_format == "channels_last" else 2
    lengths = input_shape[first : first + len(blocks)]
    if not layer.to_space and any(n is not None and n % r for n, r in zip(lengths, blocks)):
        raise ValueError(
            f"Layer {layer.name!r} moves blocks of {blocks} pixels into channels, so every "
            f"spatial length must be a multiple of its block size. Received input shape "
            f"{tuple(input_shape)} (data_format={layer.data_format!r})."
        )


def output_shape(layer: Any, input_shape: Any) -> tuple[Any, ...]:
    """The shape `layer` gives an input of `input_shape` (None lengths stay None)."""
    blocks = block_sizes(layer, input_shape)
    total = math.prod(blocks)
    shape = list(input_shape)
    first = 1 if layer.data_format == "channels_last" else 2
    for axis, factor in enumerate(blocks):
        n = shape[first + axis]
        if n is not None:
            shape[first + axis] = n * factor if layer.to_space else n // factor
    channel = -1 if layer.data_format == "channels_last" else 1
    shape[channel] = shape[channel] // total if layer.to_space else shape[channel] * total
    return tuple(shape)
