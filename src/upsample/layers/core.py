"""`Dense` and `Activation`."""

from __future__ import annotations

from typing import Any

from upsample.layers.base_conv import ActivationMixin, check_positive_int
from upsample.layers.layer import Array, Gradients, Layer
from upsample.ops import linear


class Dense(ActivationMixin, Layer):
    """``activation(inputs @ kernel + bias)``; kernel ``(in, units)``."""

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
        from upsample import constraints, initializers, regularizers

        if lora_rank is not None:
            raise NotImplementedError("upsample does not support LoRA (lora_rank).")
        kwargs.pop("quantization_config", None)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = check_positive_int(units, "units")
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
        self.kernel = self.add_weight(
            shape=(int(input_shape[-1]), self.units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
        )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return (*input_shape[:-1], self.units)

    def forward(self, inputs: Array, training: bool = False) -> tuple[Array, Any]:
        z = linear.dense(inputs, self.kernel.value, self.bias.value if self.use_bias else None)
        y = self._activate(z)
        return y, (inputs, z, y)

    def backward(
        self, cache: Any, grad: Array, *, weights: bool = True, inputs: bool = True
    ) -> Gradients:
        x, z, y = cache
        dz = self._activation_vjp(grad, z, y)
        g = linear.dense_vjp(
            dz,
            x,
            self.kernel.value,
            self.bias.value if self.use_bias else None,
            need_inputs=inputs,
            need_kernel=weights,
        )
        return Gradients(g.inputs, [g.kernel, g.bias][: 1 + self.use_bias] if weights else None)

    def get_config(self) -> dict[str, Any]:
        from upsample import constraints, initializers, regularizers

        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "activation": self._activation_config(),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "quantization_config": None,
            }
        )
        return config


class Activation(ActivationMixin, Layer):
    """Applies an activation function (by name or callable) to its input."""

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.built = True  # as Keras: built on construction, no build_config saved
        self._set_activation(activation)

    def forward(self, inputs: Array, training: bool = False) -> tuple[Array, Any]:
        y = self._activate(inputs)
        return y, (inputs, y)

    def backward(
        self, cache: Any, grad: Array, *, weights: bool = True, inputs: bool = True
    ) -> Gradients:
        x, y = cache
        return Gradients(
            self._activation_vjp(grad, x, y) if inputs else None, [] if weights else None
        )

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "activation": self._activation_config()}
