"""UpSampling2D and Conv2DTranspose from first principles on NumPy.

`upsample` computes the upsampling layers of convolutional networks exactly as
Keras 3 does, with the gradients written out beside each forward pass.

Keras-style code runs with ``import upsample as keras``: ``keras.layers.Conv2D``,
``keras.Sequential``, ``keras.Input``, ``keras.optimizers.Adam`` and the rest of
`__all__`.  They are imported on first use (PEP 562), so ``import upsample``
itself costs next to nothing and changes nothing in the process.
"""

from __future__ import annotations

import sys  # loaded by every interpreter before it runs anything

# `typing` costs more to import than the rest of this module: it is read only by type
# checkers, which take any constant named TYPE_CHECKING for `typing.TYPE_CHECKING`.
TYPE_CHECKING = False

__version__ = "0.1.0"

# Keras's top-level names that upsample has, and the module that defines each.
_NAMES = {
    "DTypePolicy": "upsample.dtype_policies",
    "Initializer": "upsample.initializers",
    "Input": "upsample.layers",
    "KerasTensor": "upsample.layers",
    "Layer": "upsample.layers",
    "Loss": "upsample.losses",
    "Metric": "upsample.metrics",
    "Model": "upsample.models",
    "Optimizer": "upsample.optimizers",
    "Regularizer": "upsample.regularizers",
    "Sequential": "upsample.models",
    "Variable": "upsample.variables",
}

if TYPE_CHECKING:  # what `__getattr__` returns, for type checkers and editors
    from typing import Any

    from upsample import (
        activations,
        callbacks,
        config,
        constraints,
        datasets,
        dtype_policies,
        initializers,
        layers,
        losses,
        metrics,
        models,
        ops,
        optimizers,
        regularizers,
        saving,
        utils,
    )
    from upsample.dtype_policies import DTypePolicy
    from upsample.initializers import Initializer
    from upsample.layers import Input, KerasTensor, Layer
    from upsample.losses import Loss
    from upsample.metrics import Metric
    from upsample.models import Model, Sequential
    from upsample.optimizers import Optimizer
    from upsample.regularizers import Regularizer
    from upsample.variables import Variable


def version() -> str:
    """The version of upsample (as `keras.version()`)."""
    return __version__


def __getattr__(name: str) -> Any:
    """Import a subpackage or a top-level name on first use (PEP 562)."""
    # `__import__` rather than `importlib`, which `import upsample` would then import too.
    if name in __all__ and name.islower():  # a subpackage (defined names never get here)
        module = f"{__name__}.{name}"
        __import__(module)
        # From `sys.modules`: during a circular import the attribute is not yet set.
        return sys.modules[module]
    if name in _NAMES:
        value = getattr(__import__(_NAMES[name], fromlist=[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


# Keras's top-level subpackages (in lower case) and names that upsample has.
__all__ = [
    "DTypePolicy",
    "Initializer",
    "Input",
    "KerasTensor",
    "Layer",
    "Loss",
    "Metric",
    "Model",
    "Optimizer",
    "Regularizer",
    "Sequential",
    "Variable",
    "__version__",
    "activations",
    "callbacks",
    "config",
    "constraints",
    "datasets",
    "dtype_policies",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "ops",
    "optimizers",
    "regularizers",
    "saving",
    "utils",
    "version",
]
