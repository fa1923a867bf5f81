"""Autoencoders that differ only in how their decoder upsamples: `upsample compare`'s models.

Every model is the same encoder and bottleneck, then two upsampling steps of
the same channel widths, then the same output layer::

    encoder   28x28x1 -> Conv2D 16, 3x3, stride 2 -> 14x14x16
                      -> Conv2D 32, 3x3, stride 2 -> 7x7x32
                      -> Conv2D 8, 3x3            -> 7x7x8 (the bottleneck: 392 values < 784)
    decoder   step 1: 7x7x8 -> 14x14x16, step 2: 14x14x16 -> 28x28x8 (ReLU after each)
    output    Conv2D 1, 3x3, sigmoid              -> 28x28x1

and only the steps change (`DECODERS`):

================================  ===========================================================
``nearest+conv``                  UpSampling2D (nearest), Conv2D 3x3
``bilinear+conv``                 UpSampling2D (bilinear), Conv2D 3x3
``transpose-k3s2``                Conv2DTranspose 3x3, stride 2, "same"
``transpose-k4s2``                Conv2DTranspose 4x4, stride 2, "same" (kernel divisible by stride)
``sub-pixel-icnr``                SubPixelConv2D 3x3, scale 2, ICNR (a convolution to 4x the
                                  channels, then a pixel shuffle; Shi et al. 2016, Aitken et al.
                                  2017)
``transpose-bilinear-init``       Conv2DTranspose 4x4, stride 2, "same", initialised as bilinear
                                  upsampling (Long et al. 2015), then the Conv2D 3x3 of
                                  ``bilinear+conv``
================================  ===========================================================

What else differs, necessarily: the weights each step has (the 3x3 layers have
``9 * in * out + out``; the 4x4 transposed convolution ``16 * in * out + out``;
the sub-pixel convolution ``4 * (9 * in * out + out)``, one kernel per output
phase; the bilinear-initialised one adds an ``in -> in`` 4x4 transposed
convolution, ``16 * in * in + in``, because its initializer is channel-diagonal
and so cannot change the channel count: the 3x3 convolution after it does), and
the resolution at which each learned kernel runs (after the upsampling for
``*+conv``, before it for the transposed and sub-pixel layers).
`upsampling_parameters` counts them in a model.

Identical initialisation of the shared parts: every initializer is given its own
seed, derived from the model's `seed` and the layer's place (encoder layer i,
decoder step i, the output), never from the package's global generator, whose
draws would depend on what was built before.  So for one `seed` the encoder,
the bottleneck and the output layer start with the same weights in every
decoder, and so do the 3x3 convolutions that the ``*+conv`` decoders and
``transpose-bilinear-init`` share; the sub-pixel kernel's ICNR sub-kernel is
drawn with that convolution's seed as well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from upsample.initializers import ICNR, BilinearUpsampling, GlorotUniform, HeUniform
from upsample.layers import (
    Conv2D,
    Conv2DTranspose,
    Input,
    Layer,
    SubPixelConv2D,
    UpSampling2D,
)
from upsample.models import Model, Sequential

INPUT_SHAPE = (28, 28, 1)
ENCODER_FILTERS = (16, 32)
BOTTLENECK_CHANNELS = 8
# Channels after each decoder step (each step doubles the height and width).
STEP_FILTERS = (16, 8)
KERNEL = 3


@dataclass(frozen=True)
class Decoder:
    """One way to upsample: its name, what it is, how to build one step, what else differs."""

    name: str
    description: str
    step: Callable[[int, int, int], list[Layer]]  # (in channels, out channels, seed) -> layers
    differs: str  # what changes with the upsampling, beyond the upsampling itself


def _he(seed: int) -> HeUniform:
    return HeUniform(seed=seed)


def _resize_conv(interpolation: str) -> Callable[[int, int, int], list[Layer]]:
    def step(channels: int, filters: int, seed: int) -> list[Layer]:
        return [
            UpSampling2D(2, interpolation=interpolation),
            Conv2D(
                filters, KERNEL, padding="same", activation="relu", kernel_initializer=_he(seed)
            ),
        ]

    return step


def _transpose(kernel: int) -> Callable[[int, int, int], list[Layer]]:
    def step(channels: int, filters: int, seed: int) -> list[Layer]:
        return [
            Conv2DTranspose(
                filters,
                kernel,
                strides=2,
                padding="same",
                activation="relu",
                kernel_initializer=_he(seed),
            )
        ]

    return step


def _sub_pixel(channels: int, filters: int, seed: int) -> list[Layer]:
    return [
        SubPixelConv2D(
            filters,
            KERNEL,
            scale=2,
            activation="relu",
            kernel_initializer=ICNR(2, "DCR", _he(seed)),
        )
    ]


def _bilinear_transpose(channels: int, filters: int, seed: int) -> list[Layer]:
    # Kernel 2f - f % 2 = 4 for f = 2: bilinear upsampling by 2 with padding "same".
    return [
        Conv2DTranspose(
            channels, 4, strides=2, padding="same", kernel_initializer=BilinearUpsampling()
        ),
        *_resize_conv("bilinear")(channels, filters, seed)[1:],
    ]


DECODERS = {
    decoder.name: decoder
    for decoder in (
        Decoder(
            "nearest+conv",
            "UpSampling2D (nearest) + Conv2D 3x3",
            _resize_conv("nearest"),
            "no weights in the upsampling; the 3x3 kernel runs at the high resolution "
            "(4 times the multiply-adds of a transposed 3x3 kernel)",
        ),
        Decoder(
            "bilinear+conv",
            "UpSampling2D (bilinear) + Conv2D 3x3",
            _resize_conv("bilinear"),
            "as nearest+conv, with bilinear interpolation; identical weights at initialisation",
        ),
        Decoder(
            "transpose-k3s2",
            "Conv2DTranspose 3x3, stride 2",
            _transpose(3),
            "as many weights as the *+conv steps, applied at the low resolution; the kernel "
            "overlaps itself unevenly (2 taps then 1 per axis: overlap imbalance 4 in 2-D)",
        ),
        Decoder(
            "transpose-k4s2",
            "Conv2DTranspose 4x4, stride 2",
            _transpose(4),
            "kernel divisible by the stride (even overlap), so 16/9 of the k3 weights",
        ),
        Decoder(
            "sub-pixel-icnr",
            "SubPixelConv2D 3x3, scale 2, ICNR",
            _sub_pixel,
            "one 3x3 kernel per output phase: 4 times the weights of a 3x3 step; ICNR makes the "
            "four equal at initialisation (nearest upsampling after the convolution)",
        ),
        Decoder(
            "transpose-bilinear-init",
            "Conv2DTranspose 4x4, stride 2, bilinear init + Conv2D 3x3",
            _bilinear_transpose,
            "the bilinear initializer is channel-diagonal (in = out channels), so the channel "
            "change is left to the Conv2D 3x3 of bilinear+conv after it: one more layer, "
            "16 x in x in + in more weights per step, and it starts as bilinear+conv but for "
            "the borders (zeros there instead of repeated edges)",
        ),
    )
}


# The parts of a model, for `layer_seed`.
ENCODER, DECODER, OUTPUT = 0, 1, 2


def layer_seed(seed: int, part: int, index: int = 0) -> int:
    """The initializer seed of a layer, from the model's `seed` and the layer's place only.

    part: `ENCODER`, `DECODER` or `OUTPUT`; index: the layer's (or step's) place in it.
    NumPy's `SeedSequence` hashes the three into a seed for the initializer.
    """
    return int(np.random.SeedSequence([seed, part, index]).generate_state(1)[0] >> 1)


def encoder(seed: int, input_shape: tuple[int, int, int] = INPUT_SHAPE) -> list[Layer]:
    """The shared encoder and bottleneck: ``(28, 28, 1) -> (7, 7, 8)``."""
    relu: dict[str, Any] = {"padding": "same", "activation": "relu"}
    strided = [
        Conv2D(f, KERNEL, strides=2, kernel_initializer=_he(layer_seed(seed, ENCODER, i)), **relu)
        for i, f in enumerate(ENCODER_FILTERS)
    ]
    bottleneck = Conv2D(
        BOTTLENECK_CHANNELS,
        KERNEL,
        kernel_initializer=_he(layer_seed(seed, ENCODER, len(ENCODER_FILTERS))),
        **relu,
    )
    return [Input(input_shape), *strided, bottleneck]  # type: ignore[list-item]


def decoder_steps(name: str, seed: int) -> list[list[Layer]]:
    """The upsampling steps of decoder `name`, one list of layers per step."""
    decoder = _decoder(name)
    widths = (BOTTLENECK_CHANNELS, *STEP_FILTERS)
    return [
        decoder.step(widths[i], widths[i + 1], layer_seed(seed, DECODER, i))
        for i in range(len(STEP_FILTERS))
    ]


def output_layer(seed: int, channels: int = INPUT_SHAPE[-1]) -> Layer:
    """The shared output: a 3x3 convolution with a sigmoid, back to the image's channels."""
    return Conv2D(
        channels,
        KERNEL,
        padding="same",
        activation="sigmoid",
        kernel_initializer=GlorotUniform(seed=layer_seed(seed, OUTPUT)),
    )


def comparison_autoencoder(decoder: str, *, seed: int = 0) -> Sequential:
    """The autoencoder with decoder `decoder` (a name in `DECODERS`), its weights set by `seed`."""
    # Built in the model's order, so that automatic layer names read from input to output.
    shared = encoder(seed)
    steps = [layer for step in decoder_steps(decoder, seed) for layer in step]
    return Sequential([*shared, *steps, output_layer(seed)], name=decoder.replace("+", "_"))


def _decoder(name: str) -> Decoder:
    try:
        return DECODERS[name]
    except KeyError:
        raise ValueError(
            f"Unknown decoder; choose from {', '.join(DECODERS)}. Received: decoder={name!r}"
        ) from None


def upsampling_parameters(model: Model) -> int:
    """The weights of a comparison autoencoder's decoder steps (all but encoder and output)."""
    shared = model.layers[: len(ENCODER_FILTERS) + 1] + model.layers[-1:]
    return model.count_params() - sum(layer.count_params() for layer in shared)
