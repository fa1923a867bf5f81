"""float32 ``x ** y`` rounded exactly as Keras's JAX backend rounds it.

XLA's CPU backend lowers a float32 ``pow`` to the C library's ``powf``; NumPy's
float32 `np.power` is a different implementation that disagrees with it in the
last bit for about 1 in 5 (base, step) pairs of Adam's ``beta ** t``, which then
shows up as a one-ulp difference in the weights.  So the optimizers call
``powf`` itself.  Without a C math library (Windows) the fallback is the float64
power rounded to float32, which is within one ulp.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable
from typing import SupportsFloat

import numpy as np


def _load_powf() -> Callable[[float, float], float] | None:
    name = ctypes.util.find_library("m")
    if name is None:
        return None
    try:
        function = ctypes.CDLL(name).powf
    except (OSError, AttributeError):
        return None
    function.restype = ctypes.c_float
    function.argtypes = [ctypes.c_float, ctypes.c_float]
    return function


_POWF = _load_powf()


def powf(x: SupportsFloat, y: SupportsFloat) -> np.float32:
    """``float32(x) ** float32(y)`` in float32."""
    x32, y32 = np.float32(float(x)), np.float32(float(y))
    if _POWF is None:
        return np.float32(np.float64(x32) ** np.float64(y32))
    return np.float32(_POWF(float(x32), float(y32)))
