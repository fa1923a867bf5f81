"""Run convolutions on one route: small stride-1 problems take `_flat_shift` unless told not to."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from upsample.runtime import tuning

ROUTES = ("flat_shift", "im2col")


@contextlib.contextmanager
def route(name: str) -> Iterator[None]:
    """Within the block, "im2col" keeps every problem off the flat-shift route."""
    if name not in ROUTES:
        raise ValueError(f"Unknown route {name!r}; expected one of {ROUTES}")
    default = tuning.FLAT_SHIFT_MAX_BYTES
    try:
        if name == "im2col":
            tuning.FLAT_SHIFT_MAX_BYTES = -1
        yield
    finally:
        tuning.FLAT_SHIFT_MAX_BYTES = default
