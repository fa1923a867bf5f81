"""Initializers that fill with a constant (``keras/src/initializers/constant_initializers.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from upsample.initializers.initializer import Initializer, standardize_dtype, standardize_shape


class Constant(Initializer):
    """Every element equals `value` (a scalar)."""

    def __init__(self, value: float = 0.0) -> None:
        if isinstance(value, np.generic):
            value = value.item()
        if not isinstance(value, int | float):
            raise ValueError(
                f"`Constant` takes a scalar `value`. Received: value={value!r} "
                f"of type {type(value).__name__}"
            )
        self.value = value

    def __call__(self, shape: int | Sequence[int], dtype: DTypeLike | None = None) -> NDArray[Any]:
        dims: tuple[int, ...] = standardize_shape(shape)
        return np.full(dims, self.value, dtype=standardize_dtype(dtype))

    def get_config(self) -> dict[str, Any]:
        return {"value": self.value}


class Zeros(Constant):
    """Every element is 0 (the default bias initializer)."""

    def __init__(self) -> None:
        super().__init__(0)

    def get_config(self) -> dict[str, Any]:
        return {}


class Ones(Constant):
    """Every element is 1."""

    def __init__(self) -> None:
        super().__init__(1)

    def get_config(self) -> dict[str, Any]:
        return {}
