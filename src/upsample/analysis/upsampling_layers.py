"""Which layers of a model upsample, and by how much in all."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from upsample.layers.convolutional import ConvTranspose
from upsample.layers.layer import Layer
from upsample.layers.up_sampling import UpSampling


def leaf_layers(model: Layer) -> Iterator[Layer]:
    """The layers of `model` in order, those of nested models included; a layer is its own."""
    children = getattr(model, "layers", None)
    if children is None:
        yield model
        return
    for layer in children:
        yield from leaf_layers(layer)


def upsampling_factors(layer: Layer) -> tuple[int, ...] | None:
    """Per spatial axis, how much `layer` upsamples: an UpSampling's `size`, a
    transposed convolution's `strides` (even 1: it is the seeds' other upsampler);
    None for any other layer."""
    if isinstance(layer, UpSampling):
        return tuple(layer.size)
    if isinstance(layer, ConvTranspose):
        return tuple(layer.strides)
    return None


def upsampling_layers(model: Layer) -> list[Layer]:
    """The UpSampling*D and Conv*DTranspose layers of `model`, in order."""
    return [layer for layer in leaf_layers(model) if upsampling_factors(layer) is not None]


def total_factor(model: Layer) -> tuple[int, ...]:
    """The product of the upsampling factors of `model`, per spatial axis.

    It is the period of the patterns its upsampling layers can leave (a stride-2
    layer after another paints period-4 patterns).  A ValueError if `model` has
    no upsampling layer or mixes ranks.
    """
    factors = [upsampling_factors(layer) for layer in upsampling_layers(model)]
    if not factors:
        raise ValueError(f"The model {model.name!r} has no UpSampling or Conv*DTranspose layer.")
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
