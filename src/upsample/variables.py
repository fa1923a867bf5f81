"""`Variable`: a named, mutable array owned by a layer or an optimizer."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray


class Variable:
    """A weight: an ndarray with a name, a path (``"conv2d/kernel"``) and a trainable flag.

    Optimizers update `value` in place; `assign` replaces it after checking the shape.
    """

    def __init__(
        self,
        value: ArrayLike,
        *,
        name: str,
        path: str | None = None,
        trainable: bool = True,
        dtype: DTypeLike | None = None,
    ) -> None:
        self.value: NDArray[Any] = np.array(value, dtype=dtype)
        self.name = name
        self.path = path or name
        self.trainable = trainable

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.value.shape)

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.value.dtype

    def assign(self, value: ArrayLike) -> None:
        array = np.asarray(value)
        if array.shape != self.value.shape:
            raise ValueError(
                f"Cannot assign a value of shape {array.shape} to the variable {self.path!r} "
                f"of shape {self.value.shape}."
            )
        self.value[...] = array

    def numpy(self) -> NDArray[Any]:
        """A copy of the value, as Keras's `variable.numpy()`."""
        return self.value.copy()

    def __array__(self, dtype: DTypeLike | None = None, copy: bool | None = None) -> NDArray[Any]:
        return np.array(self.value, dtype=dtype, copy=True if copy is None else copy)

    def __repr__(self) -> str:
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}>"
