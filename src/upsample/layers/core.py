"""`Dense` and `Activation`."""

from __future__ import annotations

from typing import Any

from upsample.layers.affine import AffineLayer, check_positive_int
from upsample.layers.layer import Array, Gradients, Layer
from upsample.ops import activations as activation_ops
from upsample.ops import linear


class Dense(AffineLayer):
    """``activation(inputs @ kernel + bias)`` over the last axis; kernel ``(in, units)``."""

    def __init__(
        self,
        units: int,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        lora_rank: int | None = None,
        lora_alpha: float | None = None,
        **kwargs: Any,
    ) -> None:
        if lora_rank is not None:
            raise NotImplementedError("upsample does not support LoRA (lora_rank).")
        kwargs.pop("quantization_config", None)
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
        self.units = check_positive_int(units, "units")

    def check_input_shape(self, input_shape: Any) -> None:
        if isinstance(input_shape, list) or len(input_shape) < 2:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                f"min_ndim=2, found ndim={len(input_shape)}. Full shape received: {input_shape}"
            )
        if self.kernel is not None and input_shape[-1] != self.kernel.shape[0]:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected axis -1 '
                f"of input shape to have value {self.kernel.shape[0]}, but received input with "
                f"shape {tuple(input_shape)}"
            )

    def build(self, input_shape: Any) -> None:
        self._build_weights((int(input_shape[-1]), self.units), self.units)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return (*input_shape[:-1], self.units)

    def _affine(self, inputs: Array) -> Array:
        return linear.dense(inputs, self.kernel.value, self._bias())

    def _affine_vjp(
        self, grad: Array, inputs: Array, *, need_inputs: bool, need_kernel: bool
    ) -> tuple[Array | None, Array | None, Array | None]:
        return tuple(  # type: ignore[return-value]
            linear.dense_vjp(
                grad,
                inputs,
                self.kernel.value,
                self._bias(),
                need_inputs=need_inputs,
                need_kernel=need_kernel,
            )
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "units": self.units,
            **self._weights_config(activity_regularizer=False),
            "quantization_config": None,
        }


class Activation(Layer):
    """Applies an activation function (by name or callable) to its input."""

    samples_independent = True

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.built = True  # as Keras: built on construction, no build_config saved
        self.activation = activation_ops.get(activation)

    def forward(self, inputs: Array, training: bool = False) -> tuple[Array, Any]:
        y = self.activation.forward(inputs)
        return y, (inputs, y)

    def backward(
        self, cache: Any, grad: Array, *, weights: bool = True, inputs: bool = True
    ) -> Gradients:
        x, y = cache
        dx = activation_ops.vjp(self.activation, grad, x, y) if inputs else None
        return Gradients(dx, [] if weights else None)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "activation": activation_ops.serialize(self.activation)}
