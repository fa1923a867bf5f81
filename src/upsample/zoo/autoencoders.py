"""The convolutional autoencoders of the seeds, layer for layer.

Both reconstruct 28x28x1 MNIST digits scaled to [0, 1] and are trained with
Adam on binary crossentropy; they differ only in how the decoder upsamples.
"""

from __future__ import annotations

from typing import Any

from upsample.layers import Conv2D, Conv2DTranspose, MaxPooling2D, UpSampling2D
from upsample.models import Sequential

Shape = tuple[int, int, int]


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
            Conv2D(filters, kernel_size, padding="same", input_shape=input_shape, **relu),
            MaxPooling2D((2, 2), padding="same"),
            Conv2D(filters, kernel_size, padding="same", **relu),
            MaxPooling2D((2, 2), padding="same"),
            Conv2D(filters, kernel_size, strides=(2, 2), padding="same", **relu),
            Conv2D(filters, kernel_size, padding="same", **relu),
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
