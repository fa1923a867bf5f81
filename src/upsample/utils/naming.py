"""Automatic names, as Keras 3 gives them: ``conv2d``, ``conv2d_1``, ``up_sampling2d``."""

from __future__ import annotations

import collections
import re

_counts: collections.Counter[str] = collections.Counter()


def to_snake_case(name: str) -> str:
    """``Conv2DTranspose`` -> ``conv2d_transpose``; ``UpSampling2D`` -> ``up_sampling2d``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(prefix: str) -> str:
    """The first ``prefix`` is itself, then ``prefix_1``, ``prefix_2``… (per process)."""
    count = _counts[prefix]
    _counts[prefix] += 1
    return prefix if count == 0 else f"{prefix}_{count}"


def auto_name(class_name: str) -> str:
    return unique_name(to_snake_case(class_name))


def clear_session() -> None:
    """Restart automatic naming, as `keras.backend.clear_session()` does."""
    _counts.clear()
