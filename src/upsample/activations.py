"""`keras.activations`: the activation functions by name, for ``activation=`` arguments.

The functions are the kernels of `upsample.ops.activations` (each with its
vector-Jacobian product there), so ``Dense(4, activation=activations.relu)``
and ``Dense(4, activation="relu")`` are the same layer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from upsample.ops import activations as _kernels
from upsample.ops.activations import (
    Activation,
    get,
    leaky_relu,
    linear,
    relu,
    sigmoid,
    softmax,
    tanh,
)


def serialize(activation: Activation | Callable[..., Any] | str | None) -> str:
    """The name Keras stores in a layer config: ``serialize(relu) == "relu"``."""
    return _kernels.serialize(get(activation))


def deserialize(name: str) -> Activation:
    """The activation a layer config names."""
    return get(name)


__all__ = [
    "Activation",
    "deserialize",
    "get",
    "leaky_relu",
    "linear",
    "relu",
    "serialize",
    "sigmoid",
    "softmax",
    "tanh",
]
