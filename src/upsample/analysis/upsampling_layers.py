"""Which layers of a model upsample, and by how much in all."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from upsample.layers.convolutional import ConvTranspose
from upsample.layers.layer import Layer
from upsample.layers.pixel_shuffle import DepthToSpace
from upsample.layers.resize_conv import ResizeConv
from upsample.layers.sub_pixel_conv import SubPixelConv
from upsample.layers.up_sampling import UpSampling
from upsample.ops.shapes import normalize_tuple


def leaf_layers(model: Layer) -> Iterator[Layer]:
    """The layers of `model` in order, those of nested models included; a layer is its own."""
    children = getattr(model, "layers", None)
    if children is None:
        yield model
        return
    for layer in children:
        yield from leaf_layers(layer)


def upsampling_factors(layer: Layer) -> tuple[int, ...] | None:
    """Per spatial axis, how much `layer` upsamples; None for a layer that does not.

    An UpSampling's or a ResizeConv's `size`, a transposed convolution's
    `strides` (even 1: it is the seeds' other upsampler), a SubPixelConv's
    `scale`, a DepthToSpace's `block_size` (one factor for every axis of its
    input, when given as an int).
    """
    if isinstance(layer, UpSampling | ResizeConv):
        return tuple(layer.size)
    if isinstance(layer, ConvTranspose):
        return tuple(layer.strides)
    if isinstance(layer, SubPixelConv):
        return tuple(layer.scale)
    if isinstance(layer, DepthToSpace):
        if isinstance(layer.block_size, tuple):
            return layer.block_size
        return normalize_tuple(layer.block_size, len(layer.input.shape) - 2, "block_size")
    return None


def upsampling_layers(model: Layer) -> list[Layer]:
    """The upsampling layers of `model` (see `upsampling_factors`), in order."""
    return [layer for layer in leaf_layers(model) if upsampling_factors(layer) is not None]


def total_factor(model: Layer) -> tuple[int, ...]:
    """The product of the upsampling factors of `model`, per spatial axis.

    It is the period of the patterns its upsampling layers can leave (a stride-2
    layer after another paints period-4 patterns).  A ValueError if `model` has
    no upsampling layer or mixes ranks.
    """
    factors = [upsampling_factors(layer) for layer in upsampling_layers(model)]
    if not factors:
        raise ValueError(
            f"The model {model.name!r} has no upsampling layer (UpSampling*D, Conv*DTranspose, "
            "SubPixelConv*D, ResizeConv*D or DepthToSpace)."
        )
    ranks = {len(f) for f in factors if f is not None}
    if len(ranks) != 1:
        raise ValueError(f"The upsampling layers of {model.name!r} mix ranks: {sorted(ranks)}.")
    return tuple(math.prod(axis) for axis in zip(*[f for f in factors if f is not None]))


def spatial_input_shape(layer: Any) -> tuple[int, ...]:
    """The spatial shape of `layer`'s input in its model (channels_last or channels_first)."""
    shape = tuple(layer.input.shape)
    if getattr(layer, "data_format", "channels_last") == "channels_first":
        return shape[2:]
    return shape[1:-1]
