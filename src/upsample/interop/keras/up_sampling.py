"""`UpSampling1D/2D/3D` for Keras 3, in every coordinate convention and interpolation.

Twins of upsample's layers that take arguments Keras's own ``keras.layers.UpSampling*D``
lacks: ``coordinates=`` (align_corners, asymmetric) and, in 1-D and 3-D, an
interpolation.  upsample saves such a layer as ``upsample>UpSampling2D`` (a layer
with Keras's arguments stays ``keras.layers.UpSampling2D``), and these classes
load it.  The computation is `resampling.upsample`'s gather tables; the config
is upsample's (`upsample.layers.up_sampling.upsampling_config`).
"""

from __future__ import annotations

from typing import Any

import upsample.layers as upsample_layers
from upsample.interop.keras import shapes
from upsample.interop.keras.registration import twin_of
from upsample.interop.keras.resampling import upsample
from upsample.interop.keras_import import import_keras
from upsample.layers.up_sampling import upsampling_config
from upsample.ops import resampling
from upsample.ops.shapes import normalize_tuple, scaled_shape

keras = import_keras()
Layer: Any = keras.layers.Layer


class UpSampling(Layer):
    """Upsampling by integer `size` factors along every spatial axis (rank 1, 2 or 3)."""

    rank: int

    def __init__(
        self,
        size: Any = 2,
        data_format: str | None = None,
        interpolation: str = "nearest",
        coordinates: str = resampling.HALF_PIXEL,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.size = normalize_tuple(size, self.rank, "size")
        # Keras's UpSampling1D has no data format: its steps are axis 1.
        self.data_format = (
            "channels_last" if self.rank == 1 else shapes.standardize_data_format(data_format)
        )
        self.interpolation = resampling.check_interpolation(interpolation)
        self.coordinates = resampling.check_coordinates(coordinates, self.interpolation)
        self.input_spec = keras.layers.InputSpec(ndim=self.rank + 2)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return scaled_shape(tuple(input_shape), self.size, self.data_format)

    def call(self, inputs: Any) -> Any:
        return upsample(
            inputs,
            size=self.size,
            interpolation=self.interpolation,
            coordinates=self.coordinates,
            data_format=self.data_format,
        )

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **upsampling_config(self)}


@twin_of(upsample_layers.UpSampling1D)
class UpSampling1D(UpSampling):
    """Upsamples the steps of ``(batch, steps, features)``, as upsample's (no data format)."""

    rank = 1

    def __init__(
        self,
        size: int = 2,
        interpolation: str = "nearest",
        coordinates: str = resampling.HALF_PIXEL,
        **kwargs: Any,
    ) -> None:
        super().__init__(size, interpolation=interpolation, coordinates=coordinates, **kwargs)


@twin_of(upsample_layers.UpSampling2D)
class UpSampling2D(UpSampling):
    """Upsamples rows and columns, in any convention."""

    rank = 2


@twin_of(upsample_layers.UpSampling3D)
class UpSampling3D(UpSampling):
    """Upsamples depth, rows and columns, repeating or interpolating, in any convention."""

    rank = 3
