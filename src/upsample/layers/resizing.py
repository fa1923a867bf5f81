"""`Resizing`: Keras 3's image-resizing layer, to any height and width, up or down.

``keras.layers.Resizing`` calls ``keras.ops.image.resize``; on the JAX backend that
crops or pads the image to the target's aspect ratio when asked
(`shapes.aspect_ratio_window`), then calls ``jax.image.resize``, whose operator
`upsample.ops.resampling.resize` computes (half-pixel centres, antialiasing by a
kernel widened by the scale along axes that shrink).  Its gradient is the
transposed operator, then the crop's or pad's adjoint.

Inputs are a batch ``(N, H, W, C)`` or one image ``(H, W, C)`` (channels-first:
``(N, C, H, W)`` or ``(C, H, W)``), as in Keras.  Beyond Keras, ``coordinates=``
picks the convention that places the samples, as `UpSampling2D`'s; the config
lists it only when it is not Keras's half-pixel one, and such a layer is saved as
upsample's own class (``upsample>Resizing``), which Keras loads, as its twin in
`upsample.interop.keras`, only with that module imported.  `check_arguments` and
`source_window` are what the twin shares with this layer.
"""

from __future__ import annotations

import numbers
from typing import Any, Literal

import numpy as np

from upsample import config as upsample_config
from upsample.layers.affine import check_positive_int
from upsample.layers.layer import Array, Gradients, Layer
from upsample.layers.up_sampling import coordinates_config
from upsample.ops import resampling
from upsample.ops.shapes import AspectWindow, aspect_ratio_window

Index = tuple[slice, ...]


def check_arguments(
    height: Any,
    width: Any,
    interpolation: str,
    coordinates: str,
    *,
    crop_to_aspect_ratio: Any,
    pad_to_aspect_ratio: Any,
    fill_mode: Any,
    fill_value: Any,
) -> tuple[int, int, str, str]:
    """``(height, width, interpolation, coordinates)``, checked and canonical, or a ValueError.

    The other arguments are only checked (as Keras's ``ops.image.resize`` does,
    but at construction).
    """
    checked = (
        check_positive_int(height, "height"),
        check_positive_int(width, "width"),
        resampling.check_interpolation(interpolation),
    )
    checked_coordinates = resampling.check_coordinates(coordinates, checked[2])
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(
            "Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`. "
            f"Received: crop_to_aspect_ratio={crop_to_aspect_ratio!r}, "
            f"pad_to_aspect_ratio={pad_to_aspect_ratio!r}"
        )
    if fill_mode != "constant":
        raise ValueError(
            "Invalid value for argument `fill_mode`. Only `'constant'` is supported. "
            f"Received: fill_mode={fill_mode!r}"
        )
    if isinstance(fill_value, bool) or not isinstance(fill_value, numbers.Real):
        raise ValueError(
            f"The `fill_value` argument must be a number. Received: fill_value={fill_value!r}"
        )
    return (*checked, checked_coordinates)


def source_window(layer: Any, height: int, width: int) -> AspectWindow:
    """The window of a ``(height, width)`` image that `layer` resamples (crop, pad or all)."""
    mode: Literal["crop", "pad", None] = None
    if layer.crop_to_aspect_ratio or layer.pad_to_aspect_ratio:
        mode = "crop" if layer.crop_to_aspect_ratio else "pad"
    return aspect_ratio_window(height, width, (layer.height, layer.width), mode)


class Resizing(Layer):
    """Resize images to ``(height, width)`` with `interpolation`, as ``keras.layers.Resizing``."""

    samples_independent = True
    beyond_keras_module: str = "upsample.layers"

    def __init__(
        self,
        height: int,
        width: int,
        interpolation: str = "bilinear",
        crop_to_aspect_ratio: bool = False,
        pad_to_aspect_ratio: bool = False,
        fill_mode: str = "constant",
        fill_value: Any = 0.0,
        antialias: bool = False,
        data_format: str | None = None,
        coordinates: str = resampling.HALF_PIXEL,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.height, self.width, self.interpolation, self.coordinates = check_arguments(
            height,
            width,
            interpolation,
            coordinates,
            crop_to_aspect_ratio=crop_to_aspect_ratio,
            pad_to_aspect_ratio=pad_to_aspect_ratio,
            fill_mode=fill_mode,
            fill_value=fill_value,
        )
        if self.coordinates != resampling.HALF_PIXEL:
            self.keras_module = self.beyond_keras_module
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = fill_mode
        self.fill_value = float(fill_value)
        self.antialias = bool(antialias)
        self.data_format = upsample_config.standardize_data_format(data_format)

    # ----------------------------------------------------------------------- shapes

    def check_input_shape(self, input_shape: Any) -> None:
        if isinstance(input_shape, list) or len(input_shape) not in (3, 4):
            raise ValueError(
                "Invalid images rank: expected rank 3 (single image) or rank 4 (batch of "
                f"images). Received input with shape: images.shape={input_shape}"
            )

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        shape = list(input_shape)
        first = self._first_spatial_axis(len(shape))
        shape[first : first + 2] = [self.height, self.width]
        return tuple(shape)

    def _first_spatial_axis(self, ndim: int) -> int:
        return ndim - 3 if self.data_format == "channels_last" else ndim - 2

    # ----------------------------------------------------------------------- computing

    def _resize_arguments(self) -> dict[str, Any]:
        return {
            "interpolation": self.interpolation,
            "antialias": self.antialias,
            "data_format": self.data_format,
            "coordinates": self.coordinates,
        }

    def forward(self, inputs: Array, training: bool = False) -> tuple[Array, Any]:
        images = inputs if inputs.ndim == 4 else inputs[None]
        first = self._first_spatial_axis(4)
        window = source_window(self, *images.shape[first : first + 2])
        framed = _framed(images, window, first, self.fill_value)
        resized = resampling.resize(
            framed, size=(self.height, self.width), **self._resize_arguments()
        )
        cache = (inputs.shape, window)
        return (resized if inputs.ndim == 4 else resized[0]), cache

    def backward(
        self, cache: Any, grad: Array, *, weights: bool = True, inputs: bool = True
    ) -> Gradients:
        if not inputs:
            return Gradients(None, [] if weights else None)
        input_shape, window = cache
        grads = grad if grad.ndim == 4 else grad[None]
        first = self._first_spatial_axis(4)
        framed = resampling.resize_vjp(
            grads, input_size=(window.height, window.width), **self._resize_arguments()
        )
        images_shape = input_shape if len(input_shape) == 4 else (1, *input_shape)
        dx = np.zeros(images_shape, framed.dtype)
        inside, within = _overlap(images_shape, window, first)
        dx[inside] = framed[within]
        return Gradients(dx.reshape(input_shape), [] if weights else None)

    # ----------------------------------------------------------------------- config

    def get_config(self) -> dict[str, Any]:
        config = {
            **super().get_config(),
            "data_format": self.data_format,
            "height": self.height,
            "width": self.width,
            "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "antialias": self.antialias,
        }
        return {**config, **coordinates_config(self.coordinates)}


def _overlap(shape: tuple[int, ...], window: AspectWindow, first: int) -> tuple[Index, Index]:
    """Where the window and the image overlap: the index into the image, and into the window."""
    inside: list[slice] = [slice(None)] * len(shape)
    within: list[slice] = [slice(None)] * len(shape)
    for axis, start, length in (
        (first, window.top, window.height),
        (first + 1, window.left, window.width),
    ):
        lo, hi = max(start, 0), min(start + length, shape[axis])
        inside[axis], within[axis] = slice(lo, hi), slice(lo - start, hi - start)
    return tuple(inside), tuple(within)


def _framed(images: Array, window: AspectWindow, first: int, fill_value: float) -> Array:
    """The window of `images` that Keras resamples: a crop (a view), or the image padded."""
    if window == AspectWindow(0, 0, *images.shape[first : first + 2]):
        return images
    shape = list(images.shape)
    shape[first : first + 2] = [window.height, window.width]
    inside, within = _overlap(images.shape, window, first)
    if window.top >= 0 and window.left >= 0:
        return images[inside]
    framed = np.full(shape, fill_value, images.dtype)
    framed[within] = images[inside]
    return framed
