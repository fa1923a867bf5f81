"""Regression and probabilistic metrics: means of the per-sample loss functions.

As ``keras/src/metrics/regression_metrics.py`` and ``probabilistic_metrics.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from upsample.losses.crossentropy import binary_crossentropy
from upsample.losses.reduction import squeeze_or_expand_to_same_rank
from upsample.losses.regression import mean_absolute_error, mean_squared_error
from upsample.metrics.reduction_metrics import Mean, MeanMetricWrapper


class MeanSquaredError(MeanMetricWrapper):
    """The mean of ``(y_true - y_pred)**2``."""

    def __init__(self, name: str = "mean_squared_error", dtype: DTypeLike | None = None) -> None:
        super().__init__(fn=mean_squared_error, name=name, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}


class MeanAbsoluteError(MeanMetricWrapper):
    """The mean of ``|y_true - y_pred|``."""

    def __init__(self, name: str = "mean_absolute_error", dtype: DTypeLike | None = None) -> None:
        super().__init__(fn=mean_absolute_error, name=name, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}


class RootMeanSquaredError(Mean):
    """The square root of the mean of ``(y_pred - y_true)**2`` over everything seen."""

    def __init__(
        self, name: str = "root_mean_squared_error", dtype: DTypeLike | None = None
    ) -> None:
        super().__init__(name=name, dtype=dtype)

    def update_state(  # type: ignore[override]
        self, y_true: ArrayLike, y_pred: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> None:
        true, pred = squeeze_or_expand_to_same_rank(
            np.asarray(y_true, dtype=self.dtype), np.asarray(y_pred, dtype=self.dtype)
        )
        super().update_state(np.square(pred - true), sample_weight=sample_weight)

    def result(self) -> float:
        return float(np.sqrt(self.mean()))


class BinaryCrossentropy(MeanMetricWrapper):
    """The mean binary cross-entropy (the `binary_crossentropy` loss as a metric)."""

    def __init__(
        self,
        name: str = "binary_crossentropy",
        dtype: DTypeLike | None = None,
        from_logits: bool = False,
        label_smoothing: float = 0,
    ) -> None:
        super().__init__(
            binary_crossentropy,
            name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
        }
