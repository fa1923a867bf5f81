"""The `Initializer` base class and the argument checks every initializer shares."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

import numpy as np
from numpy.typing import DTypeLike, NDArray

from upsample import config


class Initializer:
    """A callable ``(shape, dtype=None) -> ndarray`` with a Keras config.

    As `keras.initializers.Initializer` (``keras/src/initializers/initializer.py``).
    """

    keras_module = "keras.initializers"

    def __call__(self, shape: int | Sequence[int], dtype: DTypeLike | None = None) -> NDArray[Any]:
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__call__(shape, dtype=None)`."
        )

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        return cls(**config)

    def clone(self) -> Self:
        return type(self).from_config(self.get_config())

    def __repr__(self) -> str:
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


def standardize_shape(shape: int | Sequence[int]) -> tuple[int, ...]:
    """A tuple of non-negative ints; an int is a 1-D shape."""
    dims = (shape,) if isinstance(shape, int | np.integer) else shape
    try:
        valid = all(_is_size(d) for d in dims)
    except TypeError:
        valid = False
    if not valid or isinstance(shape, bool):
        raise ValueError(
            f"The `shape` must be a tuple of non-negative ints. Received: shape={shape!r}"
        )
    return tuple(int(d) for d in dims)


def _is_size(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool) and bool(value >= 0)


def standardize_dtype(dtype: DTypeLike | None, *, floating: bool = False) -> np.dtype[Any]:
    """`dtype`, or `config.floatx()` for None; `floating` rejects non-float types."""
    try:
        result = np.dtype(config.floatx() if dtype is None else dtype)
    except TypeError:
        raise ValueError(f"Unknown `dtype`. Received: dtype={dtype!r}") from None
    if floating and not np.issubdtype(result, np.floating):
        raise ValueError(
            f"Random initializers need a floating-point `dtype`. Received: dtype={dtype!r}"
        )
    return result
