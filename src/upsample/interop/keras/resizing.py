"""`Resizing` for Keras 3, in every coordinate convention (the twin of upsample's).

Keras's own ``keras.layers.Resizing`` with one more argument, ``coordinates=``
(half_pixel, Keras's; align_corners; asymmetric), which upsample saves as
``upsample>Resizing`` when it is not Keras's (a layer with Keras's arguments
stays ``keras.layers.Resizing``).  Arguments are checked as upsample's are
(`upsample.layers.resizing.check_arguments`), the config is Keras's plus
``coordinates``, and the images are cropped or padded to the aspect ratio as
Keras does (`upsample.layers.resizing.source_window`), then resampled with the
gather tables of `resampling.resize`.  With ``ops``, so only the backend Keras
runs on: not inside a ``tf.data`` pipeline of another backend.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import upsample.layers as upsample_layers
from upsample.interop.keras import shapes
from upsample.interop.keras.registration import twin_of
from upsample.interop.keras.resampling import known_length, resize
from upsample.interop.keras_import import import_keras
from upsample.layers.resizing import check_arguments, source_window
from upsample.layers.up_sampling import coordinates_config
from upsample.ops import resampling
from upsample.ops.shapes import AspectWindow

keras = import_keras()
ops = keras.ops
KerasResizing: Any = keras.layers.Resizing


def framed(images: Any, window: AspectWindow, first: int, fill_value: float) -> Any:
    """The `window` of a batch of `images` (spatial axes `first`, ``first + 1``).

    A window inside the image is a crop; one that starts before it is the image
    padded with `fill_value`, as much after as before.
    """
    for axis, start, length in (
        (first, window.top, window.height),
        (first + 1, window.left, window.width),
    ):
        size = images.shape[axis]
        if start < 0:
            padding = [(0, 0)] * len(images.shape)
            padding[axis] = (-start, start + length - size)
            images = ops.pad(images, padding, constant_values=fill_value)
        elif (start, length) != (0, size):
            images = ops.take(images, np.arange(start, start + length), axis=axis)
    return images


@twin_of(upsample_layers.Resizing)
class Resizing(KerasResizing):
    """Resize images to ``(height, width)`` with `interpolation` under `coordinates`."""

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
        height, width, interpolation, self.coordinates = check_arguments(
            height,
            width,
            interpolation,
            coordinates,
            crop_to_aspect_ratio=crop_to_aspect_ratio,
            pad_to_aspect_ratio=pad_to_aspect_ratio,
            fill_mode=fill_mode,
            fill_value=fill_value,
        )
        super().__init__(
            height,
            width,
            interpolation=interpolation,
            crop_to_aspect_ratio=bool(crop_to_aspect_ratio),
            pad_to_aspect_ratio=bool(pad_to_aspect_ratio),
            fill_mode=fill_mode,
            fill_value=float(fill_value),
            antialias=antialias,
            data_format=shapes.standardize_data_format(data_format),
            **kwargs,
        )

    def transform_images(
        self, images: Any, transformation: Any = None, training: bool = True
    ) -> Any:
        """``(N, H, W, C)`` (or channels-first) -> ``(N, height, width, C)``."""
        first = shapes.spatial_axes(2, self.data_format)[0]
        rows, columns = (
            known_length(images, axis, self.interpolation) for axis in (first, first + 1)
        )
        window = source_window(self, rows, columns)
        return resize(
            framed(images, window, first, self.fill_value),
            lengths={first: self.height, first + 1: self.width},
            interpolation=self.interpolation,
            coordinates=self.coordinates,
            antialias=self.antialias,
        )

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **coordinates_config(self.coordinates)}
