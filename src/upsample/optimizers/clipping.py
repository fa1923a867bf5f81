"""Gradient clipping as Keras's optimizers do it (``keras/src/optimizers/base_optimizer.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]


def clip_by_norm(gradient: Array, clipnorm: float) -> Array:
    """Rescale `gradient` so that its L2 norm is at most `clipnorm`.

    Computed as ``g * clipnorm / max(norm, clipnorm)`` (not ``g * min(1, c / norm)``),
    which rounds differently.
    """
    l2sum = np.sum(np.square(gradient), keepdims=True)
    # Keras's "two-tap where" keeps sqrt away from 0 (a NaN gradient in autodiff).
    l2norm = np.where(l2sum > 0, np.sqrt(np.where(l2sum > 0, l2sum, 1)), l2sum)
    return (gradient * clipnorm) / np.maximum(l2norm, clipnorm)


def global_norm(gradients: Sequence[Array | None]) -> np.floating:
    """The L2 norm of all `gradients` together (None entries are skipped)."""
    squared = [np.sum(np.square(g)) for g in gradients if g is not None]
    result: np.floating = np.sqrt(np.sum(np.stack(squared)))
    return result


def clip_by_global_norm(gradients: Sequence[Array | None], clipnorm: float) -> list[Array | None]:
    """Rescale all `gradients` by one factor so that their global norm is at most `clipnorm`.

    A non-finite norm makes every gradient NaN, as in Keras.
    """
    norm = global_norm(gradients)
    with np.errstate(divide="ignore"):  # a zero norm gives 1/0 = inf: scale 1
        scale = clipnorm * np.minimum(1.0 / norm, 1.0 / clipnorm)
    scale = scale + (norm - norm)
    return [None if g is None else g * scale for g in gradients]


def clip_by_value(gradient: Array, clipvalue: float) -> Array:
    """Clip each element into ``[-clipvalue, clipvalue]``."""
    return np.clip(gradient, -clipvalue, clipvalue)
