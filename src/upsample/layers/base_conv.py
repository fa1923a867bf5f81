"""What convolution and transposed-convolution layers share: their arguments and shapes.

Both kinds hold a kernel, an optional bias and an activation; they differ in the
kernel layout (Keras: ``(*k, in, filters)`` for a convolution, ``(*k, filters,
in)`` for a transposed one) and in which of the two adjoint kernels of
`upsample.ops.convolution` runs forward.
"""

from __future__ import annotations

from typing import Any

from upsample import config as upsample_config
from upsample.layers.affine import AffineLayer, check_positive_int
from upsample.ops.shapes import normalize_padding, normalize_tuple


class BaseConv(AffineLayer):
    """Arguments and state common to `Conv*D` and `Conv*DTranspose` (rank 1, 2 or 3)."""

    rank: int

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
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
        super().__init__(
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            activity_regularizer=activity_regularizer,
            **kwargs,
        )
        self.filters = check_positive_int(filters, "filters")
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size")
        self.strides = normalize_tuple(strides, self.rank, "strides")
        self.padding = normalize_padding(padding)
        self.data_format = upsample_config.standardize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}"
            )

    @property
    def channel_axis(self) -> int:
        return -1 if self.data_format == "channels_last" else 1

    def check_input_shape(self, input_shape: Any) -> None:
        if isinstance(input_shape, list):
            raise ValueError(f"Layer {self.name!r} expects one input, received {len(input_shape)}.")
        expected = self.rank + 2
        if len(input_shape) != expected:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                f"ndim={expected}, found ndim={len(input_shape)}. Full shape received: "
                f"{tuple(input_shape)}"
            )
        channels = input_shape[self.channel_axis]
        if channels is None:
            raise ValueError(
                f"The channel dimension of the inputs of {self.name!r} must be defined. "
                f"Received input shape {tuple(input_shape)}."
            )
        if self.kernel is not None and channels != self._input_channels():
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected axis '
                f"{self.channel_axis} of input shape to have value {self._input_channels()}, "
                f"but received input with shape {tuple(input_shape)}"
            )

    def _input_channels(self) -> int:
        raise NotImplementedError

    def _kernel_shape(self, channels: int) -> tuple[int, ...]:
        raise NotImplementedError

    def build(self, input_shape: Any) -> None:
        self._build_weights(self._kernel_shape(int(input_shape[self.channel_axis])), self.filters)

    def _spatial(self, shape: Any) -> tuple[Any, ...]:
        return tuple(shape[1:-1] if self.data_format == "channels_last" else shape[2:])

    def _with_spatial(self, shape: Any, spatial: list[Any]) -> tuple[Any, ...]:
        if self.data_format == "channels_last":
            return (shape[0], *spatial, self.filters)
        return (shape[0], self.filters, *spatial)

    def _conv_arguments(self) -> dict[str, Any]:
        return {
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
        }

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": tuple(self.kernel_size),
            "strides": tuple(self.strides),
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": tuple(self.dilation_rate),
            **self._weights_config(activity_regularizer=True),
        }
