"""`UpSampling1D/2D/3D`: repeat (or interpolate) by integer factors; no weights.

Keras's UpSampling1D and UpSampling3D only repeat; here they also accept an
`interpolation` (e.g. trilinear UpSampling3D), and all three a coordinate
convention, ``coordinates="half_pixel"`` (Keras's), ``"align_corners"`` or
``"asymmetric"`` (`upsample.ops.resampling.coordinates`).  Keras-valid code never
sets either, and `get_config` lists them only when they differ from Keras's
behaviour, so that the files of Keras-valid layers stay Keras's.  A layer that
uses one is saved as upsample's own class (``upsample>UpSampling2D``), which
Keras loads, as its twin in `upsample.interop.keras`, only with that module
imported; the functions below are what the twin shares with these layers.
"""

from __future__ import annotations

from typing import Any

from upsample import config as upsample_config
from upsample.layers.layer import Array, Gradients, Layer
from upsample.ops import resampling as resample
from upsample.ops.shapes import normalize_tuple, scaled_shape


def coordinates_config(coordinates: str) -> dict[str, str]:
    """The ``coordinates`` entry of a config: none for Keras's half-pixel convention."""
    return {} if coordinates == resample.HALF_PIXEL else {"coordinates": coordinates}


def beyond_keras(layer: Any) -> bool:
    """Whether Keras's ``UpSampling{rank}D`` lacks an argument of `layer`.

    That is a coordinate convention other than half-pixel, or an interpolation in
    1-D or 3-D (Keras's only repeat).
    """
    return layer.coordinates != resample.HALF_PIXEL or (
        layer.rank != 2 and layer.interpolation != "nearest"
    )


def upsampling_config(layer: Any) -> dict[str, Any]:
    """`layer`'s arguments in its config, after the base ones: Keras's, then those it lacks.

    Keras's ``UpSampling1D`` writes ``size`` as one integer and has no data format;
    ``UpSampling1D``/``3D`` have no interpolation, listed here only when not "nearest".
    """
    config: dict[str, Any] = {"size": layer.size[0] if layer.rank == 1 else tuple(layer.size)}
    if layer.rank != 1:
        config["data_format"] = layer.data_format
    if layer.rank == 2 or layer.interpolation != "nearest":
        config["interpolation"] = layer.interpolation
    return {**config, **coordinates_config(layer.coordinates)}


class UpSampling(Layer):
    """Upsampling by integer `size` factors along every spatial axis (rank 1, 2 or 3)."""

    samples_independent = True
    beyond_keras_module: str = "upsample.layers"

    rank: int
    default_size: Any

    def __init__(
        self,
        size: Any = None,
        data_format: str | None = None,
        interpolation: str = "nearest",
        coordinates: str = resample.HALF_PIXEL,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.size = normalize_tuple(self.default_size if size is None else size, self.rank, "size")
        self.data_format = (
            "channels_last"
            if self.rank == 1
            else upsample_config.standardize_data_format(data_format)
        )
        self.interpolation = resample.check_interpolation(interpolation)
        self.coordinates = resample.check_coordinates(coordinates, self.interpolation)
        if beyond_keras(self):
            self.keras_module = self.beyond_keras_module

    def check_input_shape(self, input_shape: Any) -> None:
        if isinstance(input_shape, list) or len(input_shape) != self.rank + 2:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                f"ndim={self.rank + 2}, found shape {input_shape}"
            )

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return scaled_shape(input_shape, self.size, self.data_format)

    def _arguments(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "interpolation": self.interpolation,
            "data_format": self.data_format,
            "coordinates": self.coordinates,
        }

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **upsampling_config(self)}

    def forward(self, inputs: Array, training: bool = False) -> tuple[Array, Any]:
        return resample.upsample(inputs, **self._arguments()), None

    def backward(
        self, cache: Any, grad: Array, *, weights: bool = True, inputs: bool = True
    ) -> Gradients:
        dx = resample.upsample_vjp(grad, **self._arguments()) if inputs else None
        return Gradients(dx, [] if weights else None)


class UpSampling1D(UpSampling):
    """Repeats each step `size` times: ``(batch, steps, features)``."""

    rank = 1
    default_size = 2

    def __init__(
        self,
        size: int = 2,
        interpolation: str = "nearest",
        coordinates: str = resample.HALF_PIXEL,
        **kwargs: Any,
    ) -> None:
        super().__init__(size, interpolation=interpolation, coordinates=coordinates, **kwargs)


class UpSampling2D(UpSampling):
    """Upsamples rows and columns; "nearest" repeats, the others interpolate (half-pixel)."""

    rank = 2
    default_size = (2, 2)


class UpSampling3D(UpSampling):
    """Upsamples depth, rows and columns (nearest in Keras; also "trilinear" here)."""

    rank = 3
    default_size = (2, 2, 2)
