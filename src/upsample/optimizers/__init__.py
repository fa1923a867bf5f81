"""Optimizers with Keras 3's names, arguments, configs, state layout and arithmetic."""

from __future__ import annotations

from upsample.optimizers import schedules
from upsample.optimizers.adam import Adam
from upsample.optimizers.optimizer import Optimizer
from upsample.optimizers.rmsprop import RMSprop
from upsample.optimizers.sgd import SGD
from upsample.utils.registry import Registry

# Keras looks optimizers up by lower-cased class name ("adam", "Adam" and "ADAM" all work).
ALL_OBJECTS: dict[str, type[Optimizer]] = {
    cls.__name__.lower(): cls for cls in (Optimizer, Adam, RMSprop, SGD)
}


OPTIMIZERS = Registry(
    "optimizer",
    Optimizer,
    ALL_OBJECTS,
    accepts=lambda obj: isinstance(obj, Optimizer),
    case_insensitive=True,
)
serialize = OPTIMIZERS.serialize
deserialize = OPTIMIZERS.deserialize
get = OPTIMIZERS.get

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
