"""`Sum`, `Mean` and `MeanMetricWrapper` (``keras/src/metrics/reduction_metrics.py``).

State is kept in the metric's dtype (float32), so long runs accumulate with
Keras's float32 rounding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from upsample import losses
from upsample.losses.reduction import Array, divide_no_nan, squeeze_or_expand_to_same_rank
from upsample.metrics.metric import Metric

ReduceFn = Callable[..., Array]


def reduce_to_samplewise_values(
    values: ArrayLike, sample_weight: ArrayLike | None, reduce_fn: ReduceFn, dtype: DTypeLike
) -> tuple[Array, Array | None]:
    """Reduce `values` to one value per sample (axis 0), weighted by `sample_weight`.

    Weights of lower rank first reduce the values down to the weights' rank.
    """
    values = np.asarray(values, dtype=dtype)
    if sample_weight is None:
        weights = None
    else:
        values, weights = squeeze_or_expand_to_same_rank(
            values, np.asarray(sample_weight, dtype=dtype)
        )
        weight_ndim = weights.ndim
        if values.ndim > weight_ndim:
            values = reduce_fn(values, axis=tuple(range(weight_ndim, values.ndim)))
        weights = np.broadcast_to(weights, values.shape)
        values = values * weights
        if weight_ndim > 1:
            weights = reduce_fn(weights, axis=tuple(range(1, weight_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, weights


class Sum(Metric):
    """The (weighted) sum of the values seen."""

    def __init__(self, name: str = "sum", dtype: DTypeLike | None = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")

    def update_state(self, values: ArrayLike, sample_weight: ArrayLike | None = None) -> None:
        values, _ = reduce_to_samplewise_values(values, sample_weight, np.sum, self.dtype)
        self.total.value += np.sum(values)

    def result(self) -> float:
        return float(self.total.value)


class Mean(Metric):
    """The (weighted) mean of the values seen: per-sample values, averaged over samples."""

    def __init__(self, name: str | None = "mean", dtype: DTypeLike | None = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")
        self.count = self.add_variable(name="count")

    def update_state(self, values: ArrayLike, sample_weight: ArrayLike | None = None) -> None:
        values, weights = reduce_to_samplewise_values(values, sample_weight, np.mean, self.dtype)
        self.total.value += np.sum(values)
        if weights is not None:
            samples: Any = np.sum(weights)
        else:
            samples = values.shape[0] if values.ndim >= 1 else 1
        self.count.value += np.asarray(samples, dtype=self.dtype)

    def result(self) -> float:
        return float(self.mean())

    def mean(self) -> Array:
        """``total / count`` in the metric's dtype (0 before any sample)."""
        result: Array = divide_no_nan(self.total.value, self.count.value)
        return result


class MeanMetricWrapper(Mean):
    """The mean of ``fn(y_true, y_pred, **kwargs)``, a per-sample function."""

    def __init__(
        self,
        fn: Callable[..., Any],
        name: str | None = None,
        dtype: DTypeLike | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(  # type: ignore[override]  # Keras's signature change, too
        self, y_true: ArrayLike, y_pred: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> None:
        # Keras on JAX computes in float32 whatever float type the data has.
        y_true, y_pred = self._to_dtype(y_true), self._to_dtype(y_pred)
        super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)

    def _to_dtype(self, array: ArrayLike) -> Array:
        array = np.asarray(array)
        return array.astype(self.dtype) if np.issubdtype(array.dtype, np.floating) else array

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "fn": losses.serialize(self._fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        config = dict(config)
        if "fn" in config:
            config["fn"] = losses.deserialize(config["fn"])
        return cls(**config)
