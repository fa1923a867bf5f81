"""Optimizers with Keras 3's names, arguments, configs, state layout and arithmetic."""

from __future__ import annotations

from typing import Any

from upsample.optimizers import schedules
from upsample.optimizers.adam import Adam
from upsample.optimizers.optimizer import Optimizer
from upsample.optimizers.rmsprop import RMSprop
from upsample.optimizers.sgd import SGD
from upsample.saving import serialization

# Keras looks optimizers up by lower-cased class name ("adam", "Adam" and "ADAM" all work).
ALL_OBJECTS: dict[str, type[Optimizer]] = {
    cls.__name__.lower(): cls for cls in (Optimizer, Adam, RMSprop, SGD)
}


def serialize(optimizer: Optimizer) -> dict[str, Any] | None:
    """The Keras dictionary of `optimizer`."""
    return serialization.serialize(optimizer)


def deserialize(config: dict[str, Any] | str) -> Optimizer:
    """An optimizer from its Keras dictionary or its (case-insensitive) name."""
    if isinstance(config, dict) and isinstance(config.get("class_name"), str):
        config = {**config, "class_name": config["class_name"].lower()}
    elif isinstance(config, str):
        config = config.lower()
    result: Optimizer = serialization.deserialize(config, ALL_OBJECTS, kind="optimizer")
    return result


def get(identifier: Any) -> Optimizer | None:
    """An optimizer from a name (``"adam"``), a Keras dictionary, or an instance."""
    if identifier is None:
        return None
    obj = deserialize(identifier) if isinstance(identifier, str | dict) else identifier
    if not isinstance(obj, Optimizer):
        raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")
    return obj


__all__ = [
    "ALL_OBJECTS",
    "SGD",
    "Adam",
    "Optimizer",
    "RMSprop",
    "deserialize",
    "get",
    "schedules",
    "serialize",
]
