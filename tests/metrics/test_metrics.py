"""Metrics: accumulation, weights, accuracy variants, compile-time resolution, configs, names."""

from __future__ import annotations

import numpy as np
import pytest

from upsample import losses, metrics
from upsample.metrics import (
    Accuracy,
    BinaryAccuracy,
    BinaryCrossentropy,
    CategoricalAccuracy,
    Mean,
    MeanAbsoluteError,
    MeanMetricWrapper,
    MeanSquaredError,
    Metric,
    RootMeanSquaredError,
    SparseCategoricalAccuracy,
    Sum,
)


def test_mean_accumulates_across_batches_and_resets() -> None:
    mean = Mean()
    assert mean.result() == 0.0  # no samples yet: 0, not NaN
    mean.update_state([1.0, 3.0])
    mean.update_state([5.0])
    assert mean.result() == pytest.approx(3.0)
    mean.reset_state()
    assert mean.result() == 0.0
    assert [v.name for v in mean.variables] == ["total", "count"]


def test_mean_with_sample_weights_of_several_ranks() -> None:
    mean = Mean()
    mean.update_state([1.0, 2.0, 3.0], sample_weight=[1.0, 0.0, 3.0])
    assert mean.result() == pytest.approx(10.0 / 4.0)
    per_sample = Mean()
    # (2, 2) values with (2,) weights: reduce each sample to its mean first.
    per_sample.update_state([[1.0, 3.0], [5.0, 7.0]], sample_weight=[1.0, 3.0])
    assert per_sample.result() == pytest.approx((2.0 + 3 * 6.0) / 4.0)


def test_a_scalar_weight_counts_a_batch_of_that_size() -> None:
    """How a training loop tracks the loss: value weighted by the batch size."""
    mean = Mean(name="loss")
    mean.update_state(0.5, sample_weight=32)
    mean.update_state(0.2, sample_weight=8)
    assert mean.result() == pytest.approx((0.5 * 32 + 0.2 * 8) / 40)


def test_sum() -> None:
    total = Sum()
    total([[1.0, 2.0], [3.0, 4.0]])
    assert total.result() == pytest.approx(10.0)


def test_regression_metrics_average_per_sample_means() -> None:
    y_true = np.zeros((2, 4))
    y_pred = np.array([[1.0, 1.0, 1.0, 1.0], [2.0, 0.0, 0.0, 0.0]])
    mse, mae, rmse = MeanSquaredError(), MeanAbsoluteError(), RootMeanSquaredError()
    for metric in (mse, mae, rmse):
        metric.update_state(y_true, y_pred)
    assert mse.result() == pytest.approx((1.0 + 1.0) / 2)
    assert mae.result() == pytest.approx((1.0 + 0.5) / 2)
    assert rmse.result() == pytest.approx(1.0)


def test_binary_crossentropy_metric_is_the_loss_mean() -> None:
    y_true, y_pred = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[0.2, 0.7], [0.9, 0.4]])
    metric = BinaryCrossentropy()
    metric.update_state(y_true, y_pred)
    assert metric.result() == pytest.approx(losses.BinaryCrossentropy()(y_true, y_pred), rel=1e-6)


def test_accuracy_variants_on_keras_docstring_examples() -> None:
    assert Accuracy()([[1], [2], [3], [4]], [[0], [2], [3], [4]]) == pytest.approx(0.75)
    assert BinaryAccuracy()([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]) == pytest.approx(0.75)
    assert CategoricalAccuracy()(
        [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]
    ) == pytest.approx(0.5)
    assert SparseCategoricalAccuracy()([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]) == (
        pytest.approx(0.5)
    )


def test_binary_accuracy_threshold_and_weights() -> None:
    metric = BinaryAccuracy(threshold=0.7)
    metric.update_state([1, 1, 0, 0], [0.8, 0.6, 0.1, 0.9], sample_weight=[1, 1, 1, 0])
    assert metric.result() == pytest.approx(2 / 3)


def test_sparse_accuracy_with_labels_of_shape_n() -> None:
    assert SparseCategoricalAccuracy()([2, 1], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]) == (
        pytest.approx(0.5)
    )


def test_per_pixel_accuracy_of_an_image_output() -> None:
    y_true = np.array([[[[1], [0]], [[0], [1]]]])  # (1, 2, 2, 1)
    y_pred = np.array([[[[0.9], [0.8]], [[0.2], [0.6]]]])
    assert BinaryAccuracy()(y_true, y_pred) == pytest.approx(0.75)


# --------------------------------------------------------------------------- compile


@pytest.mark.parametrize(
    ("identifier", "name", "cls"),
    [
        ("mse", "mse", MeanSquaredError),
        ("mae", "mae", MeanAbsoluteError),
        ("mean_squared_error", "mean_squared_error", MeanSquaredError),
        ("binary_crossentropy", "binary_crossentropy", BinaryCrossentropy),
        ("accuracy", "accuracy", BinaryAccuracy),
        ("acc", "acc", BinaryAccuracy),
    ],
)
def test_compile_names_metrics_after_the_string_given(
    identifier: str, name: str, cls: type
) -> None:
    metric = metrics.get(identifier, loss="binary_crossentropy", output_shape=(None, 28, 28, 1))
    assert metric.name == name and type(metric) is cls


@pytest.mark.parametrize(
    ("target", "output", "loss", "cls"),
    [
        ((None, 1), (None, 1), None, BinaryAccuracy),
        ((None, 28, 28, 1), (None, 28, 28, 1), None, BinaryAccuracy),
        ((None,), (None, 10), None, SparseCategoricalAccuracy),
        ((None, 1), (None, 10), None, SparseCategoricalAccuracy),
        ((None, 10), (None, 10), None, CategoricalAccuracy),
        # Keras 3 looks at shapes only: a binary loss on 3 outputs gives categorical.
        ((None, 3), (None, 3), "binary_crossentropy", CategoricalAccuracy),
        # Before the targets are seen, a sparse loss stands in for their shape.
        (None, (None, 10), "sparse_categorical_crossentropy", SparseCategoricalAccuracy),
        (None, (None, 10), losses.SparseCategoricalCrossentropy(), SparseCategoricalAccuracy),
        (None, (None, 10), losses.compile_loss("sparse_categorical_crossentropy"), None),
        (None, (None, 10), "categorical_crossentropy", CategoricalAccuracy),
    ],
)
def test_accuracy_resolves_as_compile_does(
    target: tuple[int | None, ...] | None,
    output: tuple[int | None, ...],
    loss: object,
    cls: type | None,
) -> None:
    metric = metrics.compile_metric("accuracy", output_shape=output, target_shape=target, loss=loss)
    assert type(metric) is (cls or SparseCategoricalAccuracy)


def test_compile_wraps_functions_and_keeps_metric_objects() -> None:
    wrapped = metrics.compile_metric(losses.mean_squared_error, output_shape=(None, 1))
    assert isinstance(wrapped, MeanMetricWrapper) and wrapped.name == "mean_squared_error"
    mine = MeanAbsoluteError(name="my_mae")
    assert metrics.compile_metric(mine, output_shape=(None, 1)) is mine
    assert mine.name == "my_mae"


def test_compile_errors() -> None:
    with pytest.raises(ValueError, match="Expected metric, received `None`"):
        metrics.compile_metric(None, output_shape=(None, 1))
    with pytest.raises(ValueError, match="output_shape=None"):
        metrics.compile_metric("accuracy")


# --------------------------------------------------------------------------- get, configs


def test_get_without_compile_context_is_keras_metrics_get() -> None:
    mse = metrics.get("mse")
    assert type(mse) is MeanSquaredError and mse.name == "mean_squared_error"
    assert type(metrics.get("accuracy")) is Accuracy
    assert type(metrics.get("BinaryAccuracy")) is BinaryAccuracy
    assert type(metrics.get(MeanAbsoluteError)) is MeanAbsoluteError
    assert metrics.get(None) is None
    with pytest.raises(ValueError, match=r"Unknown metric: 'acc'.*accuracy"):
        metrics.get("acc")  # only compile knows "acc"
    with pytest.raises(ValueError, match="Could not interpret metric identifier: 3"):
        metrics.get(3)


CONFIGURED = [
    Mean(name="m"),
    Sum(),
    Accuracy(),
    BinaryAccuracy(threshold=0.3),
    CategoricalAccuracy(name="cat"),
    SparseCategoricalAccuracy(),
    MeanSquaredError(),
    MeanAbsoluteError(dtype="float64"),
    RootMeanSquaredError(),
    BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
]


@pytest.mark.parametrize("metric", CONFIGURED, ids=lambda m: type(m).__name__)
def test_config_round_trip(metric: Metric) -> None:
    serialized = metrics.serialize(metric)
    assert serialized is not None and serialized["module"] == "keras.metrics"
    restored = metrics.deserialize(serialized)
    assert type(restored) is type(metric)
    assert restored.get_config() == metric.get_config()
    assert {"name", "dtype"} <= set(metric.get_config())


def test_mean_metric_wrapper_config_holds_the_function() -> None:
    wrapper = MeanMetricWrapper(losses.mean_absolute_error, name="l1")
    config = wrapper.get_config()
    assert config["fn"]["config"] == "mean_absolute_error"
    restored = MeanMetricWrapper.from_config(config)
    restored.update_state([[0.0, 0.0]], [[1.0, 3.0]])
    assert restored.result() == pytest.approx(2.0)


def test_the_base_class_needs_update_state_and_result() -> None:
    metric = Metric(name="base")
    with pytest.raises(NotImplementedError, match="update_state"):
        metric.update_state()
    with pytest.raises(NotImplementedError, match="result"):
        metric.result()
