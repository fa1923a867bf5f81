"""Keras 3 twins of the layers and initializers upsample adds beyond Keras.

Importing this module imports Keras (``pip install "upsample[keras]"``; the
backend is ``KERAS_BACKEND``, JAX when unset) and registers, under upsample's
registered names (``upsample>DepthToSpace``, …), a Keras class for each of:

- layers: `DepthToSpace`, `SpaceToDepth`, `SubPixelConv1D/2D/3D`, `ResizeConv1D/2D/3D`,
  and `UpSampling1D/2D/3D` and `Resizing` with the arguments Keras's lack;
- initializers: `ICNR`, `BilinearUpsampling`.

Each takes the same arguments, has the same weights and `get_config` as
upsample's class and computes the same numbers (within float32 rounding) with
``keras.ops``, on any backend.  So a ``.keras`` file written by upsample loads
and trains in Keras::

    import keras
    import upsample.interop.keras  # noqa: F401 (registers the classes)

    model = keras.saving.load_model("model.keras")

and a file Keras saves back loads in upsample.  Nothing else in upsample
imports this module.

`ResizeConv*D` twins take ``coordinates=`` (half_pixel, align_corners,
asymmetric) as upsample's do.  `UpSampling*D` and `Resizing` are Keras's own
classes too: upsample writes them as ``keras.layers.*``, which Keras runs
natively, while their arguments are Keras's.  One with a convention Keras lacks
(or a 1-D or 3-D interpolation) is written as ``upsample>UpSampling2D`` (or
``upsample>Resizing``, …), which loads here as the twin below and nowhere
without this module: Keras never computes another convention in its place.
"""

from upsample.interop.keras.initializers import ICNR, BilinearUpsampling
from upsample.interop.keras.pixel_shuffle import DepthToSpace, SpaceToDepth
from upsample.interop.keras.resizing import Resizing
from upsample.interop.keras.up_sampling import UpSampling1D, UpSampling2D, UpSampling3D
from upsample.interop.keras.upsampling_conv import (
    ResizeConv1D,
    ResizeConv2D,
    ResizeConv3D,
    SubPixelConv1D,
    SubPixelConv2D,
    SubPixelConv3D,
)

__all__ = [
    "ICNR",
    "BilinearUpsampling",
    "DepthToSpace",
    "ResizeConv1D",
    "ResizeConv2D",
    "ResizeConv3D",
    "Resizing",
    "SpaceToDepth",
    "SubPixelConv1D",
    "SubPixelConv2D",
    "SubPixelConv3D",
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
]
