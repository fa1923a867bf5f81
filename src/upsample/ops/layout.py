"""What kernels compute on: float arrays, channels-last (callers may pass channels-first)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]


def to_channels_last(x: Array, data_format: str) -> Array:
    """``(N, C, *spatial)`` -> ``(N, *spatial, C)`` when `data_format` is channels_first."""
    if data_format == "channels_first":
        return np.ascontiguousarray(np.moveaxis(x, 1, -1))
    return x


def from_channels_last(x: Array, data_format: str) -> Array:
    """``(N, *spatial, C)`` -> ``(N, C, *spatial)`` when `data_format` is channels_first."""
    if data_format == "channels_first":
        return np.ascontiguousarray(np.moveaxis(x, -1, 1))
    return x


def as_float(array: Array, name: str) -> Array:
    """`array` as a NumPy array: floats keep their dtype, integers and booleans become float32
    (as in JAX); anything else is refused with an error naming the argument."""
    array = np.asarray(array)
    if array.dtype.kind != "f":
        if array.dtype.kind not in "biu":
            raise TypeError(f"`{name}` must be a real-valued array. Received dtype={array.dtype}")
        array = array.astype(np.float32)
    return array
