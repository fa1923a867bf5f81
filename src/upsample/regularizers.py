"""Weight penalties with Keras's names and configs (``keras/src/regularizers/regularizers.py``).

A regularizer maps a weight to a scalar penalty that is added to the loss;
`gradient` is its derivative, which the training loop adds to the weight's
gradient.  Both are computed in the weight's dtype, as Keras does.
"""

from __future__ import annotations

import math
from typing import Any, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray

from upsample.utils.registry import Registry


class Regularizer:
    """Base class: no penalty."""

    keras_module = "keras.regularizers"

    def __call__(self, x: ArrayLike) -> float:
        return 0.0

    def gradient(self, x: ArrayLike) -> NDArray[Any]:
        """The derivative of the penalty with respect to `x`."""
        return np.zeros_like(_as_float_array(x))

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError(f"{self} does not implement get_config()")

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        return cls(**config)

    def __repr__(self) -> str:
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x**2)``; both factors default to 0 (None means 0)."""

    def __init__(self, l1: float | None = 0.0, l2: float | None = 0.0) -> None:
        self.l1 = validate_float_arg(0.0 if l1 is None else l1, name="l1")
        self.l2 = validate_float_arg(0.0 if l2 is None else l2, name="l2")

    def __call__(self, x: ArrayLike) -> float:
        x = _as_float_array(x)
        penalty = x.dtype.type(0.0)
        if self.l1 != 0.0:
            penalty += _l1_penalty(self.l1, x)
        if self.l2 != 0.0:
            penalty += _l2_penalty(self.l2, x)
        return float(penalty)

    def gradient(self, x: ArrayLike) -> NDArray[Any]:
        x = _as_float_array(x)
        grad = np.zeros_like(x)
        if self.l1 != 0.0:
            grad += _l1_gradient(self.l1, x)
        if self.l2 != 0.0:
            grad += _l2_gradient(self.l2, x)
        return grad

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """``l1 * sum(|x|)``."""

    def __init__(self, l1: float | None = 0.01) -> None:
        # Keras keeps `l1` as a float32 tensor, so its config holds the float32
        # value (L1(0.01) -> {"l1": 0.009999999776482582}); L2 keeps the float.
        self.l1 = float(np.float32(validate_float_arg(0.01 if l1 is None else l1, name="l1")))

    def __call__(self, x: ArrayLike) -> float:
        return float(_l1_penalty(self.l1, _as_float_array(x)))

    def gradient(self, x: ArrayLike) -> NDArray[Any]:
        return _l1_gradient(self.l1, _as_float_array(x))

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1}


class L2(Regularizer):
    """``l2 * sum(x**2)``."""

    def __init__(self, l2: float | None = 0.01) -> None:
        self.l2 = validate_float_arg(0.01 if l2 is None else l2, name="l2")

    def __call__(self, x: ArrayLike) -> float:
        return float(_l2_penalty(self.l2, _as_float_array(x)))

    def gradient(self, x: ArrayLike) -> NDArray[Any]:
        return _l2_gradient(self.l2, _as_float_array(x))

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


def _as_float_array(x: ArrayLike) -> NDArray[np.floating]:
    array = np.asarray(x)
    return array if np.issubdtype(array.dtype, np.floating) else array.astype(np.float32)


def _l1_penalty(factor: float, x: NDArray[np.floating]) -> np.floating:
    return x.dtype.type(factor) * np.sum(np.abs(x))


def _l2_penalty(factor: float, x: NDArray[np.floating]) -> np.floating:
    return x.dtype.type(factor) * np.sum(np.square(x))


def _l1_gradient(factor: float, x: NDArray[np.floating]) -> NDArray[np.floating]:
    # The derivative of |x| at 0 is taken as +1, as JAX differentiates `abs`.
    scaled = x.dtype.type(factor)
    return np.where(x >= 0, scaled, -scaled).astype(x.dtype)


def _l2_gradient(factor: float, x: NDArray[np.floating]) -> NDArray[np.floating]:
    return x.dtype.type(factor) * (x.dtype.type(2.0) * x)


def validate_float_arg(value: Any, name: str) -> float:
    """A finite, non-negative number as a float; anything else is a ValueError naming `name`."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise ValueError(
            f"Invalid value for argument {name}: expected a non-negative float. "
            f"Received: {name}={value!r}"
        )
    return float(value)


# Keras also exports the classes under these names (``keras.regularizers.l1_l2``).
l1 = L1
l2 = L2
l1_l2 = L1L2

# As ``keras/src/regularizers/__init__.py``: class names and `to_snake_case` of
# them, which turns "L1L2" into "l1l2" (Keras's `get` rejects "l1_l2").
ALL_OBJECTS: dict[str, type[Regularizer]] = {
    "Regularizer": Regularizer,
    "L1": L1,
    "L2": L2,
    "L1L2": L1L2,
    "regularizer": Regularizer,
    "l1": L1,
    "l2": L2,
    "l1l2": L1L2,
}


REGULARIZERS = Registry("regularizer", Regularizer, ALL_OBJECTS, instantiates=Regularizer)
serialize = REGULARIZERS.serialize
deserialize = REGULARIZERS.deserialize
get = REGULARIZERS.get
