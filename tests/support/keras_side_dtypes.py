"""Keras's side of the dtype parity tests (tests/parity/test_dtypes_parity.py).

Everything runs with JAX's 64-bit types enabled (`jax.enable_x64`): without them JAX
computes a ``dtype="float64"`` layer in float32 and warns, a limit of that backend
(Keras's TensorFlow and PyTorch backends, like upsample, follow the policy).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def layer_outputs(
    serialized: dict[str, Any],
    weights: list[np.ndarray],
    inputs: list[np.ndarray],
    training: bool = False,
) -> dict[str, Any]:
    """A layer deserialized from our config, with `weights`, called on each of `inputs`."""
    import jax
    import keras

    with jax.enable_x64(True):
        layer = keras.layers.deserialize(serialized)
        layer.build(inputs[0].shape)
        if weights:
            layer.set_weights(weights)
        context = {"training": training} if layer._call_has_training_arg else {}
        return {
            "outputs": [np.asarray(layer(x, **context)) for x in inputs],
            "weight_dtypes": [str(w.dtype) for w in layer.weights],
        }


def model_outputs(
    serialized: dict[str, Any], weights: list[np.ndarray], inputs: list[np.ndarray]
) -> dict[str, Any]:
    """A model from our config and weights: ``model(x)``, `predict` and `predict_on_batch`."""
    import jax
    import keras

    with jax.enable_x64(True):
        keras.backend.clear_session()
        model = keras.saving.deserialize_keras_object(serialized)
        model.set_weights(weights)
        return {
            "call": [np.asarray(model(x)) for x in inputs],
            "predict": [np.asarray(model.predict(x, verbose=0)) for x in inputs],
            "predict_on_batch": [np.asarray(model.predict_on_batch(x)) for x in inputs],
            "symbolic": str(model.outputs[0].dtype),
            "weight_dtypes": [str(w.dtype) for w in model.weights],
        }


def model_train_step(
    serialized: dict[str, Any], weights: list[np.ndarray], x: np.ndarray, y: np.ndarray
) -> dict[str, Any]:
    """One ``train_on_batch`` (SGD 0.1, mean squared error) from `weights`."""
    import jax
    import keras

    with jax.enable_x64(True):
        keras.backend.clear_session()
        model = keras.saving.deserialize_keras_object(serialized)
        model.set_weights(weights)
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        loss = model.train_on_batch(x, y)
        return {"loss": float(loss), "weights": [np.asarray(w) for w in model.get_weights()]}
