"""Moving the channel axis: kernels compute channels-last, callers may pass channels-first."""

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
