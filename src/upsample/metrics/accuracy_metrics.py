"""Accuracy metrics (``keras/src/metrics/accuracy_metrics.py``): the mean of 0/1 matches."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from upsample import config
from upsample.losses.reduction import Array, squeeze_or_expand_to_same_rank
from upsample.metrics.reduction_metrics import MeanMetricWrapper


def _matches(a: Array, b: Array) -> Array:
    return np.equal(a, b).astype(config.floatx())


def accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> Array:
    """1 where `y_pred` equals `y_true` exactly, else 0."""
    pred = np.asarray(y_pred)
    true, pred = squeeze_or_expand_to_same_rank(np.asarray(y_true).astype(pred.dtype), pred)
    return _matches(true, pred)


def binary_accuracy(y_true: ArrayLike, y_pred: ArrayLike, threshold: float = 0.5) -> Array:
    """1 where ``y_pred > threshold`` agrees with `y_true` (0 or 1), else 0."""
    true, pred = squeeze_or_expand_to_same_rank(np.asarray(y_true), np.asarray(y_pred))
    return _matches(true, (pred > threshold).astype(true.dtype))


def categorical_accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> Array:
    """1 where the arg-max class of `y_pred` is that of the one-hot `y_true`, else 0."""
    pred = np.asarray(y_pred)
    true = np.argmax(np.asarray(y_true), axis=-1).astype(pred.dtype)
    return _class_matches(true, pred, squeeze=true.ndim == pred.ndim)


def sparse_categorical_accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> Array:
    """1 where the arg-max class of `y_pred` equals the integer label `y_true`, else 0."""
    pred = np.asarray(y_pred)
    true = np.asarray(y_true).astype(pred.dtype)
    matches = _class_matches(true, pred, squeeze=true.ndim == pred.ndim and true.shape[-1] == 1)
    return matches[..., 0] if matches.ndim > 1 and matches.shape[-1] == 1 else matches


def _class_matches(true: Array, pred: Array, *, squeeze: bool) -> Array:
    """Compare labels with ``argmax(pred)``; a squeezed trailing label axis is restored."""
    labels = true[..., 0] if squeeze else true
    matches = _matches(labels, np.argmax(pred, axis=-1).astype(true.dtype))
    return matches.reshape(true.shape) if squeeze else matches


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly."""

    def __init__(self, name: str = "accuracy", dtype: DTypeLike | None = None) -> None:
        super().__init__(fn=accuracy, name=name, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches binary labels."""

    def __init__(
        self, name: str = "binary_accuracy", dtype: DTypeLike | None = None, threshold: float = 0.5
    ) -> None:
        super().__init__(fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the predicted class matches a one-hot label."""

    def __init__(self, name: str = "categorical_accuracy", dtype: DTypeLike | None = None) -> None:
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the predicted class matches an integer label."""

    def __init__(
        self, name: str = "sparse_categorical_accuracy", dtype: DTypeLike | None = None
    ) -> None:
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}
