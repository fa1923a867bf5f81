"""The seeds' models by name: ``upsample.zoo.get("ae-transpose").compiled()``.

=========================  ====  ==========  ==================================================
name                       seed  parameters  what
=========================  ====  ==========  ==================================================
ae-upsampling              000        1,393  MNIST autoencoder, UpSampling2D decoder
ae-transpose               004       12,785  MNIST autoencoder, Conv2DTranspose decoder
ae-sub-pixel               000        3,340  seed 000's encoder, SubPixelConv2D (ICNR) decoder
ae-resize-conv             000        1,393  seed 000's encoder, ResizeConv2D (nearest) decoder
generator-upsampling       001      324,353  GAN generator 100 -> 10x10, UpSampling2D
generator-transpose        001      324,353  GAN generator 100 -> 10x10, Conv2DTranspose
generator-upsampling-28    001      782,209  the same at 28x28 (MNIST), UpSampling2D
generator-transpose-28     001      782,209  the same at 28x28 (MNIST), Conv2DTranspose
generator-sub-pixel-28     001      782,212  the same budget, SubPixelConv2D (ICNR)
=========================  ====  ==========  ==================================================

Each generator's entry pairs it with its discriminator (`discriminators`):
``zoo.get("generator-transpose-28").gan()`` is a compiled `upsample.models.GAN`.
"""

from upsample.zoo.autoencoders import ae_resize_conv, ae_sub_pixel, ae_transpose, ae_upsampling
from upsample.zoo.generators import (
    generator_sub_pixel_28,
    generator_transpose,
    generator_transpose_28,
    generator_upsampling,
    generator_upsampling_28,
)
from upsample.zoo.registry import ZooModel, get, names

__all__ = [
    "ZooModel",
    "ae_resize_conv",
    "ae_sub_pixel",
    "ae_transpose",
    "ae_upsampling",
    "generator_sub_pixel_28",
    "generator_transpose",
    "generator_transpose_28",
    "generator_upsampling",
    "generator_upsampling_28",
    "get",
    "names",
]
