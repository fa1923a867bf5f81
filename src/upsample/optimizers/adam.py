"""Adam (Kingma & Ba 2014) in Keras's "epsilon-hat" form (``keras/src/optimizers/adam.py``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from upsample.optimizers._libm import powf
from upsample.optimizers.hyperparameters import check_hyperparameter
from upsample.optimizers.optimizer import Array, LearningRate, Optimizer
from upsample.variables import Variable


class Adam(Optimizer):
    """Adam with Keras's placement of epsilon.

    With ``t = iterations + 1``::

        alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        m += (g - m) * (1 - beta_1)
        v += (g**2 - v) * (1 - beta_2)
        w -= m * alpha / (sqrt(v) + epsilon)

    Epsilon is added to the *uncorrected* ``sqrt(v)`` (the paper's "epsilon-hat"),
    not to ``sqrt(v_hat)`` as in `torch.optim.Adam`.  With `amsgrad`, ``v`` is
    replaced by its running maximum.  Other keyword arguments are the base
    optimizer's (`weight_decay`, `clipnorm`, `clipvalue`, `global_clipnorm`, `name`, …).
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        # Outside these ranges the bias corrections divide by zero or take a negative root.
        check_hyperparameter("beta_1", beta_1, low=0, high=1, high_open=True)
        check_hyperparameter("beta_2", beta_2, low=0, high=1)
        check_hyperparameter("epsilon", epsilon, low=0)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self._momentums: list[Variable] = []
        self._velocities: list[Variable] = []
        self._velocity_hats: list[Variable] = []

    def build(self, variables: Any) -> None:
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self.add_interleaved_variables(
            variables, ["momentum", "velocity"]
        )
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(variables, "velocity_hat")

    def update_step(self, gradient: Array, variable: Any, learning_rate: float) -> None:
        dtype = variable.value.dtype.type
        lr, g = dtype(learning_rate), gradient.astype(variable.value.dtype, copy=False)
        # Python floats meet float32 arrays as float32 (NEP 50), as JAX's weak types do.
        beta_1, beta_2, epsilon = float(self.beta_1), float(self.beta_2), float(self.epsilon)
        step = int(self.iterations.value) + 1
        # XLA's pow, not NumPy's (which differs in the last bit): see `_libm`.
        beta_1_power, beta_2_power = dtype(powf(beta_1, step)), dtype(powf(beta_2, step))
        index = self.slot_index(variable)
        m, v = self._momentums[index].value, self._velocities[index].value
        alpha = lr * np.sqrt(1 - beta_2_power) / (1 - beta_1_power)
        m += (g - m) * (1 - beta_1)
        v += (np.square(g) - v) * (1 - beta_2)
        if self.amsgrad:
            v_hat = self._velocity_hats[index].value
            np.maximum(v_hat, v, out=v_hat)
            v = v_hat
        variable.value -= (m * alpha) / (np.sqrt(v) + epsilon)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }
