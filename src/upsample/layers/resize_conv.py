"""`ResizeConv1D/2D/3D`: upsampling by integer factors, then a stride-1 convolution.

Odena, Dumoulin & Olah 2016 ("Deconvolution and checkerboard artifacts",
Distill): resizing first and convolving after ties the weights of every output
phase together, which discourages the checkerboard a transposed convolution
makes.  They had their best results with nearest-neighbour resizing, the
default here; every interpolation of `UpSampling2D` is accepted, and every
coordinate convention (``coordinates=``, as `UpSampling*D`).  The layer is
`UpSampling*D(size, interpolation, coordinates)` followed by
`Conv*D(..., padding="same")`, in one.
"""

from __future__ import annotations

from typing import Any

from upsample.layers.layer import Array, Gradients
from upsample.layers.up_sampling import coordinates_config
from upsample.layers.upsampling_conv import UpsamplingConv
from upsample.ops import resampling
from upsample.ops.shapes import normalize_tuple


class ResizeConv(UpsamplingConv):
    """Resize by `size` with `interpolation`, then convolve (kernel ``(*k, in, filters)``)."""

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        size: Any = 2,
        interpolation: str = "nearest",
        coordinates: str = resampling.HALF_PIXEL,
        padding: str = "same",
        data_format: str | None = None,
        dilation_rate: Any = 1,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        self.size = normalize_tuple(size, self.rank, "size")
        self.interpolation = resampling.check_interpolation(interpolation)
        self.coordinates = resampling.check_coordinates(coordinates, self.interpolation)
        super().__init__(
            filters,
            kernel_size,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )

    def _resize_arguments(self) -> dict[str, Any]:
        """Everything the resize takes."""
        return {
            "size": self.size,
            "interpolation": self.interpolation,
            "data_format": self.data_format,
            "coordinates": self.coordinates,
        }

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return super().compute_output_shape(self._scaled(input_shape, self.size))

    def forward(self, inputs: Array, training: bool = False) -> tuple[Array, Any]:
        resized = resampling.upsample(inputs, **self._resize_arguments())
        # The convolution, bias and activation keep the resized input for the kernel gradient.
        return super().forward(resized, training=training)

    def backward(
        self, cache: Any, grad: Array, *, weights: bool = True, inputs: bool = True
    ) -> Gradients:
        result = super().backward(cache, grad, weights=weights, inputs=inputs)
        dx = resampling.upsample_vjp(result.inputs, **self._resize_arguments()) if inputs else None
        return Gradients(dx, result.weights)

    def _upsampling_config(self) -> dict[str, Any]:
        return {
            "size": tuple(self.size),
            "interpolation": self.interpolation,
            **coordinates_config(self.coordinates),
        }


class ResizeConv1D(ResizeConv):
    """Resize then convolve, ``(batch, steps, channels)`` -> ``(batch, steps * size, filters)``."""

    rank = 1


class ResizeConv2D(ResizeConv):
    """Resize (nearest, bilinear, bicubic, lanczos3, lanczos5) then convolve: Odena's fix."""

    rank = 2


class ResizeConv3D(ResizeConv):
    """Resize (nearest, or trilinear, tricubic, lanczos) then convolve, in 3-D."""

    rank = 3
