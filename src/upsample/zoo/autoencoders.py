"""The convolutional autoencoders of the seeds, layer for layer, and two more decoders.

All reconstruct 28x28x1 MNIST digits scaled to [0, 1] and are trained with
Adam on binary crossentropy; they differ in how the decoder upsamples.  The
sub-pixel and resize-convolution autoencoders keep seed 000's encoder, so that
the three compare decoders only.
"""

from __future__ import annotations

from typing import Any

from upsample.initializers import ICNR
from upsample.layers import (
    Conv2D,
    Conv2DTranspose,
    Layer,
    MaxPooling2D,
    ResizeConv2D,
    SubPixelConv2D,
    UpSampling2D,
)
from upsample.models import Sequential

Shape = tuple[int, int, int]


def _seed_000_encoder(
    input_shape: Shape, filters: int, kernel_size: tuple[int, int], kernel_initializer: str
) -> list[Layer]:
    """Conv2D + MaxPooling2D twice, a strided Conv2D and a Conv2D: 28x28x1 -> 4x4x8."""
    relu: dict[str, Any] = {"activation": "relu", "kernel_initializer": kernel_initializer}
    return [
        Conv2D(filters, kernel_size, padding="same", input_shape=input_shape, **relu),
        MaxPooling2D((2, 2), padding="same"),
        Conv2D(filters, kernel_size, padding="same", **relu),
        MaxPooling2D((2, 2), padding="same"),
        Conv2D(filters, kernel_size, strides=(2, 2), padding="same", **relu),
        Conv2D(filters, kernel_size, padding="same", **relu),
    ]


def ae_upsampling(
    *,
    input_shape: Shape = (28, 28, 1),
    filters: int = 8,
    kernel_size: tuple[int, int] = (2, 2),
    interpolation: str = "bilinear",
    kernel_initializer: str = "he_uniform",
) -> Sequential:
    """Seed 000 (MachineCurve, "UpSampling2D: how to use upsampling with Keras?").

    Encoder: Conv2D + MaxPooling2D twice, a strided Conv2D down to 4x4x8.
    Decoder: UpSampling2D (bilinear) + Conv2D three times, 4 -> 8 -> 7 -> 14 -> 28.
    1,393 parameters with the defaults; the seed trains it with batch size 25.

    Two decoder convolutions keep Keras's defaults (glorot_uniform), exactly as
    the seed wrote them: the 'valid' one that turns 8x8 into 7x7, and the output.
    """
    relu: dict[str, Any] = {"activation": "relu", "kernel_initializer": kernel_initializer}
    return Sequential(
        [
            *_seed_000_encoder(input_shape, filters, kernel_size, kernel_initializer),
            UpSampling2D((2, 2), interpolation=interpolation),
            Conv2D(filters, kernel_size, activation="relu"),
            UpSampling2D((2, 2), interpolation=interpolation),
            Conv2D(filters, kernel_size, padding="same", **relu),
            UpSampling2D((2, 2), interpolation=interpolation),
            Conv2D(input_shape[-1], kernel_size, activation="sigmoid", padding="same"),
        ]
    )


def ae_transpose(
    *,
    input_shape: Shape = (28, 28, 1),
    filters: tuple[int, int, int] = (32, 16, 8),
    kernel_size: tuple[int, int] = (3, 3),
    kernel_initializer: str = "he_normal",
) -> Sequential:
    """Seed 004 (MachineCurve, "How to use Conv2DTranspose with Keras?").

    Encoder: three 'valid' 3x3 Conv2D (32, 16, 8 filters), 28 -> 22.
    Decoder: the mirror image in Conv2DTranspose (8, 16, 32 filters), 22 -> 28,
    then a 'same' Conv2D with a sigmoid to one channel.
    12,785 parameters with the defaults; the seed trains it with batch size 1000.
    """
    relu: dict[str, Any] = {"activation": "relu", "kernel_initializer": kernel_initializer}
    first, *rest = filters
    return Sequential(
        [
            Conv2D(first, kernel_size, input_shape=input_shape, **relu),
            *(Conv2D(f, kernel_size, **relu) for f in rest),
            *(Conv2DTranspose(f, kernel_size, **relu) for f in reversed(filters)),
            Conv2D(input_shape[-1], kernel_size, activation="sigmoid", padding="same"),
        ]
    )


def ae_sub_pixel(
    *,
    input_shape: Shape = (28, 28, 1),
    filters: int = 8,
    kernel_size: tuple[int, int] = (2, 2),
    order: str = "DCR",
    kernel_initializer: str = "he_uniform",
) -> Sequential:
    """Seed 000's encoder with a sub-pixel decoder (Shi et al. 2016), initialised with ICNR.

    Decoder: SubPixelConv2D 4 -> 8, the seed's 'valid' Conv2D 8 -> 7, then
    SubPixelConv2D 7 -> 14 and SubPixelConv2D 14 -> 28 with the sigmoid.  Each
    sub-pixel layer convolves at the low resolution into 4 phases and shuffles
    them; ICNR (Aitken et al. 2017) starts every one of them as a convolution
    followed by nearest upsampling.  3,340 parameters with the defaults; seed
    000's settings (batch size 25).
    """
    relu: dict[str, Any] = {
        "activation": "relu",
        "kernel_initializer": ICNR(2, order, kernel_initializer),
    }
    return Sequential(
        [
            *_seed_000_encoder(input_shape, filters, kernel_size, kernel_initializer),
            SubPixelConv2D(filters, kernel_size, scale=2, order=order, **relu),
            Conv2D(filters, kernel_size, activation="relu"),
            SubPixelConv2D(filters, kernel_size, scale=2, order=order, **relu),
            SubPixelConv2D(
                input_shape[-1], kernel_size, scale=2, order=order, activation="sigmoid"
            ),
        ]
    )


def ae_resize_conv(
    *,
    input_shape: Shape = (28, 28, 1),
    filters: int = 8,
    kernel_size: tuple[int, int] = (2, 2),
    interpolation: str = "nearest",
    kernel_initializer: str = "he_uniform",
) -> Sequential:
    """Seed 000's autoencoder with each UpSampling2D + Conv2D pair as one ResizeConv2D.

    Odena et al. 2016's resize-convolution, with nearest-neighbour resizing (their
    recommendation) instead of the seed's bilinear: ``interpolation="bilinear"``
    gives back seed 000's model, layer for layer.  Decoder 4 -> 7 -> 14 -> 28;
    1,393 parameters with the defaults; seed 000's settings (batch size 25).
    """
    resize: dict[str, Any] = {"size": 2, "interpolation": interpolation}
    return Sequential(
        [
            *_seed_000_encoder(input_shape, filters, kernel_size, kernel_initializer),
            ResizeConv2D(filters, kernel_size, padding="valid", activation="relu", **resize),
            ResizeConv2D(
                filters,
                kernel_size,
                activation="relu",
                kernel_initializer=kernel_initializer,
                **resize,
            ),
            ResizeConv2D(input_shape[-1], kernel_size, activation="sigmoid", **resize),
        ]
    )
