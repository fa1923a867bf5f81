"""Weight constraints with Keras's names and configs (``keras/src/constraints/constraints.py``).

A constraint maps a weight to its projection; the optimizer applies it after
each update.  Norms are taken along `axis` (0 by default: for a Dense kernel
``(in, out)`` that is each unit's incoming weights; for a Conv2D kernel
``(kh, kw, in, out)`` use ``axis=[0, 1, 2]``).
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray

from upsample import config
from upsample.utils.registry import Registry

Axis = int | list[int] | tuple[int, ...]


class Constraint:
    """Base class: the identity."""

    keras_module = "keras.constraints"

    def __call__(self, w: ArrayLike) -> NDArray[Any]:
        return np.asarray(w)

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        return cls(**config)

    def __repr__(self) -> str:
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


class _NormConstraint(Constraint):
    """Rescales `w` so that its norms along `axis` become ``desired(norms)``."""

    def __init__(self, axis: Axis = 0) -> None:
        self.axis = axis

    def desired(self, norms: NDArray[np.floating]) -> NDArray[np.floating]:
        raise NotImplementedError

    def rescale(self, w: NDArray[np.floating], norms: NDArray[np.floating]) -> NDArray[Any]:
        # Keras adds epsilon to the norm, so an all-zero slice stays zero.
        return w * (self.desired(norms) / (w.dtype.type(config.epsilon()) + norms))

    def __call__(self, w: ArrayLike) -> NDArray[Any]:
        w = _as_float_array(w)
        axis = tuple(self.axis) if isinstance(self.axis, list | tuple) else self.axis
        return self.rescale(w, np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True)))


class MaxNorm(_NormConstraint):
    """Norms above `max_value` are scaled down to it."""

    def __init__(self, max_value: float = 2, axis: Axis = 0) -> None:
        super().__init__(axis)
        self.max_value = max_value

    def desired(self, norms: NDArray[np.floating]) -> NDArray[np.floating]:
        return np.clip(norms, 0, norms.dtype.type(self.max_value))

    def get_config(self) -> dict[str, Any]:
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(_NormConstraint):
    """Norms are moved into ``[min_value, max_value]``, a fraction `rate` of the way."""

    def __init__(
        self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: Axis = 0
    ) -> None:
        super().__init__(axis)
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate

    def desired(self, norms: NDArray[np.floating]) -> NDArray[np.floating]:
        dtype = norms.dtype.type
        clipped = np.clip(norms, dtype(self.min_value), dtype(self.max_value))
        return dtype(self.rate) * clipped + dtype(1 - self.rate) * norms

    def get_config(self) -> dict[str, Any]:
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }


class UnitNorm(_NormConstraint):
    """Norms become 1."""

    def rescale(self, w: NDArray[np.floating], norms: NDArray[np.floating]) -> NDArray[Any]:
        # Keras divides by the norm directly (desired == 1 is not multiplied in).
        return w / (w.dtype.type(config.epsilon()) + norms)

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis}


class NonNeg(Constraint):
    """Negative entries become 0."""

    def __call__(self, w: ArrayLike) -> NDArray[Any]:
        w = np.asarray(w)
        return np.maximum(w, w.dtype.type(0))


def _as_float_array(w: ArrayLike) -> NDArray[np.floating]:
    array = np.asarray(w)
    return array if np.issubdtype(array.dtype, np.floating) else array.astype(np.float32)


# Keras also exports the classes under these names (``keras.constraints.max_norm``).
max_norm = MaxNorm
min_max_norm = MinMaxNorm
non_neg = NonNeg
unit_norm = UnitNorm

ALL_OBJECTS: dict[str, type[Constraint]] = {
    "Constraint": Constraint,
    "MaxNorm": MaxNorm,
    "MinMaxNorm": MinMaxNorm,
    "NonNeg": NonNeg,
    "UnitNorm": UnitNorm,
    "constraint": Constraint,
    "max_norm": MaxNorm,
    "min_max_norm": MinMaxNorm,
    "non_neg": NonNeg,
    "unit_norm": UnitNorm,
}


CONSTRAINTS = Registry("constraint", Constraint, ALL_OBJECTS, instantiates=Constraint)
serialize = CONSTRAINTS.serialize
deserialize = CONSTRAINTS.deserialize
get = CONSTRAINTS.get
