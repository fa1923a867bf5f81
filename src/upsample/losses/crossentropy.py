"""Binary, categorical and sparse categorical cross-entropy, with VJPs.

Formulas and order of operations are those of ``keras/src/losses/losses.py``
and the JAX backend (``keras/src/backend/jax/nn.py``): probabilities are clipped
to ``[eps, 1 - eps]`` (eps = 1e-7), so the loss is finite at saturated
predictions and its gradient is zero where the clip is active; logits use the
stable log-sigmoid / log-softmax forms.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import ArrayLike

from upsample.losses.functional import (
    PerSample,
    as_prediction,
    as_target,
    check_same_shape,
    clip_probabilities,
    log_sigmoid,
    log_sigmoid_derivative,
    mean_over,
)
from upsample.losses.reduction import Array, Backward

# --------------------------------------------------------------------------- binary


def binary_crossentropy_vjp(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> PerSample:
    """``mean(-(t log p + (1 - t) log(1 - p)), axis)`` and its VJP with respect to `y_pred`.

    Label smoothing moves targets towards 1/2: ``t (1 - ls) + ls / 2``.
    """
    pred = as_prediction(y_pred)
    target = as_target(y_true, pred)
    if label_smoothing:
        target = target * (1.0 - label_smoothing) + 0.5 * label_smoothing
    check_same_shape(target, pred)
    elementwise, elementwise_backward = (
        _binary_from_logits(target, pred)
        if from_logits
        else _binary_from_probabilities(target, pred)
    )
    values, mean_backward = mean_over(elementwise, axis)
    return PerSample(values, lambda cotangent: elementwise_backward(mean_backward(cotangent)))


def _binary_from_probabilities(target: Array, output: Array) -> tuple[Array, Backward]:
    clipped, clip_derivative = clip_probabilities(output)
    one = output.dtype.type(1)
    bce = target * np.log(clipped)
    bce += (one - target) * np.log(one - clipped)

    def backward(cotangent: Array) -> Array:
        g = -cotangent
        grad = (g * target) / clipped - (g * (one - target)) / (one - clipped)
        return grad * clip_derivative

    return -bce, backward


def _binary_from_logits(target: Array, logits: Array) -> tuple[Array, Backward]:
    one = logits.dtype.type(1)
    values = -one * target * log_sigmoid(logits) - (one - target) * log_sigmoid(-logits)

    def backward(cotangent: Array) -> Array:
        # d/dx [-t log_sigmoid(x) - (1 - t) log_sigmoid(-x)] = sigmoid(x) - t, in
        # the two-term form JAX's autodiff evaluates.
        positive = log_sigmoid_derivative(logits)
        negative = log_sigmoid_derivative(-logits)
        return cotangent * (-target) * positive + cotangent * (one - target) * negative

    return values, backward


# --------------------------------------------------------------------------- categorical


def categorical_crossentropy_vjp(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> PerSample:
    """``-sum(t * log p, axis)`` with p normalised to sum to 1, and its VJP.

    Label smoothing moves one-hot targets towards uniform: ``t (1 - ls) + ls / C``.
    """
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type bool")
    pred = as_prediction(y_pred)
    target = as_target(y_true, pred)
    if pred.shape[-1:] == (1,):
        warnings.warn(
            "In loss categorical_crossentropy, expected y_pred.shape to be "
            f"(batch_size, num_classes) with num_classes > 1. Received: y_pred.shape={pred.shape}. "
            "Consider using 'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=2,
        )
    if label_smoothing:
        classes = pred.dtype.type(target.shape[-1])
        target = target * (1.0 - label_smoothing) + (label_smoothing / classes)
    check_same_shape(target, pred)
    if target.ndim < 1:
        raise ValueError(
            "Arguments `target` and `output` must be at least rank 1. "
            f"Received: target.shape={target.shape}, output.shape={pred.shape}"
        )
    return _categorical(target, pred, from_logits, axis)


def _categorical(target: Array, output: Array, from_logits: bool, axis: int) -> PerSample:
    """``-sum(target * log_prob, axis)``: the core shared by the dense and sparse forms."""
    log_prob, log_prob_backward = (
        _log_softmax(output, axis) if from_logits else _log_normalized(output, axis)
    )
    values = -np.sum(target * log_prob, axis=axis)

    def backward(cotangent: Array) -> Array:
        g = np.expand_dims(-np.asarray(cotangent, dtype=output.dtype), axis)
        return log_prob_backward(g * target)

    return PerSample(values, backward)


def _log_softmax(logits: Array, axis: int) -> tuple[Array, Backward]:
    shifted = logits - np.max(logits, axis=axis, keepdims=True)
    log_prob = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))

    def backward(g: Array) -> Array:
        return g - np.exp(log_prob) * np.sum(g, axis=axis, keepdims=True)

    return log_prob, backward


def _log_normalized(output: Array, axis: int) -> tuple[Array, Backward]:
    """``log(clip(p / sum(p, axis)))``: Keras renormalises probabilities first."""
    total = np.sum(output, axis=axis, keepdims=True)
    normalized = output / total
    clipped, clip_derivative = clip_probabilities(normalized)

    def backward(g: Array) -> Array:
        g_normalized = (g / clipped) * clip_derivative
        # Through p / S: d/dp = g / S, and S = sum(p) receives -sum(g p / S^2).
        g_total = np.sum((-g_normalized * output) * (total**-2), axis=axis, keepdims=True)
        return g_normalized / total + g_total

    return np.log(clipped), backward


# --------------------------------------------------------------------------- sparse


def sparse_categorical_crossentropy_vjp(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    from_logits: bool = False,
    ignore_class: int | None = None,
    axis: int = -1,
) -> PerSample:
    """Categorical cross-entropy with integer class labels, and its VJP.

    Labels outside ``[0, C)`` select no class (loss 0), as JAX's ``one_hot``
    does.  With `ignore_class`, those labels get loss 0, no gradient, and a mask
    that makes the mean reductions skip them.
    """
    pred = as_prediction(y_pred)
    labels = np.asarray(y_true)
    if labels.ndim == pred.ndim and labels.shape[axis] == 1:
        labels = np.squeeze(labels, axis=axis)
    if pred.ndim < 1:
        raise ValueError(f"Argument `output` must be at least rank 1. Received: {pred.shape}")
    class_axis = axis % pred.ndim
    expected = pred.shape[:class_axis] + pred.shape[class_axis + 1 :]
    if labels.shape != expected:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape up until the class "
            f"axis: target.shape={labels.shape}, output.shape={pred.shape}"
        )
    if ignore_class is None:
        return _categorical(_one_hot(labels, pred, class_axis), pred, from_logits, class_axis)
    valid = labels.astype(pred.dtype) != pred.dtype.type(ignore_class)
    keep = np.expand_dims(valid, class_axis)
    # Ignored rows are zeroed before the loss (0/0 there is discarded below).
    with np.errstate(invalid="ignore", divide="ignore"):
        core = _categorical(
            _one_hot(np.where(valid, labels, 0), pred, class_axis),
            np.where(keep, pred, pred.dtype.type(0)),
            from_logits,
            class_axis,
        )
        values = np.where(valid, core.values, pred.dtype.type(0))

    def backward(cotangent: Array) -> Array:
        with np.errstate(invalid="ignore", divide="ignore"):
            grad = core.backward(np.where(valid, cotangent, 0))
        return np.where(keep, grad, pred.dtype.type(0))

    return PerSample(values, backward, valid)


def _one_hot(labels: Array, like: Array, axis: int) -> Array:
    # Float labels are truncated to int32, as ``jnp.array(target, dtype="int32")``.
    classes = np.arange(like.shape[axis]).reshape((-1,) + (1,) * (like.ndim - axis - 1))
    return (np.expand_dims(labels.astype(np.int32), axis) == classes).astype(like.dtype)


# --------------------------------------------------------------------------- values only


def binary_crossentropy(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Array:
    """Per-sample binary cross-entropy (mean over `axis`)."""
    return binary_crossentropy_vjp(y_true, y_pred, from_logits, label_smoothing, axis).values


def categorical_crossentropy(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Array:
    """Per-sample categorical cross-entropy (sum over `axis`)."""
    return categorical_crossentropy_vjp(y_true, y_pred, from_logits, label_smoothing, axis).values


def sparse_categorical_crossentropy(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    from_logits: bool = False,
    ignore_class: int | None = None,
    axis: int = -1,
) -> Array:
    """Per-sample categorical cross-entropy of integer labels."""
    return sparse_categorical_crossentropy_vjp(
        y_true, y_pred, from_logits, ignore_class, axis
    ).values
