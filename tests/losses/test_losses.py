"""Losses: formulas on small examples, clipping, reductions, errors, configs and names."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from upsample import losses
from upsample.losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Loss,
    LossFunctionWrapper,
    MeanAbsoluteError,
    MeanSquaredError,
    SparseCategoricalCrossentropy,
)

EPS = 1e-7


def bce(t: float, p: float) -> float:
    p = min(max(p, EPS), 1 - EPS)
    return -(t * math.log(p) + (1 - t) * math.log(1 - p))


# --------------------------------------------------------------------------- formulas


def test_binary_crossentropy_is_the_mean_over_the_last_axis_then_over_everything() -> None:
    y_true = np.array([[0.0, 1.0], [1.0, 1.0]], np.float32)
    y_pred = np.array([[0.2, 0.6], [0.9, 0.4]], np.float32)
    per_sample = [(bce(0, 0.2) + bce(1, 0.6)) / 2, (bce(1, 0.9) + bce(1, 0.4)) / 2]
    np.testing.assert_allclose(losses.binary_crossentropy(y_true, y_pred), per_sample, rtol=1e-6)
    assert BinaryCrossentropy()(y_true, y_pred) == pytest.approx(np.mean(per_sample), rel=1e-6)


def test_image_targets_are_averaged_over_pixels() -> None:
    """Seed autoencoders: (N, 28, 28, 1) images; the loss is the mean over N * 28 * 28."""
    rng = np.random.default_rng(0)
    y_true = rng.uniform(0, 1, (2, 28, 28, 1)).astype(np.float32)
    y_pred = rng.uniform(0.01, 0.99, (2, 28, 28, 1)).astype(np.float32)
    elementwise = -(y_true * np.log(y_pred) + (1 - y_true) * np.log(1 - y_pred))
    assert losses.binary_crossentropy(y_true, y_pred).shape == (2, 28, 28)
    loss, grad = BinaryCrossentropy().value_and_grad(y_true, y_pred)
    assert loss == pytest.approx(float(elementwise.mean()), rel=1e-5)
    t, p = y_true.astype(np.float64), y_pred.astype(np.float64)
    expected = (-(t / p) + (1 - t) / (1 - p)) / t.size
    # The two terms cancel where p is near t: compare on the terms' scale.
    np.testing.assert_allclose(grad, expected, rtol=1e-5, atol=1e-6 * np.abs(expected).max())
    assert grad.shape == y_pred.shape and grad.dtype == np.float32


def test_label_smoothing_moves_targets_towards_one_half() -> None:
    y_true, y_pred = np.array([[1.0, 0.0]]), np.array([[0.7, 0.2]])
    smoothed = BinaryCrossentropy(label_smoothing=0.2)(y_true, y_pred)
    assert smoothed == pytest.approx((bce(0.9, 0.7) + bce(0.1, 0.2)) / 2, rel=1e-6)


def test_from_logits_equals_probabilities_of_the_sigmoid() -> None:
    logits = np.array([[-3.0, 0.5, 2.0]], np.float32)
    y_true = np.array([[0.0, 1.0, 1.0]], np.float32)
    probabilities = 1 / (1 + np.exp(-logits))
    assert BinaryCrossentropy(from_logits=True)(y_true, logits) == pytest.approx(
        BinaryCrossentropy()(y_true, probabilities), rel=1e-6
    )
    _, grad = BinaryCrossentropy(from_logits=True).value_and_grad(y_true, logits)
    np.testing.assert_allclose(grad, (probabilities - y_true) / 3, rtol=1e-6)


def test_from_logits_is_stable_for_huge_logits() -> None:
    logits = np.array([[-1000.0, 1000.0]], np.float32)
    loss, grad = BinaryCrossentropy(from_logits=True).value_and_grad([[1.0, 0.0]], logits)
    assert loss == pytest.approx(1000.0)
    np.testing.assert_allclose(grad, [[-0.5, 0.5]])


def test_regression_losses() -> None:
    y_true, y_pred = np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([[2.0, 0.0], [0.0, 1.0]])
    np.testing.assert_allclose(losses.mean_squared_error(y_true, y_pred), [2.5, 0.5])
    np.testing.assert_allclose(losses.mean_absolute_error(y_true, y_pred), [1.5, 0.5])
    assert MeanSquaredError()(y_true, y_pred) == pytest.approx(1.5)
    assert MeanAbsoluteError()(y_true, y_pred) == pytest.approx(1.0)


def test_mean_absolute_error_gradient_at_zero_error_is_minus_one() -> None:
    """JAX differentiates |d| as +1 at d == 0, so Keras's gradient there is -1/n, not 0."""
    _, grad = MeanAbsoluteError().value_and_grad([[1.0, 2.0]], [[1.0, 3.0]])
    np.testing.assert_array_equal(grad, [[-0.5, 0.5]])


def test_categorical_crossentropy_renormalises_probabilities() -> None:
    y_true = np.array([[0.0, 1.0, 0.0]])
    scaled = np.array([[0.2, 1.2, 0.6]])  # sums to 2: probabilities 0.1, 0.6, 0.3
    assert losses.categorical_crossentropy(y_true, scaled)[0] == pytest.approx(-math.log(0.6))
    assert CategoricalCrossentropy(label_smoothing=0.3)(y_true, scaled) == pytest.approx(
        -(0.1 * math.log(0.1) + 0.8 * math.log(0.6) + 0.1 * math.log(0.3)), rel=1e-6
    )


def test_categorical_crossentropy_from_logits_is_log_softmax() -> None:
    logits = np.array([[1.0, 2.0, 3.0]])
    expected = -(2.0 - math.log(math.exp(1) + math.exp(2) + math.exp(3)))
    assert CategoricalCrossentropy(from_logits=True)([[0, 1, 0]], logits) == pytest.approx(
        expected, rel=1e-6
    )


def test_categorical_crossentropy_warns_about_a_single_class() -> None:
    with pytest.warns(SyntaxWarning, match="binary_crossentropy"):
        losses.categorical_crossentropy([[1.0]], [[0.5]])


def test_sparse_categorical_crossentropy_takes_labels_of_either_shape() -> None:
    y_pred = np.array([[0.1, 0.6, 0.3], [0.5, 0.25, 0.25]], np.float32)
    expected = [-math.log(0.6), -math.log(0.25)]
    for labels in ([1, 2], [[1], [2]], [1.0, 2.0]):
        np.testing.assert_allclose(
            losses.sparse_categorical_crossentropy(labels, y_pred), expected, rtol=1e-6
        )


def test_out_of_range_labels_select_no_class() -> None:
    """As JAX's one_hot: no class, so a loss of 0 (and no error)."""
    values = losses.sparse_categorical_crossentropy([5, -1], [[0.5, 0.5], [0.5, 0.5]])
    np.testing.assert_array_equal(values, [0.0, 0.0])


def test_ignore_class_is_left_out_of_the_mean() -> None:
    y_pred = np.array([[0.1, 0.9], [0.8, 0.2], [0.5, 0.5]], np.float32)
    labels = np.array([1, 0, -1])
    loss = SparseCategoricalCrossentropy(ignore_class=-1)
    expected = (-math.log(0.9) - math.log(0.8)) / 2
    assert loss(labels, y_pred) == pytest.approx(expected, rel=1e-6)
    value, grad = loss.value_and_grad(labels, y_pred)
    assert value == pytest.approx(expected, rel=1e-6)
    np.testing.assert_array_equal(grad[2], [0.0, 0.0])
    assert np.all(np.isfinite(grad))
    per_sample = losses.sparse_categorical_crossentropy(labels, y_pred, ignore_class=-1)
    assert per_sample[2] == 0.0


# --------------------------------------------------------------------------- clipping


def test_saturated_predictions_give_finite_losses_and_zero_gradients() -> None:
    y_true = np.array([[1.0, 0.0, 1.0, 0.0]], np.float32)
    y_pred = np.array([[0.0, 1.0, 1.0, 0.0]], np.float32)
    loss, grad = BinaryCrossentropy().value_and_grad(y_true, y_pred)
    # float32 clips to [1e-7, 0.99999988]: the upper bound is 1.19e-7 from 1, not 1e-7.
    lo, hi = float(np.float32(EPS)), float(np.float32(1 - EPS))
    expected = (-math.log(lo) - math.log(1 - hi) - math.log(hi) - math.log(1 - lo)) / 4
    assert loss == pytest.approx(expected, rel=1e-5)
    np.testing.assert_array_equal(grad, np.zeros_like(grad))


def test_exactly_at_the_clip_bounds_the_gradient_is_halved() -> None:
    """JAX splits the gradient of max/min evenly at ties, and jnp.clip is max then min."""
    lo, hi = np.float32(EPS), np.float32(1 - EPS)
    y_true = np.array([[0.3, 0.3]], np.float32)
    _, grad = BinaryCrossentropy().value_and_grad(y_true, np.array([[lo, hi]]))
    full = np.array([-(0.3 / lo) + 0.7 / (1 - lo), -(0.3 / hi) + 0.7 / (1 - np.float64(hi))])
    np.testing.assert_allclose(grad[0], 0.5 * full / 2, rtol=1e-5)


# --------------------------------------------------------------------------- reductions


def test_reductions() -> None:
    y_true = np.zeros((2, 3))
    y_pred = np.array([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])  # per-sample MSE 1 and 4
    weights = np.array([1.0, 3.0])
    assert MeanSquaredError()(y_true, y_pred, sample_weight=weights) == pytest.approx(6.5)
    assert MeanSquaredError(reduction="sum")(y_true, y_pred, weights) == pytest.approx(13.0)
    assert MeanSquaredError(reduction="mean_with_sample_weight")(
        y_true, y_pred, weights
    ) == pytest.approx(13.0 / 4)
    np.testing.assert_allclose(MeanSquaredError(reduction="none")(y_true, y_pred, weights), [1, 12])
    np.testing.assert_allclose(MeanSquaredError(reduction=None)(y_true, y_pred), [1, 4])


def test_zero_total_weight_gives_zero_not_nan() -> None:
    loss = MeanSquaredError(reduction="mean_with_sample_weight")
    value, grad = loss.value_and_grad([[0.0]], [[1.0]], sample_weight=[0.0])
    assert value == 0.0
    np.testing.assert_array_equal(grad, [[0.0]])


def test_value_and_grad_needs_a_scalar_loss() -> None:
    with pytest.raises(ValueError, match="reduction='none'"):
        MeanSquaredError(reduction="none").value_and_grad([[0.0]], [[1.0]])
    _, grad = MeanSquaredError(reduction="none").vjp([[0.0], [1.0]], [[1.0], [1.0]], [2.0, 3.0])
    np.testing.assert_allclose(grad, [[4.0], [0.0]])


def test_loss_computes_in_its_dtype() -> None:
    y = np.array([[0.25, 0.5]])
    assert MeanSquaredError(dtype="float64").value_and_grad(y, y * 2)[1].dtype == np.float64
    assert MeanSquaredError().value_and_grad(y, y * 2)[1].dtype == np.float32


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: MeanSquaredError(reduction="avg"), "reduction='avg'"),
        (lambda: BinaryCrossentropy()(np.zeros((2, 3)), np.zeros((2, 4))), "target.shape=(2, 3)"),
        (
            lambda: SparseCategoricalCrossentropy()(np.zeros((2, 3)), np.zeros((2, 4))),
            "target.shape=(2, 3)",
        ),
        (lambda: losses.get("binary_cross_entropy"), "'binary_cross_entropy'"),
        (lambda: losses.get(42), "identifier: 42"),
        (lambda: losses.compile_loss("crossentropy"), "loss='crossentropy'"),
        (lambda: losses.serialize(np.square), "loss=<ufunc 'square'>"),
    ],
)
def test_errors_name_the_argument_and_the_value(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        call()  # type: ignore[operator]


def test_unknown_loss_names_list_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"Known values: .*binary_crossentropy.*mse"):
        losses.get("bce_loss")


def test_a_loss_without_gradient_still_evaluates() -> None:
    class Hinge(Loss):
        def call(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
            return np.mean(np.maximum(1 - y_true * y_pred, 0), axis=-1)

    hinge = Hinge()
    assert hinge([[1.0, -1.0]], [[0.5, 0.5]]) == pytest.approx(1.0)
    with pytest.raises(NotImplementedError, match="call_vjp"):
        hinge.value_and_grad([[1.0, -1.0]], [[0.5, 0.5]])
    wrapped = LossFunctionWrapper(lambda t, p: np.abs(t - p).sum(axis=-1), name="l1")
    assert wrapped([[1.0, 2.0]], [[0.0, 0.0]]) == pytest.approx(3.0)
    with pytest.raises(NotImplementedError, match="defines no gradient"):
        wrapped.value_and_grad([[1.0, 2.0]], [[0.0, 0.0]])


def test_the_base_class_needs_call() -> None:
    with pytest.raises(NotImplementedError, match="must implement `call`"):
        Loss(name="base")([[1.0]], [[1.0]])


# --------------------------------------------------------------------------- configs and names


CONFIGURED = [
    BinaryCrossentropy(),
    BinaryCrossentropy(from_logits=True, label_smoothing=0.1, axis=1, reduction="sum", name="b"),
    CategoricalCrossentropy(label_smoothing=0.2),
    SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
    MeanSquaredError(reduction="mean"),
    MeanAbsoluteError(name="l1"),
]


@pytest.mark.parametrize("loss", CONFIGURED, ids=lambda loss: loss.name)
def test_config_round_trip(loss: Loss) -> None:
    serialized = losses.serialize(loss)
    assert serialized["module"] == "keras.losses"
    assert serialized["class_name"] == type(loss).__name__
    restored = losses.deserialize(serialized)
    assert type(restored) is type(loss)
    assert restored.get_config() == loss.get_config()


def test_configs_have_keras_keys() -> None:
    assert BinaryCrossentropy().get_config() == {
        "name": "binary_crossentropy",
        "reduction": "sum_over_batch_size",
        "from_logits": False,
        "label_smoothing": 0.0,
        "axis": -1,
    }
    assert MeanSquaredError().get_config() == {
        "name": "mean_squared_error",
        "reduction": "sum_over_batch_size",
    }
    # Keras leaves `axis` out of this one.
    assert set(SparseCategoricalCrossentropy().get_config()) == {
        "name",
        "reduction",
        "from_logits",
        "ignore_class",
    }


def test_wrapped_functions_serialize_as_keras_does() -> None:
    wrapper = LossFunctionWrapper(losses.mean_squared_error, name="mse")
    assert wrapper.get_config() == {
        "name": "mse",
        "reduction": "sum_over_batch_size",
        "fn": {
            "module": "builtins",
            "class_name": "function",
            "config": "mean_squared_error",
            "registered_name": "function",
        },
    }
    restored = losses.deserialize(losses.serialize(wrapper))
    assert restored.fn is losses.mean_squared_error and restored.name == "mse"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("binary_crossentropy", losses.binary_crossentropy),
        ("bce", losses.binary_crossentropy),
        ("BCE", losses.binary_crossentropy),
        ("mse", losses.mean_squared_error),
        ("MSE", losses.mean_squared_error),
        ("mae", losses.mean_absolute_error),
        ("mean_absolute_error", losses.mean_absolute_error),
        ("categorical_crossentropy", losses.categorical_crossentropy),
        ("sparse_categorical_crossentropy", losses.sparse_categorical_crossentropy),
    ],
)
def test_get_gives_functions_for_function_names(name: str, expected: object) -> None:
    assert losses.get(name) is expected


def test_get_gives_instances_for_class_names_and_classes() -> None:
    assert type(losses.get("BinaryCrossentropy")) is BinaryCrossentropy
    assert type(losses.get(MeanSquaredError)) is MeanSquaredError
    instance = MeanAbsoluteError()
    assert losses.get(instance) is instance
    assert losses.get(None) is None


def test_compile_loss_wraps_functions_under_the_given_name() -> None:
    loss = losses.compile_loss("binary_crossentropy")
    assert isinstance(loss, LossFunctionWrapper)
    assert loss.name == "binary_crossentropy" and loss.fn is losses.binary_crossentropy
    assert losses.compile_loss("mse").name == "mse"  # type: ignore[union-attr]
    assert losses.compile_loss(losses.mean_absolute_error).name == "mean_absolute_error"  # type: ignore[union-attr]
    instance = BinaryCrossentropy(from_logits=True)
    assert losses.compile_loss(instance) is instance
    assert losses.compile_loss(None) is None


@pytest.mark.parametrize(
    ("target", "output", "expected"),
    [
        ((None, 1), (None, 1), "binary_crossentropy"),
        ((None,), (None, 10), "sparse_categorical_crossentropy"),
        ((None, 1), (None, 10), "sparse_categorical_crossentropy"),
        ((None, 10), (None, 10), "categorical_crossentropy"),
    ],
)
def test_compile_loss_resolves_crossentropy_from_shapes(
    target: tuple[int | None, ...], output: tuple[int | None, ...], expected: str
) -> None:
    loss = losses.compile_loss("ce", target_shape=target, output_shape=output)
    assert isinstance(loss, LossFunctionWrapper) and loss.fn.__name__ == expected
    assert loss.name == "ce"
