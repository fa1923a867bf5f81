"""The stateful `Metric` base class (``keras/src/metrics/metric.py``).

A metric accumulates state across batches in non-trainable `Variable`s
(`update_state`), reports it (`result`) and starts over (`reset_state`).
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
from numpy.typing import DTypeLike

from upsample import config
from upsample.utils.naming import auto_name
from upsample.variables import Variable


class Metric:
    """Base class of metrics: subclasses implement `update_state` and `result`."""

    keras_module = "keras.metrics"

    def __init__(self, dtype: DTypeLike | None = None, name: str | None = None) -> None:
        if name is None:
            name = auto_name(type(self).__name__)
        self.name = name
        self.dtype = np.dtype(config.floatx() if dtype is None else dtype).name
        self._variables: list[Variable] = []

    def add_variable(
        self, shape: tuple[int, ...] = (), dtype: DTypeLike | None = None, name: str = "variable"
    ) -> Variable:
        """A zero-initialised, non-trainable state variable."""
        variable = Variable(
            np.zeros(shape, dtype=dtype or self.dtype),
            name=name,
            path=f"{self.name}/{name}",
            trainable=False,
        )
        self._variables.append(variable)
        return variable

    @property
    def variables(self) -> list[Variable]:
        return list(self._variables)

    def reset_state(self) -> None:
        """Zero every state variable."""
        for variable in self._variables:
            variable.value[...] = 0

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement `update_state`.")

    def result(self) -> float:
        raise NotImplementedError(f"{type(self).__name__} must implement `result`.")

    def __call__(self, *args: Any, **kwargs: Any) -> float:
        """Update the state with one batch and return the result so far."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"
