"""`LossFunctionWrapper`, the loss classes (one wrapper each) and the registry of losses.

The classes' configs are exactly Keras 3's (``keras/src/losses/losses.py``):
the wrapped function and its arguments are not in them, only the constructor's.
A `LossFunctionWrapper`'s own config holds its function, serialized by the
registry at the end of this module (which lists the classes above it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

import numpy as np
from numpy.typing import DTypeLike

from upsample.losses.crossentropy import (
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
)
from upsample.losses.functional import PerSample
from upsample.losses.functions import FUNCTION_VJPS, FUNCTIONS
from upsample.losses.loss import Loss, no_gradient
from upsample.losses.reduction import Array, squeeze_or_expand_to_same_rank
from upsample.losses.regression import mean_absolute_error, mean_squared_error
from upsample.utils.registry import Registry


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
            return PerSample(self.call(y_true, y_pred), no_gradient(self))
        matched_true, matched_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        values, backward, mask = fn_vjp(matched_true, matched_pred, **self._fn_kwargs)

        def reshaped(cotangent: Array) -> Array:
            return np.reshape(backward(cotangent), y_pred.shape)

        return PerSample(values, reshaped, mask)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "fn": LOSSES.serialize(self.fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        config = dict(config)
        if "fn" in config:
            config["fn"] = LOSSES.deserialize(config["fn"])
        return cls(**config)

    def __repr__(self) -> str:
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


class MeanSquaredError(LossFunctionWrapper):
    """Mean of ``(y_true - y_pred)**2``."""

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "mean_squared_error",
        dtype: DTypeLike | None = None,
    ) -> None:
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        return Loss.get_config(self)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of ``|y_true - y_pred|``."""

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "mean_absolute_error",
        dtype: DTypeLike | None = None,
    ) -> None:
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        return Loss.get_config(self)


class _CrossentropyConfig(LossFunctionWrapper):
    """Cross-entropies put their keyword arguments (`CONFIG_KEYS`) in their config."""

    CONFIG_KEYS: tuple[str, ...] = ()

    def get_config(self) -> dict[str, Any]:
        return {**Loss.get_config(self), **{key: getattr(self, key) for key in self.CONFIG_KEYS}}


class BinaryCrossentropy(_CrossentropyConfig):
    """Binary cross-entropy, mean over `axis`; probabilities are clipped to [1e-7, 1 - 1e-7]."""

    CONFIG_KEYS = ("from_logits", "label_smoothing", "axis")

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "binary_crossentropy",
        dtype: DTypeLike | None = None,
    ) -> None:
        super().__init__(
            binary_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class CategoricalCrossentropy(_CrossentropyConfig):
    """Cross-entropy of one-hot (or soft) targets, summed over `axis`."""

    CONFIG_KEYS = ("from_logits", "label_smoothing", "axis")

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "categorical_crossentropy",
        dtype: DTypeLike | None = None,
    ) -> None:
        super().__init__(
            categorical_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class SparseCategoricalCrossentropy(_CrossentropyConfig):
    """Cross-entropy of integer labels; `ignore_class` labels are left out of the mean."""

    # Keras leaves `axis` out of this config (so it does not survive a round trip).
    CONFIG_KEYS = ("from_logits", "ignore_class")

    def __init__(
        self,
        from_logits: bool = False,
        ignore_class: int | None = None,
        reduction: str | None = "sum_over_batch_size",
        axis: int = -1,
        name: str = "sparse_categorical_crossentropy",
        dtype: DTypeLike | None = None,
    ) -> None:
        super().__init__(
            sparse_categorical_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis


# As ``keras/src/losses/__init__.py``: class names, function names and aliases.
ALL_OBJECTS: dict[str, Any] = {
    **{
        cls.__name__: cls
        for cls in (
            Loss,
            LossFunctionWrapper,
            BinaryCrossentropy,
            CategoricalCrossentropy,
            SparseCategoricalCrossentropy,
            MeanSquaredError,
            MeanAbsoluteError,
        )
    },
    **FUNCTIONS,
    "bce": binary_crossentropy,
    "BCE": binary_crossentropy,
    "mae": mean_absolute_error,
    "MAE": mean_absolute_error,
    "mse": mean_squared_error,
    "MSE": mean_squared_error,
}

# `get` gives the per-sample function for a function's name, an instance for a class.
LOSSES = Registry("loss", Loss, ALL_OBJECTS, functions=FUNCTIONS, instantiates=object)
