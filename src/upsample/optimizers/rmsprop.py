"""RMSprop, plain or centered, with optional momentum (``keras/src/optimizers/rmsprop.py``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from upsample.optimizers.hyperparameters import check_hyperparameter
from upsample.optimizers.optimizer import Array, LearningRate, Optimizer
from upsample.variables import Variable


class RMSprop(Optimizer):
    """Divide the gradient by a running root mean square of recent gradients.

    ::

        v = rho * v + (1 - rho) * g**2
        [centered: a = rho * a + (1 - rho) * g;  v_used = v - a**2]
        increment = lr * g / sqrt(v_used + epsilon)
        w -= increment    (or, with momentum: m = momentum * m + increment; w -= m)

    Epsilon is inside the square root.  Other keyword arguments are the base
    optimizer's (`weight_decay`, `clipnorm`, `clipvalue`, `global_clipnorm`, `name`, …).
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        # With rho > 1 or a negative epsilon the root can be of a negative number.
        check_hyperparameter("rho", rho, low=0, high=1)
        check_hyperparameter("momentum", momentum, low=0)
        check_hyperparameter("epsilon", epsilon, low=0)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
        self._velocities: list[Variable] = []
        self._momentums: list[Variable] = []
        self._average_gradients: list[Variable] = []

    def build(self, variables: Any) -> None:
        if self.built:
            return
        super().build(variables)
        # One kind of slot after the other (not interleaved), as Keras builds them.
        self._velocities = self.add_optimizer_variables(variables, "velocity")
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(variables, "momentum")
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(variables, "average_gradient")

    def update_step(self, gradient: Array, variable: Any, learning_rate: float) -> None:
        dtype = variable.value.dtype.type
        lr, g = dtype(learning_rate), gradient.astype(variable.value.dtype, copy=False)
        rho, epsilon = float(self.rho), float(self.epsilon)
        index = self.slot_index(variable)
        velocity = self._velocities[index].value
        velocity[...] = rho * velocity + (1 - rho) * np.square(g)
        if self.centered:
            average = self._average_gradients[index].value
            average[...] = rho * average + (1 - rho) * g
            denominator = velocity - np.square(average) + epsilon
        else:
            denominator = velocity + epsilon
        increment = (lr * g) / np.sqrt(denominator)
        if self.momentum > 0:
            m = self._momentums[index].value
            m[...] = float(self.momentum) * m + increment
            variable.value -= m
        else:
            variable.value -= increment

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }
