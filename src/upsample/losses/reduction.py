"""Shape matching and reduction of per-sample losses (``keras/src/losses/loss.py``).

Every function here returns its result together with a ``backward`` closure,
the vector-Jacobian product that maps a cotangent of the result to the gradient
with respect to the per-sample values, so that losses can be trained through.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

Array = NDArray[Any]
Backward = Callable[[Array], Array]

REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


def standardize_reduction(reduction: str | None) -> str | None:
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"Invalid value for argument `reduction`. Expected one of {REDUCTIONS}. "
            f"Received: reduction={reduction!r}"
        )
    return reduction


def squeeze_or_expand_to_same_rank(
    x1: Array, x2: Array, expand_rank_1: bool = True
) -> tuple[Array, Array]:
    """Make ranks equal by dropping (or, for rank 1, adding) a trailing axis of size 1.

    Only a rank difference of one with a trailing 1 is fixed; anything else is
    returned as is (Keras's rule, which lets ``(N,)`` targets meet ``(N, 1)``
    predictions).
    """
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1 and expand_rank_1:
            return x1, x2[..., np.newaxis]
        return x1[..., 0], x2
    if x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1 and expand_rank_1:
            return x1[..., np.newaxis], x2
        return x1, x2[..., 0]
    return x1, x2


def unbroadcast(grad: Array, shape: tuple[int, ...]) -> Array:
    """Sum `grad` over the axes that broadcasting added to an array of `shape`."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    axes = tuple(i for i, (g, s) in enumerate(zip(grad.shape, shape)) if s == 1 and g != 1)
    return grad.sum(axis=axes, keepdims=True) if axes else grad


def apply_mask(
    sample_weight: Array | None, mask: Array | None, dtype: DTypeLike, reduction: str | None
) -> Array | None:
    """Merge a validity mask into the sample weights.

    For the mean reductions the valid entries get weight ``total / valid``, so
    that the mean divides by the number of valid entries only.
    """
    if mask is None:
        return sample_weight
    if reduction in ("mean", "sum_over_batch_size"):
        total = np.asarray(mask.size, dtype=dtype)
        valid = np.sum(mask, dtype=dtype)
        weight = divide_no_nan(total, valid)
        float_mask = np.where(mask.astype(bool), weight, np.asarray(0, dtype=dtype))
    else:
        float_mask = mask.astype(dtype)
    if sample_weight is None:
        return float_mask
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(
        float_mask, sample_weight.astype(dtype)
    )
    return sample_weight * float_mask


def reduce_weighted_values(
    values: ArrayLike,
    sample_weight: ArrayLike | None = None,
    mask: Array | None = None,
    reduction: str | None = "sum_over_batch_size",
    dtype: DTypeLike = np.float32,
) -> tuple[Array, Backward]:
    """Weight the per-sample `values` and reduce them, with the VJP of the result.

    ``sum_over_batch_size`` (Keras's default) divides the weighted sum by the
    number of values, not by the sum of the weights.
    """
    reduction = standardize_reduction(reduction)
    values = np.asarray(values, dtype=dtype)
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=dtype)
    weights = apply_mask(weights, mask, dtype, reduction)
    if weights is None:
        loss, reduce_backward = _reduce_values(values, None, reduction)
        return loss, reduce_backward
    matched, weights = squeeze_or_expand_to_same_rank(values, weights)
    loss, reduce_backward = _reduce_values(matched * weights, weights, reduction)

    def backward(cotangent: Array) -> Array:
        grad = unbroadcast(reduce_backward(cotangent) * weights, matched.shape)
        return grad.reshape(values.shape)

    return loss, backward


def _reduce_values(
    values: Array, sample_weight: Array | None, reduction: str | None
) -> tuple[Array, Backward]:
    if reduction in (None, "none") or values.shape in ((), (0,)):
        return values, lambda cotangent: np.asarray(cotangent, dtype=values.dtype)
    loss = np.sum(values)
    scale: Any = None
    if reduction != "sum":
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            divisor = np.sum(sample_weight)
        else:
            divisor = values.dtype.type(values.size)
        loss, scale = divide_no_nan(loss, divisor), divisor

    def backward(cotangent: Array) -> Array:
        cotangent = np.asarray(cotangent, dtype=values.dtype)
        if scale is not None:
            cotangent = divide_no_nan(cotangent, scale)
        return np.broadcast_to(cotangent, values.shape)

    return np.asarray(loss, dtype=values.dtype), backward


def divide_no_nan(x: Any, y: Any) -> Any:
    """``x / y``, or 0 where y is 0 (Keras's `ops.divide_no_nan`; its gradient is 0 there too)."""
    y = np.asarray(y)
    safe = np.where(y == 0, np.ones_like(y), y)
    return np.where(y == 0, np.zeros_like(x / safe), x / safe)
