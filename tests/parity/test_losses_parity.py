"""Loss values and gradients against Keras 3 (JAX backend): ``jax.vjp`` through the Keras loss.

Inputs are random, with saturated predictions mixed in: exactly 0 and 1, exactly
the clip bounds 1e-7 and 1 - 1e-7 (where JAX halves the gradient), and values
just inside them.  Keras's transcendental functions (XLA's ``log``, ``exp``)
and sums differ from NumPy's in the last bits, so values and gradients are
compared to 4 float32 ulps of their scale (2 suffice on the CI machine).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from support.reference import KerasReference, KerasRejected
from upsample import losses
from upsample.losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Loss,
    MeanAbsoluteError,
    MeanSquaredError,
    SparseCategoricalCrossentropy,
)

ULP = 2.0**-23
EPS32 = np.float32(1e-7)
SATURATED = np.array(
    [0.0, 1.0, EPS32, np.float32(1 - 1e-7), np.nextafter(EPS32, 1), 1e-9, 0.9999999], np.float32
)


def probabilities(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    p = rng.uniform(0, 1, shape).astype(np.float32)
    flat = p.reshape(-1)
    where = rng.choice(flat.size, size=min(flat.size // 3, 3 * SATURATED.size), replace=False)
    flat[where] = np.resize(SATURATED, where.size)
    return p


def assert_close(ours: np.ndarray, theirs: np.ndarray, what: str, ulps: float = 4) -> None:
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} != {theirs.shape}"
    scale = float(np.abs(theirs).max(initial=0.0))
    np.testing.assert_allclose(ours, theirs, rtol=ulps * ULP, atol=ulps * ULP * scale, err_msg=what)


def compare(
    reference: KerasReference,
    loss: Loss,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    sample_weight: np.ndarray | None = None,
) -> None:
    serialized = losses.serialize(loss)
    cotangent = None
    if loss.reduction in (None, "none"):
        cotangent = np.random.default_rng(0).standard_normal(
            np.shape(loss(y_true, y_pred, sample_weight))
        )
        value, grad = loss.vjp(y_true, y_pred, cotangent, sample_weight)
    else:
        value, grad = loss.value_and_grad(y_true, y_pred, sample_weight)
    keras_value, keras_grad = reference(
        "support.keras_side_optim:loss_value_and_grad",
        serialized,
        y_true,
        y_pred,
        sample_weight,
        cotangent,
    ).output
    assert_close(value, keras_value, "value")
    assert_close(grad, keras_grad, "gradient")


BINARY_LOSSES = [
    BinaryCrossentropy(),
    BinaryCrossentropy(label_smoothing=0.1),
    BinaryCrossentropy(from_logits=True),
    BinaryCrossentropy(from_logits=True, label_smoothing=0.25),
    BinaryCrossentropy(axis=1),
    BinaryCrossentropy(reduction="sum"),
    BinaryCrossentropy(reduction="none"),
    BinaryCrossentropy(reduction="mean_with_sample_weight"),
    MeanSquaredError(),
    MeanAbsoluteError(),
    MeanSquaredError(reduction="none"),
]


def loss_id(loss: Loss) -> str:
    config = loss.get_config()
    extras = [f"{k}={v}" for k, v in config.items() if k not in ("name",)]
    return f"{type(loss).__name__}({', '.join(extras)})"


@pytest.mark.parametrize("loss", BINARY_LOSSES, ids=loss_id)
@pytest.mark.parametrize(
    ("shape", "weights"),
    [((4, 6, 6, 1), None), ((8, 3), None), ((8, 3), "per-sample"), ((5,), None)],
    ids=["images", "vectors", "weighted", "rank-1"],
)
def test_binary_and_regression_losses(
    keras_reference: KerasReference, loss: Loss, shape: tuple[int, ...], weights: str | None
) -> None:
    rng = np.random.default_rng(sum(shape) + (weights is not None))
    logits = getattr(loss, "from_logits", False)
    y_true = rng.choice([0.0, 1.0, 0.3], shape).astype(np.float32)
    y_pred = (
        (rng.standard_normal(shape) * 4).astype(np.float32) if logits else probabilities(rng, shape)
    )
    sample_weight = rng.uniform(0, 2, shape[0]).astype(np.float32) if weights else None
    if getattr(loss, "axis", -1) >= len(shape):  # both reject an axis out of range
        with pytest.raises(ValueError, match="axis"):
            loss(y_true, y_pred)
        with pytest.raises(KerasRejected):
            keras_reference(
                "support.keras_side_optim:loss_value_and_grad",
                losses.serialize(loss),
                y_true,
                y_pred,
            )
        return
    compare(keras_reference, loss, y_true, y_pred, sample_weight)


def test_targets_of_rank_one_against_predictions_of_shape_n_by_1(
    keras_reference: KerasReference,
) -> None:
    rng = np.random.default_rng(1)
    y_true = rng.choice([0.0, 1.0], 6).astype(np.float32)
    y_pred = probabilities(rng, (6, 1))
    for loss in (BinaryCrossentropy(), MeanSquaredError(), MeanAbsoluteError()):
        compare(keras_reference, loss, y_true, y_pred)


@pytest.mark.parametrize(
    "loss",
    [
        CategoricalCrossentropy(),
        CategoricalCrossentropy(label_smoothing=0.1),
        CategoricalCrossentropy(from_logits=True),
        CategoricalCrossentropy(from_logits=True, label_smoothing=0.2, reduction="sum"),
    ],
    ids=loss_id,
)
def test_categorical_crossentropy(keras_reference: KerasReference, loss: Loss) -> None:
    rng = np.random.default_rng(2)
    y_true = np.eye(5, dtype=np.float32)[rng.integers(0, 5, (6, 3))]
    if getattr(loss, "from_logits", False):
        y_pred = (rng.standard_normal((6, 3, 5)) * 3).astype(np.float32)
    else:
        y_pred = rng.uniform(0, 1, (6, 3, 5)).astype(np.float32)
        y_pred[0, 0] = [0.0, 1.0, 0.0, 0.0, 0.0]  # saturated: clipped after normalising
        y_pred[1, 1, 2] = 0.0
    compare(keras_reference, loss, y_true, y_pred)
    compare(keras_reference, loss, y_true, y_pred, rng.uniform(0, 1, (6, 3)).astype(np.float32))
    # Weights of shape (6,) against values of shape (6, 3) broadcast against the
    # last axis, which fails in Keras and here alike.
    per_sample = rng.uniform(0, 1, 6).astype(np.float32)
    with pytest.raises(ValueError, match="broadcast"):
        loss(y_true, y_pred, per_sample)
    with pytest.raises(KerasRejected):
        keras_reference(
            "support.keras_side_optim:loss_value_and_grad",
            losses.serialize(loss),
            y_true,
            y_pred,
            per_sample,
        )


@pytest.mark.parametrize(
    "loss",
    [
        SparseCategoricalCrossentropy(),
        SparseCategoricalCrossentropy(from_logits=True),
        SparseCategoricalCrossentropy(ignore_class=1),
        SparseCategoricalCrossentropy(from_logits=True, ignore_class=0, reduction="sum"),
    ],
    ids=loss_id,
)
@pytest.mark.parametrize("label_shape", [(7,), (7, 1)])
def test_sparse_categorical_crossentropy(
    keras_reference: KerasReference, loss: Loss, label_shape: tuple[int, ...]
) -> None:
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 4, label_shape).astype(np.float32)
    if getattr(loss, "from_logits", False):
        y_pred = rng.standard_normal((7, 4)).astype(np.float32)
    else:
        y_pred = rng.uniform(0, 1, (7, 4)).astype(np.float32)
        y_pred[2] = [0.0, 0.0, 1.0, 0.0]
    compare(keras_reference, loss, labels, y_pred)


@pytest.mark.parametrize(
    ("function", "kwargs"),
    [
        ("binary_crossentropy", {}),
        ("binary_crossentropy", {"label_smoothing": 0.3}),
        ("binary_crossentropy", {"from_logits": True}),
        ("mean_squared_error", {}),
        ("mean_absolute_error", {}),
        ("categorical_crossentropy", {}),
        ("categorical_crossentropy", {"from_logits": True, "label_smoothing": 0.1}),
    ],
)
def test_per_sample_functions(
    keras_reference: KerasReference, function: str, kwargs: dict[str, Any]
) -> None:
    rng = np.random.default_rng(4)
    shape = (3, 4, 5)
    y_true = (
        np.eye(5, dtype=np.float32)[rng.integers(0, 5, shape[:-1])]
        if function.startswith("categorical")
        else rng.choice([0.0, 1.0, 0.5], shape).astype(np.float32)
    )
    y_pred = (
        rng.standard_normal(shape).astype(np.float32)
        if kwargs.get("from_logits")
        else probabilities(rng, shape)
    )
    y_pred[0, 0, 0] = y_true[0, 0, 0]  # an exact match: |d| at 0 for the MAE gradient
    cotangent = rng.standard_normal(shape[:-1]).astype(np.float32)
    theirs = keras_reference(
        f"keras.losses.{function}", y_true, y_pred, cotangent=cotangent, **kwargs
    )
    function_vjp = getattr(losses.crossentropy, f"{function}_vjp", None) or getattr(
        losses.regression, f"{function}_vjp"
    )
    values, backward, _ = function_vjp(y_true, y_pred, **kwargs)
    assert_close(values, theirs.output, "values")
    assert theirs.grads is not None
    assert_close(backward(cotangent), theirs.grads[1], "gradient")


@pytest.mark.parametrize(
    "loss",
    [
        BinaryCrossentropy(),
        BinaryCrossentropy(
            from_logits=True, label_smoothing=0.1, axis=2, reduction="sum", name="b"
        ),
        CategoricalCrossentropy(label_smoothing=0.2, reduction=None),
        SparseCategoricalCrossentropy(from_logits=True, ignore_class=3),
        MeanSquaredError(reduction="mean"),
        MeanAbsoluteError(name="l1"),
        losses.compile_loss("mse"),
    ],
    ids=loss_id,
)
def test_keras_loads_our_loss_configs(keras_reference: KerasReference, loss: Loss) -> None:
    serialized = losses.serialize(loss)
    roundtrip = keras_reference("support.keras_side_optim:roundtrip_config", "losses", serialized)
    if type(loss).__name__ == "LossFunctionWrapper":
        # Keras names the wrapper's module after its source file.
        assert roundtrip.output["config"] == serialized["config"]
    else:
        assert roundtrip.output == serialized
