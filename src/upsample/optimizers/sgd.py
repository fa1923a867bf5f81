"""SGD, optionally with (Nesterov) momentum (``keras/src/optimizers/sgd.py``)."""

from __future__ import annotations

from typing import Any

from upsample.optimizers.optimizer import Array, LearningRate, Optimizer
from upsample.variables import Variable


class SGD(Optimizer):
    """``v = momentum * v - lr * g``; ``w += v`` (or ``w += momentum * v - lr * g`` if `nesterov`).

    Without momentum, ``w -= lr * g``.  Other keyword arguments are the base
    optimizer's (`weight_decay`, `clipnorm`, `clipvalue`, `global_clipnorm`, `name`, …).
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        if isinstance(momentum, bool) or not isinstance(momentum, float) or not 0 <= momentum <= 1:
            raise ValueError(
                f"`momentum` must be a float between [0, 1]. Received: momentum={momentum!r}"
            )
        self.momentum = momentum
        self.nesterov = nesterov
        self.momentums: list[Variable] = []

    def build(self, variables: Any) -> None:
        if self.built:
            return
        super().build(variables)
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def update_step(self, gradient: Array, variable: Any, learning_rate: float) -> None:
        dtype = variable.value.dtype.type
        lr, g = dtype(learning_rate), gradient.astype(variable.value.dtype, copy=False)
        if self.momentum == 0:
            variable.value -= g * lr
            return
        momentum = dtype(self.momentum)
        m = self.momentums[self.slot_index(variable)].value
        m[...] = m * momentum - g * lr
        if self.nesterov:
            variable.value += m * momentum - g * lr
        else:
            variable.value += m

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
