"""Copies between views that step over whole pixels of a channels-last array.

NumPy runs its inner loop over the last axis only.  A view such as ``x[:, :, ::2]``
of a ``(N, H, W, C)`` array with a few channels leaves that loop a few elements
long, and its per-call overhead dominates every copy and every arithmetic
operation on the view.  Copied as one opaque element per pixel (the bytes of its
channels), the loop runs along rows of pixels instead: about twice as fast for a
copy, and every later operation runs on the contiguous result.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]


def copy_pixels(destination: Array, source: Array) -> Array:
    """``destination[...] = source`` for same-shaped ``(..., C)`` arrays with contiguous channels.

    Returns `destination`.
    """
    if destination.flags.c_contiguous and source.flags.c_contiguous:
        np.copyto(destination, source)
        return destination
    pixel = _pixel_dtype(destination.shape[-1] * destination.itemsize)
    np.copyto(destination.view(pixel), source.view(pixel))
    return destination


def reshaped(array: Array, shape: tuple[int, ...]) -> Array:
    """`array` reshaped, never copied (setting ``shape`` raises where a copy would be needed).

    Kernels write through such views, so a silent copy would lose the writes.
    """
    view = array.view()
    view.shape = shape
    return view


@functools.lru_cache(maxsize=64)
def _pixel_dtype(size: int) -> np.dtype:
    """An opaque dtype of `size` bytes (an unsigned int if one fits: NumPy copies those fastest)."""
    return np.dtype(f"u{size}") if size in (1, 2, 4, 8) else np.dtype(f"V{size}")
