"""Keras-compatible layers (`upsample.layers.Conv2DTranspose`, ...).

Beyond Keras: `DepthToSpace`/`SpaceToDepth`, `SubPixelConv*D` and `ResizeConv*D`, and
coordinate conventions (``coordinates=``) for `UpSampling*D`, `ResizeConv*D` and `Resizing`.
"""

from upsample.layers.activations import LeakyReLU, ReLU
from upsample.layers.convolutional import (
    Conv1D,
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Conv3DTranspose,
)
from upsample.layers.core import Activation, Dense
from upsample.layers.input_layer import Input, InputLayer
from upsample.layers.keras_tensor import KerasTensor
from upsample.layers.layer import Layer
from upsample.layers.merging import (
    Add,
    Average,
    Concatenate,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    maximum,
    minimum,
    multiply,
    subtract,
)
from upsample.layers.normalization import BatchNormalization
from upsample.layers.padding import (
    Cropping1D,
    Cropping2D,
    Cropping3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)
from upsample.layers.pixel_shuffle import DepthToSpace, SpaceToDepth
from upsample.layers.pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
)
from upsample.layers.regularization import Dropout
from upsample.layers.reshaping import Flatten, Reshape
from upsample.layers.resize_conv import ResizeConv1D, ResizeConv2D, ResizeConv3D
from upsample.layers.resizing import Resizing
from upsample.layers.sub_pixel_conv import SubPixelConv1D, SubPixelConv2D, SubPixelConv3D
from upsample.layers.up_sampling import UpSampling1D, UpSampling2D, UpSampling3D

__all__ = [
    "Activation",
    "Add",
    "Average",
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "BatchNormalization",
    "Concatenate",
    "Conv1D",
    "Conv1DTranspose",
    "Conv2D",
    "Conv2DTranspose",
    "Conv3D",
    "Conv3DTranspose",
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "Dense",
    "DepthToSpace",
    "Dropout",
    "Flatten",
    "Input",
    "InputLayer",
    "KerasTensor",
    "Layer",
    "LeakyReLU",
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "Maximum",
    "Minimum",
    "Multiply",
    "ReLU",
    "Reshape",
    "ResizeConv1D",
    "ResizeConv2D",
    "ResizeConv3D",
    "Resizing",
    "SpaceToDepth",
    "SubPixelConv1D",
    "SubPixelConv2D",
    "SubPixelConv3D",
    "Subtract",
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
    "add",
    "average",
    "concatenate",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
]
