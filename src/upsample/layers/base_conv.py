"""What convolution and transposed-convolution layers share: arguments, bias, activation.

Both kinds hold a kernel, an optional bias and an activation; they differ in the
kernel layout (Keras: ``(*k, in, filters)`` for a convolution, ``(*k, filters,
in)`` for a transposed one) and in which of the two adjoint kernels of
`upsample.ops.conv` runs forward.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from upsample import config as upsample_config
from upsample.layers.layer import Array, Layer
from upsample.ops import activations as activation_ops
from upsample.ops.shapes import normalize_padding, normalize_tuple


def check_positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value <= 0:
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a strictly positive value. "
            f"Received {name}={value!r}."
        )
    return int(value)


class ActivationMixin:
    """An optional activation after the layer's affine map, with its derivative."""

    activation: activation_ops.Activation

    def _set_activation(self, activation: Any) -> None:
        self.activation = activation_ops.get(activation)

    def _activate(self, z: Array) -> Array:
        return z if self.activation.name == "linear" else self.activation.forward(z)

    def _activation_vjp(self, grad: Array, z: Array, y: Array) -> Array:
        if self.activation.name == "linear":
            return grad
        return activation_ops.vjp(self.activation, grad, z, y)

    def _activation_config(self) -> str:
        return activation_ops.serialize(self.activation)


class BaseConv(ActivationMixin, Layer):
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
        from upsample import constraints, initializers, regularizers

        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
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
        self._set_activation(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.kernel: Any = None
        self.bias: Any = None

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
        channels = int(input_shape[self.channel_axis])
        self.kernel = self.add_weight(
            shape=self._kernel_shape(channels),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
        )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )
        self.built = True

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

    def _bias(self) -> Array | None:
        return self.bias.value if self.use_bias else None

    def get_config(self) -> dict[str, Any]:
        from upsample import constraints, initializers, regularizers

        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": list(self.kernel_size),
                "strides": list(self.strides),
                "padding": self.padding,
                "data_format": self.data_format,
                "dilation_rate": list(self.dilation_rate),
                "activation": self._activation_config(),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": None,
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
            }
        )
        return config
