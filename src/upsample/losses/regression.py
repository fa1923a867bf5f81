"""Mean squared and mean absolute error (``keras/src/losses/losses.py``), with VJPs."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from upsample.losses.functional import (
    PerSample,
    as_prediction,
    as_target,
    mean_over,
    restore_shape,
)
from upsample.losses.reduction import Array, squeeze_or_expand_to_same_rank


def mean_squared_error_vjp(y_true: ArrayLike, y_pred: ArrayLike) -> PerSample:
    """``mean((y_true - y_pred)**2, axis=-1)`` and its VJP with respect to `y_pred`."""
    pred = as_prediction(y_pred)
    true, matched = squeeze_or_expand_to_same_rank(as_target(y_true, pred), pred)
    diff = true - matched
    values, mean_backward = mean_over(np.square(diff), -1)

    def backward(cotangent: Array) -> Array:
        return -(mean_backward(cotangent) * (diff.dtype.type(2) * diff))

    return PerSample(values, restore_shape(backward, pred.shape))


def mean_absolute_error_vjp(y_true: ArrayLike, y_pred: ArrayLike) -> PerSample:
    """``mean(|y_true - y_pred|, axis=-1)`` and its VJP with respect to `y_pred`."""
    pred = as_prediction(y_pred)
    true, matched = squeeze_or_expand_to_same_rank(as_target(y_true, pred), pred)
    diff = true - matched
    values, mean_backward = mean_over(np.abs(diff), -1)
    # JAX differentiates |d| as +1 at d == 0 (``select(d >= 0, g, -g)``), not 0.
    sign = np.where(diff >= 0, diff.dtype.type(1), diff.dtype.type(-1))

    def backward(cotangent: Array) -> Array:
        return -(mean_backward(cotangent) * sign)

    return PerSample(values, restore_shape(backward, pred.shape))


def mean_squared_error(y_true: ArrayLike, y_pred: ArrayLike) -> Array:
    """Per-sample mean squared error over the last axis."""
    return mean_squared_error_vjp(y_true, y_pred).values


def mean_absolute_error(y_true: ArrayLike, y_pred: ArrayLike) -> Array:
    """Per-sample mean absolute error over the last axis."""
    return mean_absolute_error_vjp(y_true, y_pred).values
