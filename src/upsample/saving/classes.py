"""The classes a Keras config names: ours, by Keras's names, and the error for any other.

A config names a layer by ``class_name`` (and ``module``, ``registered_name``);
`layer_classes` maps the names `upsample.layers` exports, and the models, to
our classes.
"""

from __future__ import annotations

import upsample.layers as layers_module
from upsample.layers.layer import Layer
from upsample.models.functional import Functional
from upsample.models.model import Model
from upsample.models.sequential import Sequential


class ConfigError(ValueError):
    """A config that cannot be turned into a model (unknown class, broken graph, …)."""


def layer_classes() -> dict[str, type[Layer]]:
    """Every layer class `upsample.layers` exports (read now: others may add layers), and models.

    Keys are the exported names (aliases included) and the class names.
    """
    classes: dict[str, type[Layer]] = {}
    for name, obj in vars(layers_module).items():
        if isinstance(obj, type) and issubclass(obj, Layer):
            classes[name] = obj
            classes.setdefault(obj.__name__, obj)
    classes.update({"Sequential": Sequential, "Functional": Functional, "Model": Model})
    return classes
