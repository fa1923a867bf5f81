"""The loss classes: a `LossFunctionWrapper` each, with Keras's defaults and configs.

Their configs are exactly Keras 3's (``keras/src/losses/losses.py``): the
wrapped function and its arguments are not in them, only the constructor's.
"""

from __future__ import annotations

from typing import Any

from numpy.typing import DTypeLike

from upsample.losses.crossentropy import (
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
)
from upsample.losses.loss import Loss, LossFunctionWrapper
from upsample.losses.regression import mean_absolute_error, mean_squared_error


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
