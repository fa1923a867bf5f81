"""Loss gradients against float64 central finite differences."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from support.gradcheck import assert_vjp_matches_numerical
from upsample import losses
from upsample.losses import Loss

F64 = "float64"


def probabilities(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Away from the clip at 1e-7, where the loss is not differentiable."""
    return rng.uniform(0.05, 0.95, shape)


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def assert_loss_gradient(
    loss: Loss,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    rng: np.random.Generator,
    sample_weight: np.ndarray | None = None,
) -> None:
    assert_vjp_matches_numerical(
        lambda p: np.asarray(loss(y_true, p, sample_weight=sample_weight)),
        lambda cotangent, p: [loss.vjp(y_true, p, cotangent, sample_weight)[1]],
        [y_pred],
        rng,
    )


BINARY_CASES: list[tuple[str, Callable[..., Loss]]] = [
    ("probabilities", lambda **kw: losses.BinaryCrossentropy(dtype=F64, **kw)),
    ("logits", lambda **kw: losses.BinaryCrossentropy(from_logits=True, dtype=F64, **kw)),
    ("smoothed", lambda **kw: losses.BinaryCrossentropy(label_smoothing=0.2, dtype=F64, **kw)),
    (
        "smoothed logits",
        lambda **kw: losses.BinaryCrossentropy(
            from_logits=True, label_smoothing=0.1, dtype=F64, **kw
        ),
    ),
]


@pytest.mark.parametrize(("case", "make"), BINARY_CASES, ids=[c for c, _ in BINARY_CASES])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none", "mean"])
def test_binary_crossentropy(
    case: str, make: Callable[..., Loss], reduction: str, rng: np.random.Generator
) -> None:
    shape = (3, 4, 4, 2)
    y_true = rng.uniform(0, 1, shape)
    y_pred = rng.standard_normal(shape) * 3 if "logits" in case else probabilities(rng, shape)
    assert_loss_gradient(make(reduction=reduction), y_true, y_pred, rng)


def test_binary_crossentropy_over_another_axis(rng: np.random.Generator) -> None:
    y_true, y_pred = rng.uniform(0, 1, (2, 5, 3)), probabilities(rng, (2, 5, 3))
    assert_loss_gradient(losses.BinaryCrossentropy(axis=1, dtype=F64), y_true, y_pred, rng)


@pytest.mark.parametrize("make", [losses.MeanSquaredError, losses.MeanAbsoluteError])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "none"])
def test_regression_losses(
    make: Callable[..., Loss], reduction: str, rng: np.random.Generator
) -> None:
    y_true, y_pred = rng.standard_normal((4, 3, 2)), rng.standard_normal((4, 3, 2))
    assert_loss_gradient(make(reduction=reduction, dtype=F64), y_true, y_pred, rng)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_categorical_crossentropy(
    from_logits: bool, label_smoothing: float, rng: np.random.Generator
) -> None:
    y_true = np.eye(5)[rng.integers(0, 5, (4, 3))]
    logits = rng.standard_normal((4, 3, 5))
    y_pred = logits if from_logits else softmax(logits) * rng.uniform(0.5, 2.0, (4, 3, 1))
    loss = losses.CategoricalCrossentropy(
        from_logits=from_logits, label_smoothing=label_smoothing, dtype=F64
    )
    assert_loss_gradient(loss, y_true, y_pred, rng)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("ignore_class", [None, 2])
def test_sparse_categorical_crossentropy(
    from_logits: bool, ignore_class: int | None, rng: np.random.Generator
) -> None:
    labels = rng.integers(0, 4, (6, 1)).astype(np.float64)
    labels[0] = 2  # at least one ignored label when ignore_class=2
    logits = rng.standard_normal((6, 4))
    y_pred = logits if from_logits else softmax(logits)
    loss = losses.SparseCategoricalCrossentropy(
        from_logits=from_logits, ignore_class=ignore_class, dtype=F64
    )
    assert_loss_gradient(loss, labels, y_pred, rng)


@pytest.mark.parametrize(
    "sample_weight", [np.array([0.5, 2.0, 0.0]), np.array([[1.0], [3.0], [0.25]]), np.array(2.0)]
)
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "mean_with_sample_weight", "sum"])
def test_sample_weights(
    sample_weight: np.ndarray, reduction: str, rng: np.random.Generator
) -> None:
    y_true, y_pred = rng.uniform(0, 1, (3, 4)), probabilities(rng, (3, 4))
    loss = losses.BinaryCrossentropy(reduction=reduction, dtype=F64)
    assert_loss_gradient(loss, y_true, y_pred, rng, sample_weight)


def test_targets_of_rank_one_meet_predictions_of_shape_n_by_1(rng: np.random.Generator) -> None:
    y_true, y_pred = rng.uniform(0, 1, (5,)), probabilities(rng, (5, 1))
    assert_loss_gradient(losses.MeanSquaredError(dtype=F64), y_true, y_pred, rng)
    assert_loss_gradient(losses.BinaryCrossentropy(dtype=F64), y_true, y_pred, rng)


@pytest.mark.parametrize(
    "function_vjp",
    [
        losses.crossentropy.binary_crossentropy_vjp,
        losses.regression.mean_squared_error_vjp,
        losses.regression.mean_absolute_error_vjp,
    ],
)
def test_per_sample_functions(
    function_vjp: Callable[..., losses.PerSample], rng: np.random.Generator
) -> None:
    y_true, y_pred = rng.uniform(0, 1, (2, 3, 4)), probabilities(rng, (2, 3, 4))
    assert_vjp_matches_numerical(
        lambda p: function_vjp(y_true, p).values,
        lambda cotangent, p: [function_vjp(y_true, p).backward(cotangent)],
        [y_pred],
        rng,
    )
