"""`SubPixelConv1D/2D/3D` and `ResizeConv1D/2D/3D` for Keras 3 (twins of upsample's layers).

Both are a stride-1 convolution (``keras.ops.conv``, Keras's own `Conv*D`
computation) with a kernel, an optional bias and an activation, and an integer
enlargement of the spatial axes: `depth_to_space` after the convolution
(sub-pixel, Shi et al. 2016) or a resize before it (Odena et al. 2016).
Arguments, defaults, weights (``kernel`` then ``bias``, same shapes) and
`get_config` are upsample's, so a ``.keras`` file moves between the libraries.
"""

from __future__ import annotations

import math
from typing import Any

import upsample.layers as upsample_layers
from upsample.interop.keras import shapes
from upsample.interop.keras.initializers import ICNR
from upsample.interop.keras.pixel_shuffle import depth_to_space
from upsample.interop.keras.registration import twin_of
from upsample.interop.keras.resampling import upsample
from upsample.interop.keras_import import import_keras
from upsample.layers.affine import check_positive_int
from upsample.layers.sub_pixel_conv import check_icnr_fits
from upsample.layers.up_sampling import coordinates_config
from upsample.layers.upsampling_conv import refuse_fixed_arguments
from upsample.ops import resampling
from upsample.ops.pixel_shuffle import check_order
from upsample.ops.shapes import conv_output_length, normalize_padding, normalize_tuple, scaled_shape

keras = import_keras()
ops = keras.ops
Layer: Any = keras.layers.Layer


class UpsamplingConv(Layer):
    """A stride-1 convolution inside an upsampler: arguments, weights, convolution, config."""

    rank: int

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
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
        refuse_fixed_arguments(type(self).__name__, kwargs)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = check_positive_int(filters, "filters")
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size")
        self.padding = normalize_padding(padding)
        self.data_format = shapes.standardize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate")
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.kernel_constraint = keras.constraints.get(kernel_constraint)
        self.bias_constraint = keras.constraints.get(bias_constraint)

    @property
    def conv_filters(self) -> int:
        """Output channels of the convolution."""
        return self.filters

    def build(self, input_shape: Any) -> None:
        shapes_ok = len(input_shape) == self.rank + 2
        channels = input_shape[shapes.channel_axis(self.data_format)] if shapes_ok else None
        if channels is None:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                f"ndim={self.rank + 2} with a known channel dimension. Full shape received: "
                f"{tuple(input_shape)}"
            )
        self.kernel = self.add_weight(
            name="kernel",
            shape=(*self.kernel_size, int(channels), self.conv_filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = (
            self.add_weight(
                name="bias",
                shape=(self.conv_filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
            if self.use_bias
            else None
        )

    def _convolve(self, x: Any) -> Any:
        """The convolution and its bias (no activation)."""
        y = ops.conv(
            x,
            self.kernel,
            strides=1,
            padding=self.padding,
            data_format=self.data_format,
            dilation_rate=self.dilation_rate,
        )
        if self.bias is None:
            return y
        shape = [1] * (self.rank + 2)
        shape[shapes.channel_axis(self.data_format)] = self.conv_filters
        return y + ops.reshape(self.bias, shape)

    def _conv_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        shape = list(input_shape)
        for axis, k, d in zip(
            shapes.spatial_axes(self.rank, self.data_format), self.kernel_size, self.dilation_rate
        ):
            if shape[axis] is not None:
                shape[axis] = conv_output_length(
                    shape[axis], kernel_size=k, stride=1, padding=self.padding, dilation=d
                )
        shape[shapes.channel_axis(self.data_format)] = self.filters
        return tuple(shape)

    def _upsampling_config(self) -> dict[str, Any]:
        """The subclass's own arguments, listed after `kernel_size` in its config."""
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            **self._upsampling_config(),
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": keras.regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": keras.regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": keras.constraints.serialize(self.kernel_constraint),
            "bias_constraint": keras.constraints.serialize(self.bias_constraint),
        }


class SubPixelConv(UpsamplingConv):
    """A convolution to ``filters * prod(scale)`` channels, then `depth_to_space`."""

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        scale: Any = 2,
        order: str = "DCR",
        padding: str = "same",
        kernel_initializer: Any = None,
        **kwargs: Any,
    ) -> None:
        self.scale = normalize_tuple(scale, self.rank, "scale")
        self.order = check_order(order)
        super().__init__(
            filters,
            kernel_size,
            padding=padding,
            kernel_initializer=(
                ICNR(self.scale, self.order) if kernel_initializer is None else kernel_initializer
            ),
            **kwargs,
        )
        check_icnr_fits(self, ICNR)

    @property
    def conv_filters(self) -> int:
        return self.filters * math.prod(self.scale)

    def call(self, inputs: Any) -> Any:
        shuffled = depth_to_space(
            self._convolve(inputs),
            block_size=self.scale,
            order=self.order,
            data_format=self.data_format,
        )
        return self.activation(shuffled)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return scaled_shape(self._conv_output_shape(input_shape), self.scale, self.data_format)

    def _upsampling_config(self) -> dict[str, Any]:
        return {"scale": self.scale, "order": self.order}


class ResizeConv(UpsamplingConv):
    """Resize by `size` with `interpolation` under `coordinates`, then convolve."""

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        size: Any = 2,
        interpolation: str = "nearest",
        coordinates: str = resampling.HALF_PIXEL,
        padding: str = "same",
        **kwargs: Any,
    ) -> None:
        self.size = normalize_tuple(size, self.rank, "size")
        self.interpolation = resampling.check_interpolation(interpolation)
        self.coordinates = resampling.check_coordinates(coordinates, self.interpolation)
        super().__init__(filters, kernel_size, padding=padding, **kwargs)

    def call(self, inputs: Any) -> Any:
        resized = upsample(
            inputs,
            size=self.size,
            interpolation=self.interpolation,
            coordinates=self.coordinates,
            data_format=self.data_format,
        )
        return self.activation(self._convolve(resized))

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return self._conv_output_shape(scaled_shape(input_shape, self.size, self.data_format))

    def _upsampling_config(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "interpolation": self.interpolation,
            **coordinates_config(self.coordinates),
        }


@twin_of(upsample_layers.SubPixelConv1D)
class SubPixelConv1D(SubPixelConv):
    """1-D: ``(batch, steps, channels)`` -> ``(batch, steps * scale, filters)``."""

    rank = 1


@twin_of(upsample_layers.SubPixelConv2D)
class SubPixelConv2D(SubPixelConv):
    """2-D sub-pixel convolution (ESPCN's upsampling layer)."""

    rank = 2


@twin_of(upsample_layers.SubPixelConv3D)
class SubPixelConv3D(SubPixelConv):
    """3-D sub-pixel convolution."""

    rank = 3


@twin_of(upsample_layers.ResizeConv1D)
class ResizeConv1D(ResizeConv):
    """Resize then convolve, ``(batch, steps, channels)`` -> ``(batch, steps * size, filters)``."""

    rank = 1


@twin_of(upsample_layers.ResizeConv2D)
class ResizeConv2D(ResizeConv):
    """Resize (nearest, bilinear, bicubic, lanczos3, lanczos5) then convolve: Odena's fix."""

    rank = 2


@twin_of(upsample_layers.ResizeConv3D)
class ResizeConv3D(ResizeConv):
    """Resize (nearest, or trilinear, tricubic, lanczos) then convolve, in 3-D."""

    rank = 3
