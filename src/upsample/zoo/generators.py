"""GAN generators: a latent vector in, an image out, upsampled one way or the other.

The 10x10 pair is seed 001 (Machine Learning Mastery, "How to use the
UpSampling2D and Conv2DTranspose Layers in Keras") exactly: Dense -> Reshape to
5x5x128 -> one x2 upsampling to a 10x10x1 image, no activations, 324,353
parameters each.

The 28x28 pair is built the same way at MNIST's size: Dense -> Reshape to
7x7x128 -> two x2 upsamplings (7 -> 14 -> 28). A generator that is actually
trained needs non-linearities, so these follow DCGAN (Radford et al., 2016):
ReLU after every layer but the last; the last is a sigmoid because the
project's MNIST images are scaled to [0, 1]. 782,209 parameters each.

In both pairs an ``UpSampling2D`` + 3x3 ``Conv2D`` step and a stride-2 3x3
``Conv2DTranspose`` step have the same number of parameters, so the two
generators of a pair differ only in how they upsample.

The third way at 28x28 is sub-pixel convolution (Shi et al., 2016): a 3x3
``SubPixelConv2D`` convolves at the low resolution to ``4 * filters`` channels,
ICNR-initialised (Aitken et al., 2017), and shuffles them into a x2 image.
With ``filters = 32`` its first step has the other two generators' kernel,
3x3x128x128, whose 128 outputs become 4 phases of 32 channels at 14x14 (the
others keep 128 channels there); its last step has 4 biases, one per phase,
where the others have 1.  782,212 parameters: 3 more than the other two.
"""

from __future__ import annotations

from collections.abc import Callable

from upsample.layers import (
    Conv2D,
    Conv2DTranspose,
    Dense,
    Layer,
    Reshape,
    SubPixelConv2D,
    UpSampling2D,
)
from upsample.models import Sequential

Shape = tuple[int, int, int]
# One x2 upsampling step: (filters, kernel_size, activation, interpolation) -> layers.
Step = Callable[[int, tuple[int, int], str | None, str], list[Layer]]


def _upsampling_step(
    filters: int, kernel_size: tuple[int, int], activation: str | None, interpolation: str
) -> list[Layer]:
    return [
        UpSampling2D(interpolation=interpolation),
        Conv2D(filters, kernel_size, padding="same", activation=activation),
    ]


def _transpose_step(
    filters: int, kernel_size: tuple[int, int], activation: str | None, interpolation: str
) -> list[Layer]:
    # `interpolation` is unused: a transposed convolution learns its own.
    return [
        Conv2DTranspose(filters, kernel_size, strides=(2, 2), padding="same", activation=activation)
    ]


def _sub_pixel_step(
    filters: int, kernel_size: tuple[int, int], activation: str | None, interpolation: str
) -> list[Layer]:
    # `interpolation` is unused: ICNR starts the layer as nearest upsampling, then it learns.
    return [SubPixelConv2D(filters, kernel_size, scale=2, activation=activation)]


def _generator(
    step: Step,
    *,
    latent_dim: int,
    base_shape: Shape,
    filters: tuple[int, ...],
    kernel_size: tuple[int, int],
    activation: str | None,
    output_activation: str | None,
    interpolation: str,
) -> Sequential:
    """Dense -> Reshape(base_shape) -> one x2 step per entry of `filters`."""
    height, width, channels = base_shape
    layers: list[Layer] = [
        Dense(height * width * channels, input_dim=latent_dim, activation=activation),
        Reshape(base_shape),
    ]
    for i, count in enumerate(filters):
        last = i == len(filters) - 1
        layers += step(count, kernel_size, output_activation if last else activation, interpolation)
    return Sequential(layers)


def generator_upsampling(
    *,
    latent_dim: int = 100,
    base_shape: Shape = (5, 5, 128),
    channels: int = 1,
    kernel_size: tuple[int, int] = (3, 3),
    interpolation: str = "nearest",
) -> Sequential:
    """Seed 001's UpSampling2D generator: 100 -> 5x5x128 -> UpSampling2D -> Conv2D -> 10x10x1."""
    return _generator(
        _upsampling_step,
        latent_dim=latent_dim,
        base_shape=base_shape,
        filters=(channels,),
        kernel_size=kernel_size,
        activation=None,
        output_activation=None,
        interpolation=interpolation,
    )


def generator_transpose(
    *,
    latent_dim: int = 100,
    base_shape: Shape = (5, 5, 128),
    channels: int = 1,
    kernel_size: tuple[int, int] = (3, 3),
) -> Sequential:
    """Seed 001's Conv2DTranspose generator: 100 -> 5x5x128 -> Conv2DTranspose -> 10x10x1."""
    return _generator(
        _transpose_step,
        latent_dim=latent_dim,
        base_shape=base_shape,
        filters=(channels,),
        kernel_size=kernel_size,
        activation=None,
        output_activation=None,
        interpolation="nearest",
    )


def generator_upsampling_28(
    *,
    latent_dim: int = 100,
    base_shape: Shape = (7, 7, 128),
    filters: int = 128,
    channels: int = 1,
    kernel_size: tuple[int, int] = (3, 3),
    interpolation: str = "nearest",
    activation: str = "relu",
    output_activation: str = "sigmoid",
) -> Sequential:
    """Seed 001's UpSampling2D generator at MNIST's size: 7x7x128 -> 14x14 -> 28x28x1."""
    return _generator(
        _upsampling_step,
        latent_dim=latent_dim,
        base_shape=base_shape,
        filters=(filters, channels),
        kernel_size=kernel_size,
        activation=activation,
        output_activation=output_activation,
        interpolation=interpolation,
    )


def generator_transpose_28(
    *,
    latent_dim: int = 100,
    base_shape: Shape = (7, 7, 128),
    filters: int = 128,
    channels: int = 1,
    kernel_size: tuple[int, int] = (3, 3),
    activation: str = "relu",
    output_activation: str = "sigmoid",
) -> Sequential:
    """Seed 001's Conv2DTranspose generator at MNIST's size: 7x7x128 -> 14x14 -> 28x28x1."""
    return _generator(
        _transpose_step,
        latent_dim=latent_dim,
        base_shape=base_shape,
        filters=(filters, channels),
        kernel_size=kernel_size,
        activation=activation,
        output_activation=output_activation,
        interpolation="nearest",
    )


def generator_sub_pixel_28(
    *,
    latent_dim: int = 100,
    base_shape: Shape = (7, 7, 128),
    filters: int = 32,
    channels: int = 1,
    kernel_size: tuple[int, int] = (3, 3),
    activation: str = "relu",
    output_activation: str = "sigmoid",
) -> Sequential:
    """Seed 001's generator at MNIST's size in sub-pixel steps: 7x7x128 -> 14x14x32 -> 28x28x1.

    The 28x28 pair's parameter budget, give or take 3 (see the module docstring).
    """
    return _generator(
        _sub_pixel_step,
        latent_dim=latent_dim,
        base_shape=base_shape,
        filters=(filters, channels),
        kernel_size=kernel_size,
        activation=activation,
        output_activation=output_activation,
        interpolation="nearest",
    )
