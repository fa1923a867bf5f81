"""Metric results and compile-time metric names against Keras 3 (JAX backend)."""

from __future__ import annotations

import numpy as np
import pytest

from support.reference import KerasReference
from upsample import metrics
from upsample.metrics import (
    Accuracy,
    BinaryAccuracy,
    BinaryCrossentropy,
    CategoricalAccuracy,
    Mean,
    MeanAbsoluteError,
    MeanSquaredError,
    Metric,
    RootMeanSquaredError,
    SparseCategoricalAccuracy,
    Sum,
)

ULP = 2.0**-23


def batches(
    kind: str, weighted: bool, rng: np.random.Generator
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
    """Four batches of (y_true, y_pred, sample_weight) of the kind a metric reads."""
    out = []
    for size in (5, 3, 8, 1):
        if kind == "images":
            y_true = rng.choice([0.0, 1.0], (size, 6, 6, 1)).astype(np.float32)
            y_pred = rng.uniform(0, 1, (size, 6, 6, 1)).astype(np.float32)
        elif kind == "one-hot":
            y_true = np.eye(4, dtype=np.float32)[rng.integers(0, 4, size)]
            y_pred = rng.uniform(0, 1, (size, 4)).astype(np.float32)
        elif kind == "labels":
            y_true = rng.integers(0, 4, (size, 1)).astype(np.float32)
            y_pred = rng.uniform(0, 1, (size, 4)).astype(np.float32)
        else:  # "classes": exact equality
            y_true = rng.integers(0, 3, (size, 2)).astype(np.float32)
            y_pred = rng.integers(0, 3, (size, 2)).astype(np.float32)
        weights = rng.uniform(0, 2, size).astype(np.float32) if weighted else None
        out.append((y_true, y_pred, weights))
    return out


CASES: list[tuple[Metric, str]] = [
    (MeanSquaredError(), "images"),
    (MeanAbsoluteError(), "images"),
    (RootMeanSquaredError(), "images"),
    (BinaryAccuracy(), "images"),
    (BinaryAccuracy(threshold=0.3), "images"),
    (BinaryCrossentropy(), "images"),
    (BinaryCrossentropy(label_smoothing=0.2), "images"),
    (CategoricalAccuracy(), "one-hot"),
    (SparseCategoricalAccuracy(), "labels"),
    (Accuracy(), "classes"),
]


@pytest.mark.parametrize(("metric", "kind"), CASES, ids=lambda c: getattr(c, "name", c))
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_metric_results_match_keras(
    keras_reference: KerasReference, metric: Metric, kind: str, weighted: bool
) -> None:
    data = batches(kind, weighted, np.random.default_rng(len(kind) + weighted))
    metric.reset_state()
    ours = []
    for y_true, y_pred, weights in data:
        metric.update_state(y_true, y_pred, sample_weight=weights)
        ours.append(metric.result())
    theirs = keras_reference(
        "support.keras_side_optim:metric_results", metrics.serialize(metric), data
    ).output
    # float32 state; per-sample means are sums whose order XLA chooses.
    np.testing.assert_allclose(ours, theirs, rtol=8 * ULP, atol=8 * ULP)


@pytest.mark.parametrize("metric", [Mean(), Sum()], ids=["Mean", "Sum"])
@pytest.mark.parametrize("weights", ["none", "per-sample", "per-value", "scalar"])
def test_mean_and_sum_match_keras(
    keras_reference: KerasReference, metric: Metric, weights: str
) -> None:
    rng = np.random.default_rng(5)
    data: list[tuple[np.ndarray, np.ndarray | float | None]] = []
    for n in (4, 2, 7):
        # Positive values: no cancellation, so a relative tolerance is meaningful.
        values = rng.uniform(0.5, 2.0, (n, 3)).astype(np.float32)
        weight = {
            "none": None,
            "per-sample": rng.uniform(0, 1, n).astype(np.float32),
            "per-value": rng.uniform(0, 1, (n, 3)).astype(np.float32),
            "scalar": float(n),  # how a training loop weights a batch's loss
        }[weights]
        data.append((values, weight))
    metric.reset_state()
    ours = []
    for values, weight in data:
        metric.update_state(values, sample_weight=weight)
        ours.append(metric.result())
    theirs = keras_reference(
        "support.keras_side_optim:reduction_metric_results", metrics.serialize(metric), data
    ).output
    np.testing.assert_allclose(ours, theirs, rtol=8 * ULP)


SHAPES = {
    "binary": ((8, 1), (8, 1)),
    "images": ((8, 28, 28, 1), (8, 28, 28, 1)),
    "sparse-rank": ((8,), (8, 10)),
    "sparse-last-1": ((8, 1), (8, 10)),
    "categorical": ((8, 10), (8, 10)),
    "multi-label": ((8, 3), (8, 3)),
}


@pytest.mark.parametrize("shapes", SHAPES.values(), ids=SHAPES.keys())
def test_compiled_metric_names_and_classes_match_keras(
    keras_reference: KerasReference, shapes: tuple[tuple[int, ...], tuple[int, ...]]
) -> None:
    """The names ``History`` logs: the string given ("mse", "acc"), and accuracy's kind."""
    identifiers = [
        "mse",
        "mae",
        "accuracy",
        "acc",
        "binary_accuracy",
        "mean_squared_error",
        "binary_crossentropy",
        "categorical_accuracy",
    ]
    target_shape, output_shape = shapes
    y_true, y_pred = np.zeros(target_shape, np.float32), np.zeros(output_shape, np.float32)
    theirs = keras_reference(
        "support.keras_side_optim:compiled_metric_names", identifiers, y_true, y_pred
    ).output
    ours = [
        (m.name, type(m).__name__)
        for m in (
            metrics.get(i, output_shape=output_shape, target_shape=target_shape)
            for i in identifiers
        )
    ]
    assert ours == [tuple(t) for t in theirs]


@pytest.mark.parametrize(
    "metric",
    [
        Mean(name="loss"),
        Sum(),
        Accuracy(),
        BinaryAccuracy(threshold=0.3),
        CategoricalAccuracy(name="cat"),
        SparseCategoricalAccuracy(),
        MeanSquaredError(),
        MeanAbsoluteError(),
        RootMeanSquaredError(),
        BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
    ],
    ids=lambda m: type(m).__name__,
)
def test_keras_loads_our_metric_configs(keras_reference: KerasReference, metric: Metric) -> None:
    serialized = metrics.serialize(metric)
    roundtrip = keras_reference("support.keras_side_optim:roundtrip_config", "metrics", serialized)
    assert roundtrip.output == serialized
