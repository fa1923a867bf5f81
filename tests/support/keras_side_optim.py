"""Keras-side helpers for the parity tests of initializers, losses, metrics and optimizers.

These functions run inside the reference worker (``support.reference``), where
Keras 3 (JAX backend) is importable; they take and return NumPy arrays and
plain Python values only.  Our objects reach Keras as their serialized
dictionaries, so every helper also checks that Keras can load what we write.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def roundtrip_config(module: str, serialized: dict[str, Any]) -> dict[str, Any]:
    """Load our serialized object with ``keras.<module>.deserialize`` and serialize it again."""
    import keras
    from keras.src.saving import serialization_lib

    obj = getattr(keras, module).deserialize(serialized)
    return serialization_lib.serialize_keras_object(obj)  # type: ignore[no-any-return]


def loss_value_and_grad(
    serialized: dict[str, Any],
    y_true: np.ndarray,
    y_pred: np.ndarray,
    sample_weight: np.ndarray | None = None,
    cotangent: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The Keras loss's value and ``jax.vjp`` with respect to `y_pred` (cotangent 1 by default)."""
    import jax
    import keras

    loss = keras.losses.deserialize(serialized)
    value, vjp = jax.vjp(lambda p: loss(y_true, p, sample_weight=sample_weight), y_pred)
    if cotangent is None:
        cotangent = np.ones(value.shape, value.dtype)
    (grad,) = vjp(jax.numpy.asarray(cotangent, dtype=value.dtype))
    return np.asarray(value), np.asarray(grad)


def metric_results(
    serialized: dict[str, Any] | str,
    batches: list[tuple[np.ndarray, np.ndarray, np.ndarray | None]],
) -> list[float]:
    """The Keras metric's result after each ``(y_true, y_pred, sample_weight)`` batch."""
    import keras

    metric = keras.metrics.get(serialized)
    results = []
    for y_true, y_pred, sample_weight in batches:
        metric.update_state(y_true, y_pred, sample_weight=sample_weight)
        results.append(float(metric.result()))
    return results


def compiled_metric_names(
    metrics: list[str], y_true: np.ndarray, y_pred: np.ndarray
) -> list[tuple[str, str]]:
    """``(name, class name)`` of each metric as ``Model.compile`` resolves it for these arrays."""
    from keras.src.trainers.compile_utils import get_metric

    return [
        (metric.name, type(metric).__name__)
        for metric in (get_metric(m, y_true, y_pred) for m in metrics)
    ]


def initializer_sample(
    serialized: dict[str, Any], shape: tuple[int, ...], dtype: str = "float32"
) -> np.ndarray:
    """Values drawn by the Keras initializer of this configuration."""
    import keras

    return np.asarray(keras.initializers.deserialize(serialized)(shape, dtype=dtype))


def run_optimizer(
    serialized: dict[str, Any],
    initial: list[tuple[str, np.ndarray]],
    gradients: list[list[np.ndarray | None]],
) -> dict[str, Any]:
    """Apply each step's gradients with the Keras optimizer; return every intermediate value.

    `initial` gives ``(path, value)`` per variable, e.g. ``("dense/kernel", array)``:
    the path's scope is recreated so that slot names match a layer's variables.
    """
    import keras

    variables = []
    for path, value in initial:
        scope, _, name = path.rpartition("/")
        with keras.name_scope(scope) if scope else _no_scope():
            variables.append(keras.Variable(value, name=name))
    optimizer = keras.optimizers.deserialize(serialized)
    trajectory = [[np.asarray(v.numpy()) for v in variables]]
    learning_rates = []
    for step in gradients:
        learning_rates.append(float(np.asarray(optimizer.learning_rate)))
        optimizer.apply_gradients(zip(step, variables))
        trajectory.append([np.asarray(v.numpy()) for v in variables])
    return {
        "trajectory": trajectory,
        "learning_rates": learning_rates,
        "optimizer_variables": [(v.path, np.asarray(v.numpy())) for v in optimizer.variables],
        "config": optimizer.get_config(),
    }


class _no_scope:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None


def regularizer_value_and_grad(
    serialized: dict[str, Any], x: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The Keras regularizer's penalty and its gradient (``jax.value_and_grad``)."""
    import jax
    import keras

    regularizer = keras.regularizers.deserialize(serialized)
    value, grad = jax.value_and_grad(lambda w: regularizer(w))(jax.numpy.asarray(x))
    return np.asarray(value), np.asarray(grad)


def constraint_apply(serialized: dict[str, Any], w: np.ndarray) -> np.ndarray:
    """The Keras constraint's projection of `w`."""
    import keras

    return np.asarray(keras.constraints.deserialize(serialized)(w))


def reduction_metric_results(
    serialized: dict[str, Any], batches: list[tuple[np.ndarray, Any]]
) -> list[float]:
    """A Keras `Mean`/`Sum`'s result after each ``(values, sample_weight)`` batch."""
    import keras

    metric = keras.metrics.deserialize(serialized)
    results = []
    for values, sample_weight in batches:
        metric.update_state(values, sample_weight=sample_weight)
        results.append(float(metric.result()))
    return results


def construction_error(module: str, class_name: str, kwargs: dict[str, Any]) -> str | None:
    """The error Keras raises constructing ``keras.<module>.<class_name>(**kwargs)``, or None."""
    import keras

    target: Any = keras
    for part in module.split("."):
        target = getattr(target, part)
    try:
        getattr(target, class_name)(**kwargs)
    except (ValueError, TypeError) as error:
        return f"{type(error).__name__}: {error}"
    return None
