"""Building blocks shared by the loss functions: dtype handling and differentiable means.

A ``*_vjp`` loss function returns `PerSample`: the per-sample values, the
backward closure (cotangent of the values -> gradient with respect to
``y_pred``), and an optional validity mask that the reduction honours (Keras
attaches it to the tensor; NumPy arrays have nowhere to keep it).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from upsample import config
from upsample.losses.reduction import Array, Backward


class PerSample(NamedTuple):
    values: Array
    backward: Backward
    mask: Array | None = None


def as_prediction(y_pred: ArrayLike) -> Array:
    """`y_pred` as an array of its own float type (`config.floatx()` for other types)."""
    array = np.asarray(y_pred)
    if np.issubdtype(array.dtype, np.floating):
        return array
    return array.astype(config.floatx())


def as_target(y_true: ArrayLike, like: Array) -> Array:
    """`y_true` cast to the float type of the predictions, as Keras's ``ops.cast``."""
    return np.asarray(y_true).astype(like.dtype)


def mean_over(x: Array, axis: int) -> tuple[Array, Backward]:
    """``mean(x, axis)`` and its VJP (JAX's: the cotangent divided by n, then broadcast)."""
    values = np.mean(x, axis=axis)  # an axis out of range raises numpy's AxisError here
    n = x.shape[axis]

    def backward(cotangent: Array) -> Array:
        scaled = np.expand_dims(np.asarray(cotangent, dtype=x.dtype) / x.dtype.type(n), axis)
        return np.broadcast_to(scaled, x.shape)

    return values, backward


def clip_probabilities(p: Array) -> tuple[Array, Array]:
    """``clip(p, eps, 1 - eps)`` and the derivative of the clip at `p`.

    JAX's ``jnp.clip`` is ``minimum(hi, maximum(lo, p))`` and JAX splits the
    gradient of ``maximum``/``minimum`` evenly at ties, so the derivative is 1
    strictly inside, 1/2 at exactly ``eps`` or ``1 - eps``, 0 outside.
    """
    eps = config.epsilon()
    lo, hi = p.dtype.type(eps), p.dtype.type(1.0 - eps)
    inside = ((p > lo) & (p < hi)).astype(p.dtype)
    at_bound = ((p == lo) | (p == hi)).astype(p.dtype)
    return np.clip(p, lo, hi), inside + p.dtype.type(0.5) * at_bound


def log_sigmoid_derivative(x: Array) -> Array:
    """``d/dx log_sigmoid(x) = sigmoid(-x)``, evaluated as JAX's `logaddexp` rule does it.

    ``exp(-x - softplus(-x))`` is stable for either sign of x.
    """
    return np.exp(-x - np.logaddexp(-x, x.dtype.type(0)))


def log_sigmoid(x: Array) -> Array:
    """``-softplus(-x)``, stable for large |x|."""
    return -np.logaddexp(-x, x.dtype.type(0))


def restore_shape(backward: Backward, shape: tuple[int, ...]) -> Backward:
    """`backward`, reshaped to `shape` (undoing a squeeze or an added trailing axis)."""

    def reshaped(cotangent: Array) -> Array:
        return np.reshape(backward(cotangent), shape)

    return reshaped


def check_same_shape(target: Array, output: Array) -> None:
    if target.shape != output.shape:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. "
            f"Received: target.shape={target.shape}, output.shape={output.shape}"
        )
