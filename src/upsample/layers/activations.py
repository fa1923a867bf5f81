"""`ReLU` and `LeakyReLU` layers: rectified linear units with Keras's parameters.

Keras's `ReLU(max_value, negative_slope, threshold)` computes

    f(x) = min(x, max_value)             if x > threshold
    f(x) = negative_slope * (x - threshold)  if x < threshold
    f(x) = 0                             if x == threshold

(note the 0 *at* a nonzero threshold, whatever its docstring says), and
`LeakyReLU(negative_slope)` is ``x if x >= 0 else negative_slope * x``.  Their
derivatives follow JAX, which Keras 3 differentiates with: 0 at a kink of
`relu` (x == 0 or x == threshold), 1/2 where `x == max_value` (a tie of the
`minimum` in `clip`), except that ``max_value == 6`` uses `relu6`, whose
derivative is 0 at 6.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

from upsample.layers.layer import Array, Gradients, Layer
from upsample.ops.activations import leaky_relu, leaky_relu_vjp, relu, relu_vjp


def _non_negative(value: Any, message: str, name: str) -> float:
    """`value` as a float >= 0 (infinity allowed, as Keras: ``max_value=np.inf``)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or math.isnan(value)
        or value < 0
    ):
        raise ValueError(f"{message} Received: {name}={value!r}")
    return float(value)


class _Rectifier(Layer):
    """An elementwise activation without weights: `_apply` and its vector-Jacobian product."""

    samples_independent = True

    def _apply(self, x: Array) -> Array:
        raise NotImplementedError

    def _apply_vjp(self, grad: Array, x: Array) -> Array:
        raise NotImplementedError

    def check_input_shape(self, input_shape: Any) -> None:
        if isinstance(input_shape, list):
            raise ValueError(f"Layer {self.name!r} expects one input, received {len(input_shape)}.")

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def forward(self, inputs: Array, training: bool = False) -> tuple[Array, Any]:
        return self._apply(inputs), inputs

    def backward(
        self, cache: Any, grad: Array, *, weights: bool = True, inputs: bool = True
    ) -> Gradients:
        return Gradients(self._apply_vjp(grad, cache) if inputs else None, [] if weights else None)


class ReLU(_Rectifier):
    """Rectified linear unit, optionally capped (`max_value`), leaky and thresholded."""

    def __init__(
        self,
        max_value: float | None = None,
        negative_slope: float = 0.0,
        threshold: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if max_value is not None:
            max_value = _non_negative(
                max_value, "max_value of a ReLU layer cannot be a negative value.", "max_value"
            )
        self.max_value: float | None = max_value
        self.negative_slope = _non_negative(
            negative_slope,
            "negative_slope of a ReLU layer cannot be None or a negative value.",
            "negative_slope",
        )
        self.threshold = _non_negative(
            threshold, "threshold of a ReLU layer cannot be None or a negative value.", "threshold"
        )

    def _parameters(self) -> dict[str, Any]:
        return {
            "negative_slope": self.negative_slope,
            "max_value": self.max_value,
            "threshold": self.threshold,
        }

    def _apply(self, x: Array) -> Array:
        return relu(x, **self._parameters())

    def _apply_vjp(self, grad: Array, x: Array) -> Array:
        return relu_vjp(grad, x, **self._parameters())

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "max_value": self.max_value,
            "negative_slope": self.negative_slope,
            "threshold": self.threshold,
        }


class LeakyReLU(_Rectifier):
    """``x if x >= 0 else negative_slope * x``."""

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any) -> None:
        if "alpha" in kwargs:  # Keras 2's name, still accepted by Keras 3
            negative_slope = kwargs.pop("alpha")
            warnings.warn(
                "Argument `alpha` is deprecated. Use `negative_slope` instead.", stacklevel=2
            )
        super().__init__(**kwargs)
        self.negative_slope = _non_negative(
            negative_slope,
            "The negative_slope value of a Leaky ReLU layer cannot be None or negative value. "
            "Expected a float.",
            "negative_slope",
        )

    def _apply(self, x: Array) -> Array:
        return leaky_relu(x, negative_slope=self.negative_slope)

    def _apply_vjp(self, grad: Array, x: Array) -> Array:
        return leaky_relu_vjp(grad, x, negative_slope=self.negative_slope)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "negative_slope": self.negative_slope}
