"""UpSampling2D and Conv2DTranspose from first principles on NumPy.

`upsample` computes the upsampling layers of convolutional networks exactly as
Keras 3 does, with the gradients written out beside each forward pass.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
