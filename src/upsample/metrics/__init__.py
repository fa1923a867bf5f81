"""Metrics with Keras's names, arguments and configs (`keras.metrics`).

`get` is `keras.metrics.get`.  Given what `Model.compile` knows (the output
shape, and the target shape or the loss), it resolves identifiers as Keras's
compile does (`compile_metric`): ``"accuracy"``/``"acc"`` becomes binary,
sparse categorical or categorical accuracy, and a string names the metric (so
``metrics=["mse"]`` is logged as ``"mse"``, not ``"mean_squared_error"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from upsample.losses import LossFunctionWrapper, binary_or_sparse, object_name
from upsample.losses.crossentropy import sparse_categorical_crossentropy
from upsample.losses.losses import SparseCategoricalCrossentropy
from upsample.metrics.accuracy_metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
)
from upsample.metrics.metric import Metric
from upsample.metrics.reduction_metrics import Mean, MeanMetricWrapper, Sum
from upsample.metrics.regression_metrics import (
    BinaryCrossentropy,
    MeanAbsoluteError,
    MeanSquaredError,
    RootMeanSquaredError,
)
from upsample.utils.registry import Registry

_CLASSES: dict[str, type[Metric]] = {
    "Metric": Metric,
    "Mean": Mean,
    "Sum": Sum,
    "MeanMetricWrapper": MeanMetricWrapper,
    "Accuracy": Accuracy,
    "BinaryAccuracy": BinaryAccuracy,
    "CategoricalAccuracy": CategoricalAccuracy,
    "SparseCategoricalAccuracy": SparseCategoricalAccuracy,
    "MeanSquaredError": MeanSquaredError,
    "MeanAbsoluteError": MeanAbsoluteError,
    "RootMeanSquaredError": RootMeanSquaredError,
    "BinaryCrossentropy": BinaryCrossentropy,
}
# As ``keras/src/metrics/__init__.py``: class names, their snake_case, and aliases.
ALL_OBJECTS: dict[str, type[Metric]] = {
    **_CLASSES,
    "metric": Metric,
    "mean": Mean,
    "sum": Sum,
    "mean_metric_wrapper": MeanMetricWrapper,
    "accuracy": Accuracy,
    "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "mean_squared_error": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "root_mean_squared_error": RootMeanSquaredError,
    "binary_crossentropy": BinaryCrossentropy,
    "bce": BinaryCrossentropy,
    "BCE": BinaryCrossentropy,
    "mse": MeanSquaredError,
    "MSE": MeanSquaredError,
    "mae": MeanAbsoluteError,
    "MAE": MeanAbsoluteError,
}


METRICS = Registry("metric", Metric, ALL_OBJECTS, instantiates=object)
serialize = METRICS.serialize
deserialize = METRICS.deserialize


def get(
    identifier: Any,
    *,
    loss: Any = None,
    output_shape: Sequence[int | None] | None = None,
    target_shape: Sequence[int | None] | None = None,
) -> Any:
    """A metric from a name, a Keras dictionary, a class or a callable.

    Without keywords this is `keras.metrics.get`.  With what compile knows
    (`output_shape`, and `target_shape` or the compiled `loss`) it is
    `compile_metric`.
    """
    if loss is not None or output_shape is not None or target_shape is not None:
        return compile_metric(
            identifier, output_shape=output_shape, target_shape=target_shape, loss=loss
        )
    return METRICS.get(identifier)


def compile_metric(
    identifier: Any,
    *,
    output_shape: Sequence[int | None] | None = None,
    target_shape: Sequence[int | None] | None = None,
    loss: Any = None,
) -> Metric:
    """The metric ``Model.compile(metrics=[identifier])`` tracks (``compile_utils.get_metric``).

    ``"accuracy"``/``"acc"`` follow Keras 3's shape rule: binary when the output's
    last dimension is 1, sparse when the target has a lower rank or a last
    dimension of 1 against more classes, else categorical.  Before targets are
    seen, a sparse categorical `loss` stands in for the target shape.
    """
    if identifier is None:
        raise ValueError("Expected metric, received `None`")
    if str(identifier).lower() in ("accuracy", "acc"):
        is_binary, is_sparse = _accuracy_kind(output_shape, target_shape, loss)
        kind = (
            BinaryAccuracy
            if is_binary
            else SparseCategoricalAccuracy
            if is_sparse
            else CategoricalAccuracy
        )
        metric: Any = kind(name=str(identifier))
    else:
        metric = get(identifier)
    name = identifier if isinstance(identifier, str) else object_name(metric)
    if not isinstance(metric, Metric):
        metric = MeanMetricWrapper(metric)
    metric.name = name
    return metric


def _accuracy_kind(
    output_shape: Sequence[int | None] | None,
    target_shape: Sequence[int | None] | None,
    loss: Any,
) -> tuple[bool, bool]:
    if output_shape is None:
        raise ValueError(
            "Resolving metrics='accuracy' needs the model's output shape. Received: "
            "output_shape=None"
        )
    is_binary, is_sparse = binary_or_sparse(target_shape, output_shape)
    if target_shape is None:
        is_sparse = _is_sparse_loss(loss)
    return is_binary, is_sparse


def _is_sparse_loss(loss: Any) -> bool:
    if isinstance(loss, SparseCategoricalCrossentropy) or loss in (
        "sparse_categorical_crossentropy",
        sparse_categorical_crossentropy,
    ):
        return True
    return isinstance(loss, LossFunctionWrapper) and loss.fn is sparse_categorical_crossentropy


__all__ = [
    "ALL_OBJECTS",
    "Accuracy",
    "BinaryAccuracy",
    "BinaryCrossentropy",
    "CategoricalAccuracy",
    "Mean",
    "MeanAbsoluteError",
    "MeanMetricWrapper",
    "MeanSquaredError",
    "Metric",
    "RootMeanSquaredError",
    "SparseCategoricalAccuracy",
    "Sum",
    "accuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "compile_metric",
    "deserialize",
    "get",
    "serialize",
    "sparse_categorical_accuracy",
]
