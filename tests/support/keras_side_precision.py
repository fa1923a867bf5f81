"""Keras's side of the precision tests (tests/parity/test_reduction_precision_parity.py).

Each function computes, in float32 on Keras 3 (JAX), a quantity that sums over batch
and spatial axes, so that its distance from a float64 reference can be compared with
ours.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def bias_gradient(cotangent: np.ndarray) -> np.ndarray:
    """The gradient of ``ops.add(outputs, bias)`` in the bias, as a Keras layer's bias gets it."""
    import jax
    import jax.numpy as jnp
    import keras

    outputs = jnp.zeros(cotangent.shape, cotangent.dtype)
    bias = jnp.zeros(cotangent.shape[-1], cotangent.dtype)
    _, vjp = jax.vjp(lambda b: keras.ops.add(outputs, b), bias)
    return np.asarray(vjp(jnp.asarray(cotangent))[0])


def train_steps(
    serialized: dict[str, Any],
    weights: list[np.ndarray],
    batches: list[tuple[np.ndarray, np.ndarray]],
    optimizer: dict[str, Any],
    loss: str,
) -> list[np.ndarray]:
    """The weights after one ``train_on_batch`` per batch, from `weights`."""
    import keras

    keras.backend.clear_session()
    model = keras.saving.deserialize_keras_object(serialized)
    model.set_weights(weights)
    model.compile(optimizer=keras.optimizers.deserialize(optimizer), loss=loss)
    for x, y in batches:
        model.train_on_batch(x, y)
    return [np.asarray(w) for w in model.get_weights()]
