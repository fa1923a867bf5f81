"""Importing Keras 3 for the interop modules: the backend choice and clear errors.

Keras reads its backend from ``KERAS_BACKEND`` when it is first imported;
upsample's default is JAX (the backend its parity tests use, and the one
`keras.distribution` supports).  ``~/.keras/keras.json`` is not consulted:
Keras writes "tensorflow" there by itself on first import, which is no choice
of the user's.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
from types import ModuleType

DEFAULT_BACKEND = "jax"
INSTALL = 'pip install "upsample[keras]"'
MINIMUM_VERSION = (3, 15)


def import_keras() -> ModuleType:
    """The `keras` module (3.15 or later); an ImportError that says what to install otherwise.

    Unless Keras is already imported (its backend then fixed), an unset
    ``KERAS_BACKEND`` becomes "jax" in this process's environment first.
    """
    if "keras" not in sys.modules:
        if importlib.util.find_spec("keras") is None:
            raise ImportError(
                f"upsample's Keras interop needs Keras 3 and a backend for it (JAX by default), "
                f"which are not installed: {INSTALL}"
            )
        os.environ.setdefault("KERAS_BACKEND", DEFAULT_BACKEND)
    backend = os.environ.get("KERAS_BACKEND", DEFAULT_BACKEND)
    try:
        keras = importlib.import_module("keras")
    except ImportError as error:
        raise ImportError(
            f"Keras is installed but could not be imported with its backend "
            f"KERAS_BACKEND={backend!r} ({error}). For JAX: {INSTALL}; for another backend, "
            "install it or set KERAS_BACKEND to one that is installed."
        ) from error
    version = _version_tuple(getattr(keras, "__version__", "0"))
    if version < MINIMUM_VERSION:
        raise ImportError(
            f"upsample's Keras interop needs Keras {'.'.join(map(str, MINIMUM_VERSION))} or "
            f"later; Keras {keras.__version__} is installed: {INSTALL}"
        )
    return keras


def _version_tuple(text: str) -> tuple[int, ...]:
    """``"3.15.1"`` -> ``(3, 15, 1)``; pre-release suffixes are ignored."""
    numbers = []
    for part in text.split("."):
        leading = re.match(r"\d+", part)
        if leading is None:
            break
        numbers.append(int(leading.group()))
    return tuple(numbers)
