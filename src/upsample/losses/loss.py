"""The `Loss` base class (``keras/src/losses/loss.py``).

A loss object computes per-sample values (`call`), weights them by
`sample_weight` and reduces them (``"sum_over_batch_size"`` by default: the
mean over every value).  Beyond Keras, `value_and_grad` and `vjp` give the
gradient of the reduced loss with respect to ``y_pred``: what ``jax.grad``
gives through the Keras loss.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from upsample import config
from upsample.losses.functional import PerSample
from upsample.losses.reduction import (
    Array,
    Backward,
    reduce_weighted_values,
    standardize_reduction,
)
from upsample.utils.naming import auto_name, to_snake_case


class Loss:
    """Base class: subclasses define `call` (values) or, to be trainable, `call_vjp`."""

    keras_module = "keras.losses"

    def __init__(
        self,
        name: str | None = None,
        reduction: str | None = "sum_over_batch_size",
        dtype: DTypeLike | None = None,
    ) -> None:
        if name is None:
            name = auto_name(type(self).__name__)
        self.name = name
        self.reduction = standardize_reduction(reduction)
        self.dtype = np.dtype(config.floatx() if dtype is None else dtype).name

    def call(self, y_true: Array, y_pred: Array) -> Array:
        """The per-sample loss values."""
        if type(self).call_vjp is Loss.call_vjp:
            raise NotImplementedError(f"{type(self).__name__} must implement `call` or `call_vjp`.")
        return self.call_vjp(y_true, y_pred).values

    def call_vjp(self, y_true: Array, y_pred: Array) -> PerSample:
        """The per-sample values, their VJP with respect to `y_pred`, and a mask (or None)."""
        return PerSample(self.call(y_true, y_pred), no_gradient(self))

    def __call__(
        self, y_true: ArrayLike, y_pred: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> float | Array:
        """The reduced loss: a float, or the weighted values for ``reduction="none"``."""
        values, _, mask = self.call_vjp(*self._convert(y_true, y_pred))
        loss, _ = reduce_weighted_values(values, sample_weight, mask, self.reduction, self.dtype)
        return float(loss) if loss.ndim == 0 else loss

    def vjp(
        self,
        y_true: ArrayLike,
        y_pred: ArrayLike,
        cotangent: ArrayLike,
        sample_weight: ArrayLike | None = None,
    ) -> tuple[Array, Array]:
        """The reduced loss and the gradient of ``<loss, cotangent>`` with respect to `y_pred`."""
        y_true, y_pred = self._convert(y_true, y_pred)
        values, backward, mask = self.call_vjp(y_true, y_pred)
        loss, reduce_backward = reduce_weighted_values(
            values, sample_weight, mask, self.reduction, self.dtype
        )
        cotangent = np.broadcast_to(np.asarray(cotangent, dtype=self.dtype), loss.shape)
        grad = backward(reduce_backward(cotangent))
        return loss, np.ascontiguousarray(grad, dtype=self.dtype)

    def value_and_grad(
        self, y_true: ArrayLike, y_pred: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> tuple[float, Array]:
        """The reduced loss and its gradient with respect to `y_pred` (same shape as `y_pred`)."""
        if self.reduction in (None, "none"):
            raise ValueError(
                "`value_and_grad` needs a scalar loss; with reduction='none' use `vjp`. "
                f"Received: reduction={self.reduction!r}"
            )
        loss, grad = self.vjp(y_true, y_pred, 1.0, sample_weight)
        return float(loss), grad

    def _convert(self, y_true: ArrayLike, y_pred: ArrayLike) -> tuple[Array, Array]:
        return np.asarray(y_true, dtype=self.dtype), np.asarray(y_pred, dtype=self.dtype)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def no_gradient(loss: Loss) -> Backward:
    def backward(cotangent: Array) -> Array:
        raise NotImplementedError(
            f"The loss {loss!r} defines no gradient: use upsample.losses' functions, or "
            "implement `call_vjp(y_true, y_pred)` returning the values and their VJP."
        )

    return backward


def object_name(obj: Any) -> str:
    """A Keras object's `name`, else the snake_case name of the function or class."""
    if hasattr(obj, "name"):
        return str(obj.name)
    return to_snake_case(getattr(obj, "__name__", type(obj).__name__))
