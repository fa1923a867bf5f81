"""The `Loss` base class and `LossFunctionWrapper` (``keras/src/losses/loss.py``, ``losses.py``).

A loss object computes per-sample values (`call`), weights them by
`sample_weight` and reduces them (``"sum_over_batch_size"`` by default: the
mean over every value).  Beyond Keras, `value_and_grad` and `vjp` give the
gradient of the reduced loss with respect to ``y_pred``: what ``jax.grad``
gives through the Keras loss.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from upsample import config
from upsample.losses.functional import PerSample
from upsample.losses.reduction import (
    Array,
    Backward,
    reduce_weighted_values,
    squeeze_or_expand_to_same_rank,
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
        return PerSample(self.call(y_true, y_pred), _no_gradient(self))

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


def _no_gradient(loss: Loss) -> Backward:
    def backward(cotangent: Array) -> Array:
        raise NotImplementedError(
            f"The loss {loss!r} defines no gradient: use upsample.losses' functions, or "
            "implement `call_vjp(y_true, y_pred)` returning the values and their VJP."
        )

    return backward


VjpFunction = Callable[..., PerSample]

# Per-sample loss function -> the same function returning `PerSample` (values and
# VJP); filled by the package, read by `LossFunctionWrapper`.
FUNCTION_VJPS: dict[Callable[..., Any], VjpFunction] = {}


class LossFunctionWrapper(Loss):
    """A `Loss` around a per-sample function ``fn(y_true, y_pred, **kwargs)``."""

    def __init__(
        self,
        fn: Callable[..., Any],
        reduction: str | None = "sum_over_batch_size",
        name: str | None = None,
        dtype: DTypeLike | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true: Array, y_pred: Array) -> Array:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        values: Array = self.fn(y_true, y_pred, **self._fn_kwargs)
        return values

    def call_vjp(self, y_true: Array, y_pred: Array) -> PerSample:
        fn_vjp = FUNCTION_VJPS.get(self.fn)
        if fn_vjp is None:  # a user's function: values only
            return PerSample(self.call(y_true, y_pred), _no_gradient(self))
        matched_true, matched_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        values, backward, mask = fn_vjp(matched_true, matched_pred, **self._fn_kwargs)

        def reshaped(cotangent: Array) -> Array:
            return np.reshape(backward(cotangent), y_pred.shape)

        return PerSample(values, reshaped, mask)

    def get_config(self) -> dict[str, Any]:
        from upsample.losses import serialize

        return {**super().get_config(), "fn": serialize(self.fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        from upsample.losses import deserialize

        config = dict(config)
        if "fn" in config:
            config["fn"] = deserialize(config["fn"])
        return cls(**config)

    def __repr__(self) -> str:
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


def object_name(obj: Any) -> str:
    """A Keras object's `name`, else the snake_case name of the function or class."""
    if hasattr(obj, "name"):
        return str(obj.name)
    return to_snake_case(getattr(obj, "__name__", type(obj).__name__))
