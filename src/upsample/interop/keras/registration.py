"""`twin_of`: register a Keras class as the twin of one of upsample's classes.

Keras finds a custom class in a file by its registered name (``upsample>ICNR``,
what ``register_keras_serializable(package="upsample")`` gives) and writes a
custom object's Python module into ``config.json``.  upsample writes its own
module name there (``upsample.layers``, ``upsample.initializers``); a twin
stands for the same class, so it carries that module name too, and a file
Keras saves has the config upsample would write.  For a class Keras has too
(`UpSampling2D`, `Resizing`), the twin stands for upsample's layers that use
arguments Keras lacks, which upsample saves under its own module
(``beyond_keras_module``) and name (``upsample>UpSampling2D``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from upsample.interop.keras_import import import_keras
from upsample.utils.registry import PACKAGE, registered_name

keras = import_keras()

T = TypeVar("T", bound=type)


def twin_of(original: Any) -> Callable[[T], T]:
    """A class decorator: the decorated Keras class is `original`'s twin (same name)."""

    def register(cls: T) -> T:
        if cls.__name__ != original.__name__:
            raise TypeError(
                f"A twin has its original's name: {cls.__name__} != {original.__name__}"
            )
        module = getattr(original, "beyond_keras_module", None) or original.keras_module
        cls.__module__ = module
        registered: T = keras.saving.register_keras_serializable(package=PACKAGE)(cls)
        assert keras.saving.get_registered_name(cls) == registered_name(module, cls.__name__)
        return registered

    return register
