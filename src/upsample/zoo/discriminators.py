"""GAN discriminators: an image in, the probability that it is *generated* out.

They follow Keras's DCGAN example ("GAN overriding `Model.train_step`",
keras.io/examples/generative/dcgan_overriding_train_step, Keras 3 version):
strided ``Conv2D`` + ``LeakyReLU(0.2)`` steps halve the image, then
``Flatten`` -> ``Dropout(0.2)`` -> ``Dense(1, sigmoid)``, trained with a plain
``BinaryCrossentropy()`` on probabilities (the seeds' style: sigmoid outputs,
no logits). The convolutions are 3x3 with 64 then 128 filters, as in the
MNIST version of that example and as seed 001's generators use 3x3 kernels.

Which way the labels go is `upsample.models.GAN`'s business (the example's:
generated = 1, real = 0); the networks here only output one probability.
"""

from __future__ import annotations

from upsample.layers import Conv2D, Dense, Dropout, Flatten, Layer, LeakyReLU
from upsample.models import Sequential

Shape = tuple[int, int, int]


def dcgan_discriminator(
    *,
    input_shape: Shape,
    filters: tuple[int, ...] = (64, 128),
    kernel_size: tuple[int, int] = (3, 3),
    negative_slope: float = 0.2,
    dropout: float = 0.2,
) -> Sequential:
    """One stride-2 'same' Conv2D + LeakyReLU per entry of `filters`, then Dropout and Dense(1)."""
    layers: list[Layer] = []
    for i, count in enumerate(filters):
        conv = Conv2D(count, kernel_size, strides=(2, 2), padding="same")
        if i == 0:
            conv = Conv2D(
                count, kernel_size, strides=(2, 2), padding="same", input_shape=input_shape
            )
        layers += [conv, LeakyReLU(negative_slope=negative_slope)]
    layers += [Flatten(), Dropout(dropout), Dense(1, activation="sigmoid")]
    return Sequential(layers)


def discriminator_28(
    *,
    input_shape: Shape = (28, 28, 1),
    filters: tuple[int, ...] = (64, 128),
    kernel_size: tuple[int, int] = (3, 3),
    dropout: float = 0.2,
) -> Sequential:
    """The 28x28 generators' discriminator: 28 -> 14x14x64 -> 7x7x128 -> 1. 80,769 parameters."""
    return dcgan_discriminator(
        input_shape=input_shape, filters=filters, kernel_size=kernel_size, dropout=dropout
    )


def discriminator_10(
    *,
    input_shape: Shape = (10, 10, 1),
    filters: tuple[int, ...] = (64,),
    kernel_size: tuple[int, int] = (3, 3),
    dropout: float = 0.2,
) -> Sequential:
    """The 10x10 generators' discriminator: one step, 10 -> 5x5x64 -> 1. 2,241 parameters."""
    return dcgan_discriminator(
        input_shape=input_shape, filters=filters, kernel_size=kernel_size, dropout=dropout
    )
