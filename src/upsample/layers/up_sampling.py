"""`UpSampling1D/2D/3D`: repeat (or interpolate) by integer factors; no weights.

Keras's UpSampling1D and UpSampling3D only repeat; here they also accept an
`interpolation` (e.g. trilinear UpSampling3D), and all three a coordinate
convention, ``coordinates="half_pixel"`` (Keras's), ``"align_corners"`` or
``"asymmetric"`` (`upsample.ops.resampling.coordinates`).  Keras-valid code never
sets either, and `get_config` lists them only when they differ from Keras's
behaviour, so that the files of Keras-valid layers stay loadable by Keras.
"""

from __future__ import annotations

from typing import Any

from upsample import config as upsample_config
from upsample.layers.layer import Array, Gradients, Layer
from upsample.ops import resampling as resample
from upsample.ops.shapes import normalize_tuple


class UpSampling(Layer):
    """Upsampling by integer `size` factors along every spatial axis (rank 1, 2 or 3)."""

    samples_independent = True

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

    def check_input_shape(self, input_shape: Any) -> None:
        if isinstance(input_shape, list) or len(input_shape) != self.rank + 2:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                f"ndim={self.rank + 2}, found shape {input_shape}"
            )

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        shape = list(input_shape)
        first = 1 if self.data_format == "channels_last" else 2
        for axis, factor in enumerate(self.size):
            if shape[first + axis] is not None:
                shape[first + axis] *= factor
        return tuple(shape)

    def _arguments(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "interpolation": self.interpolation,
            "data_format": self.data_format,
            "coordinates": self.coordinates,
        }

    def _beyond_keras_config(self) -> dict[str, Any]:
        """The arguments Keras lacks, when they differ from its behaviour."""
        if self.coordinates == resample.HALF_PIXEL:
            return {}
        return {"coordinates": self.coordinates}

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

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "size": self.size[0]}
        if self.interpolation != "nearest":
            config["interpolation"] = self.interpolation
        return {**config, **self._beyond_keras_config()}


class UpSampling2D(UpSampling):
    """Upsamples rows and columns; "nearest" repeats, the others interpolate (half-pixel)."""

    rank = 2
    default_size = (2, 2)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "size": tuple(self.size),
            "data_format": self.data_format,
            "interpolation": self.interpolation,
            **self._beyond_keras_config(),
        }


class UpSampling3D(UpSampling):
    """Upsamples depth, rows and columns (nearest in Keras; also "trilinear" here)."""

    rank = 3
    default_size = (2, 2, 2)

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "size": tuple(self.size), "data_format": self.data_format}
        if self.interpolation != "nearest":
            config["interpolation"] = self.interpolation
        return {**config, **self._beyond_keras_config()}
