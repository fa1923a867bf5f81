"""Learning-rate schedules (``keras/src/optimizers/schedules/learning_rate_schedule.py``).

A schedule maps the optimizer's step count (`iterations`, before the update)
to a learning rate, computed in float32 with Keras's order of operations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Self

import numpy as np
from numpy.typing import ArrayLike

from upsample.optimizers._libm import powf
from upsample.optimizers.hyperparameters import check_hyperparameter
from upsample.utils.registry import Registry

f32 = np.float32


class LearningRateSchedule:
    """Base class: ``schedule(step) -> learning rate``."""

    keras_module = "keras.optimizers.schedules"

    def __call__(self, step: ArrayLike) -> np.float32:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`."
        )

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` "
            "in order to be serializable."
        )

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        return cls(**config)

    def __repr__(self) -> str:
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


def _check_decay_steps(value: Any, name: str = "decay_steps") -> None:
    if not value > 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value!r}")


class _StepDecay(LearningRateSchedule):
    """Shared by the decays of ``p = step / decay_steps`` (floored if `staircase`)."""

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool,
        name: str,
    ) -> None:
        _check_decay_steps(decay_steps)
        check_hyperparameter("initial_learning_rate", initial_learning_rate, low=0)
        # A negative rate gives NaN (a fractional power) or a denominator crossing zero.
        check_hyperparameter("decay_rate", decay_rate, low=0)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def _progress(self, step: ArrayLike) -> np.float32:
        p = f32(np.asarray(step)) / f32(self.decay_steps)
        return np.floor(p) if self.staircase else p

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class ExponentialDecay(_StepDecay):
    """``initial_learning_rate * decay_rate ** p`` with ``p = step / decay_steps``."""

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "ExponentialDecay",
    ) -> None:
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step: ArrayLike) -> np.float32:
        rate = powf(self.decay_rate, self._progress(step))  # XLA's pow: see `_libm`
        return f32(self.initial_learning_rate) * rate


class InverseTimeDecay(_StepDecay):
    """``initial_learning_rate / (1 + decay_rate * p)`` with ``p = step / decay_steps``."""

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "InverseTimeDecay",
    ) -> None:
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step: ArrayLike) -> np.float32:
        denominator = f32(1) + f32(self.decay_rate) * self._progress(step)
        return f32(self.initial_learning_rate) / denominator


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[i]`` for ``boundaries[i-1] < step <= boundaries[i]``."""

    def __init__(
        self, boundaries: Sequence[int], values: Sequence[float], name: str = "PiecewiseConstant"
    ) -> None:
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}."
            )
        for i, value in enumerate(values):
            check_hyperparameter(f"values[{i}]", value, low=0)
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step: ArrayLike) -> np.float32:
        step = np.asarray(step)
        # Keras casts the boundaries to the step's type (an int step truncates them).
        bounds = [np.asarray(b).astype(step.dtype) for b in self.boundaries]
        values = [f32(v) for v in self.values]
        result = f32(0)
        result += f32(step <= bounds[0]) * values[0]
        result += f32(step > bounds[-1]) * values[-1]
        for low, high, value in zip(bounds[:-1], bounds[1:], values[1:-1]):
            result += f32((step > low) & (step <= high)) * value
        return result

    def get_config(self) -> dict[str, Any]:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay from `initial_learning_rate` to ``alpha`` times it over `decay_steps`.

    With `warmup_target`, the rate first rises linearly to it over `warmup_steps`,
    then decays from it.  Keras's values can differ from these in the last bit:
    XLA's ``cos`` is not NumPy's, and with a warmup Keras's ``ops.cond`` compiles
    both branches, where XLA fuses ``a * b + c`` into one rounding (an FMA).
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        alpha: float = 0.0,
        name: str = "CosineDecay",
        warmup_target: float | None = None,
        warmup_steps: int = 0,
    ) -> None:
        _check_decay_steps(decay_steps)
        check_hyperparameter("initial_learning_rate", initial_learning_rate, low=0)
        check_hyperparameter("alpha", alpha, low=0)
        if warmup_target is not None:
            check_hyperparameter("warmup_target", warmup_target, low=0)
        check_hyperparameter("warmup_steps", warmup_steps, low=0)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def _decay(self, step: np.float32, decay_from: np.float32) -> np.float32:
        completed = step / f32(self.decay_steps)
        cosine = f32(0.5) * (f32(1.0) + np.cos(f32(math.pi) * completed))
        return decay_from * (f32(1 - self.alpha) * cosine + f32(self.alpha))

    def __call__(self, step: ArrayLike) -> np.float32:
        initial = f32(self.initial_learning_rate)
        decay_steps, now = f32(self.decay_steps), f32(np.asarray(step))
        if self.warmup_target is None:
            return self._decay(np.minimum(now, decay_steps), initial)
        target, warmup = f32(self.warmup_target), f32(self.warmup_steps)
        now = np.minimum(now, decay_steps + warmup)
        if now < warmup:
            return (target - initial) * (now / warmup) + initial
        return self._decay(now - warmup, target)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


ALL_OBJECTS: dict[str, type[LearningRateSchedule]] = {
    cls.__name__: cls
    for cls in (
        LearningRateSchedule,
        ExponentialDecay,
        InverseTimeDecay,
        PiecewiseConstantDecay,
        CosineDecay,
    )
}


SCHEDULES = Registry("schedule", LearningRateSchedule, ALL_OBJECTS)
serialize = SCHEDULES.serialize
deserialize = SCHEDULES.deserialize
