"""Convolution layers: `Conv1D/2D/3D` and `Conv1D/2D/3DTranspose`.

A transposed convolution is the input-gradient of a convolution, so each
layer's backward pass is the other layer's forward pass (`upsample.ops.convolution`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from upsample.layers.affine import check_positive_int
from upsample.layers.base_conv import BaseConv
from upsample.layers.layer import Array
from upsample.ops import convolution as conv_ops
from upsample.ops.shapes import (
    check_output_padding,
    conv_output_length,
    conv_transpose_output_length,
    normalize_tuple,
)


class Conv(BaseConv):
    """N-D convolution (cross-correlation); kernel ``(*kernel_size, in // groups, filters)``."""

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: Any = 1,
        groups: int = 1,
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
        # Keras's positional order: (filters, kernel_size, strides, padding, data_format, ...).
        super().__init__(
            filters,
            kernel_size,
            strides=strides,
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
        self.groups = check_positive_int(groups, "groups")
        if self.filters % self.groups:
            raise ValueError(
                "The number of filters must be evenly divisible by the number of groups. "
                f"Received: groups={self.groups}, filters={self.filters}."
            )

    def _kernel_shape(self, channels: int) -> tuple[int, ...]:
        if channels % self.groups:
            raise ValueError(
                "The number of input channels must be evenly divisible by the number of groups. "
                f"Received groups={self.groups}, but the input has {channels} channels "
                f"(full input shape is {channels} along axis {self.channel_axis})."
            )
        return (*self.kernel_size, channels // self.groups, self.filters)

    def _input_channels(self) -> int:
        return int(self.kernel.shape[-2]) * self.groups

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        spatial = [
            None
            if n is None
            else conv_output_length(n, kernel_size=k, stride=s, padding=self.padding, dilation=d)
            for n, k, s, d in zip(
                self._spatial(input_shape), self.kernel_size, self.strides, self.dilation_rate
            )
        ]
        return self._with_spatial(input_shape, spatial)

    def _group_slices(self) -> list[tuple[slice, slice]]:
        """Per group: its input channels and its filters."""
        inputs, filters = self.kernel.shape[-2], self.filters // self.groups
        return [
            (slice(g * inputs, (g + 1) * inputs), slice(g * filters, (g + 1) * filters))
            for g in range(self.groups)
        ]

    def _channels(self, x: Array, index: slice) -> Array:
        where = [slice(None)] * x.ndim
        where[self.channel_axis] = index
        return x[tuple(where)]

    def _affine(self, inputs: Array) -> Array:
        kernel, bias = self.kernel.value, self._bias()
        if self.groups == 1:
            return conv_ops.conv(inputs, kernel, bias, **self._conv_arguments())
        return np.concatenate(
            [
                conv_ops.conv(
                    self._channels(inputs, ci),
                    kernel[..., co],
                    None if bias is None else bias[co],
                    **self._conv_arguments(),
                )
                for ci, co in self._group_slices()
            ],
            axis=self.channel_axis,
        )

    def _affine_vjp(
        self, grad: Array, inputs: Array, *, need_inputs: bool, need_kernel: bool
    ) -> tuple[Array | None, Array | None, Array | None]:
        kernel, bias = self.kernel.value, self._bias()
        flags: dict[str, Any] = {"need_inputs": need_inputs, "need_kernel": need_kernel}
        if self.groups == 1:
            return tuple(  # type: ignore[return-value]
                conv_ops.conv_vjp(grad, inputs, kernel, bias, **self._conv_arguments(), **flags)
            )
        parts = [
            conv_ops.conv_vjp(
                self._channels(grad, co),
                self._channels(inputs, ci),
                kernel[..., co],
                None if bias is None else bias[co],
                **self._conv_arguments(),
                **flags,
            )
            for ci, co in self._group_slices()
        ]
        axis = self.channel_axis
        dx = np.concatenate([p.inputs for p in parts], axis=axis) if need_inputs else None
        if not need_kernel:
            return dx, None, None
        dkernel = np.concatenate([p.kernel for p in parts], axis=-1)
        dbias = np.concatenate([p.bias for p in parts]) if self.use_bias else None
        return dx, dkernel, dbias

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        keys = list(config)
        config["groups"] = self.groups
        # Keras lists `groups` right after `dilation_rate`.
        order = [*keys[: keys.index("dilation_rate") + 1], "groups"]
        order += [k for k in keys if k not in order]
        return {k: config[k] for k in order}


class Conv1D(Conv):
    """1-D convolution, inputs ``(batch, steps, channels)``."""

    rank = 1


class Conv2D(Conv):
    """2-D convolution, inputs ``(batch, height, width, channels)``."""

    rank = 2


class Conv3D(Conv):
    """3-D convolution, inputs ``(batch, depth, height, width, channels)``."""

    rank = 3


class ConvTranspose(BaseConv):
    """N-D transposed convolution layer; kernel ``(*kernel_size, filters, in)`` as in Keras.

    Output length per axis (Dumoulin & Visin, arXiv:1603.07285, relationship 14,
    with Keras's defaults): see `upsample.ops.shapes.conv_transpose_output_length`.
    """

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        output_padding: Any = None,
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
        # Keras's positional order puts `output_padding` right after `padding`.
        super().__init__(
            filters,
            kernel_size,
            strides=strides,
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
        self.output_padding = (
            None
            if output_padding is None
            else normalize_tuple(output_padding, self.rank, "output_padding", allow_zero=True)
        )
        check_output_padding(self.output_padding, self.strides)

    def _kernel_shape(self, channels: int) -> tuple[int, ...]:
        return (*self.kernel_size, self.filters, channels)

    def _input_channels(self) -> int:
        return int(self.kernel.shape[-1])

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        paddings = self.output_padding or (None,) * self.rank
        spatial = [
            None
            if n is None
            else conv_transpose_output_length(
                n, kernel_size=k, stride=s, padding=self.padding, output_padding=op, dilation=d
            )
            for n, k, s, d, op in zip(
                self._spatial(input_shape),
                self.kernel_size,
                self.strides,
                self.dilation_rate,
                paddings,
            )
        ]
        return self._with_spatial(input_shape, spatial)

    def _conv_arguments(self) -> dict[str, Any]:
        return {**super()._conv_arguments(), "output_padding": self.output_padding}

    def _affine(self, inputs: Array) -> Array:
        return conv_ops.conv_transpose(
            inputs, self.kernel.value, self._bias(), **self._conv_arguments()
        )

    def _affine_vjp(
        self, grad: Array, inputs: Array, *, need_inputs: bool, need_kernel: bool
    ) -> tuple[Array | None, Array | None, Array | None]:
        return tuple(  # type: ignore[return-value]
            conv_ops.conv_transpose_vjp(
                grad,
                inputs,
                self.kernel.value,
                self._bias(),
                **self._conv_arguments(),
                need_inputs=need_inputs,
                need_kernel=need_kernel,
            )
        )

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        keys = list(config)
        config["output_padding"] = (
            None if self.output_padding is None else tuple(self.output_padding)
        )
        order = [*keys[: keys.index("padding") + 1], "output_padding"]
        order += [k for k in keys if k not in order]
        return {k: config[k] for k in order}


class Conv1DTranspose(ConvTranspose):
    """1-D transposed convolution."""

    rank = 1


class Conv2DTranspose(ConvTranspose):
    """2-D transposed convolution (the seeds' learned upsampling layer)."""

    rank = 2


class Conv3DTranspose(ConvTranspose):
    """3-D transposed convolution."""

    rank = 3
