"""Layers that are an affine map followed by an activation: `Dense` and the convolutions.

They share Keras's kernel and bias arguments (initializers, regularizers,
constraints), the weights they create, the activation after the map and the
backward pass through it; a subclass provides only the map (`_affine`) and its
vector-Jacobian product (`_affine_vjp`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from upsample import constraints, initializers, regularizers
from upsample.layers.layer import Array, Gradients, Layer
from upsample.ops import activations as activation_ops


def check_positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value <= 0:
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a strictly positive value. "
            f"Received {name}={value!r}."
        )
    return int(value)


class AffineLayer(Layer):
    """A kernel, an optional bias and an activation."""

    samples_independent = True

    def __init__(
        self,
        *,
        activation: Any,
        use_bias: bool,
        kernel_initializer: Any,
        bias_initializer: Any,
        kernel_regularizer: Any,
        bias_regularizer: Any,
        kernel_constraint: Any,
        bias_constraint: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.activation = activation_ops.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.kernel: Any = None
        self.bias: Any = None

    def _build_weights(self, kernel_shape: tuple[int, ...], units: int) -> None:
        self.kernel = self.add_weight(
            shape=kernel_shape,
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
        )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )
        self.built = True

    def _bias(self) -> Array | None:
        return self.bias.value if self.use_bias else None

    # ----------------------------------------------------------------------- the map

    def _affine(self, inputs: Array) -> Array:
        """The layer's map, bias included."""
        raise NotImplementedError

    def _affine_vjp(
        self, grad: Array, inputs: Array, *, need_inputs: bool, need_kernel: bool
    ) -> tuple[Array | None, Array | None, Array | None]:
        """Gradients of `_affine` for the inputs, the kernel and the bias (None if not needed)."""
        raise NotImplementedError

    def forward(self, inputs: Array, training: bool = False) -> tuple[Array, Any]:
        return self.activate(inputs, self._affine(inputs))

    def activate(self, inputs: Array, z: Array) -> tuple[Array, Any]:
        """The activation of the map's output `z` (overwritten where it can be): ``(y, cache)``.

        The cache, ``(inputs, z or None, y)``, is what `backward` reads.
        """
        name = self.activation.name
        if name == "linear":
            return z, (inputs, None, z)
        if name == "relu":
            # In place: relu's derivative is read from its output (y > 0 iff z > 0).
            y = np.maximum(z, z.dtype.type(0), out=z)
            return y, (inputs, None, y)
        y = self.activation.forward(z)
        return y, (inputs, z if self.activation.uses_input else None, y)

    def activation_grad(self, cache: Any, grad: Array) -> Array:
        """The gradient of the map's output `z`, from the output's `grad` and `activate`'s cache."""
        _, z, y = cache
        name = self.activation.name
        if name == "relu":
            return activation_ops.relu_vjp(grad, None, y)  # from the output: applied in place
        if name == "linear":
            return grad
        return activation_ops.vjp(self.activation, grad, z, y)

    def backward(
        self, cache: Any, grad: Array, *, weights: bool = True, inputs: bool = True
    ) -> Gradients:
        dz = self.activation_grad(cache, grad)
        dx, dkernel, dbias = self._affine_vjp(dz, cache[0], need_inputs=inputs, need_kernel=weights)
        return self.weight_gradients(dx, dkernel, dbias, weights=weights)

    def weight_gradients(
        self, dx: Array | None, dkernel: Array | None, dbias: Array | None, *, weights: bool
    ) -> Gradients:
        """`Gradients` in the order of `trainable_weights` (kernel, then bias if used)."""
        if not weights:
            return Gradients(dx, None)
        return Gradients(dx, [dkernel, dbias] if self.use_bias else [dkernel])

    # ----------------------------------------------------------------------- config

    def _weights_config(self, *, activity_regularizer: bool) -> dict[str, Any]:
        """Keras's keys from "activation" to "bias_constraint", in Keras's order."""
        config: dict[str, Any] = {
            "activation": activation_ops.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
        }
        if activity_regularizer:
            config["activity_regularizer"] = None
        config["kernel_constraint"] = constraints.serialize(self.kernel_constraint)
        config["bias_constraint"] = constraints.serialize(self.bias_constraint)
        return config
