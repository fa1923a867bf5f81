"""The `Optimizer` base class with Keras 3's semantics (``keras/src/optimizers/base_optimizer.py``).

One `apply(grads, variables)` step, in Keras's order:

1. build on first use (slot variables, in Keras's order, so that saved state
   matches Keras's ``optimizer/vars/0..`` layout);
2. drop variables whose gradient is None;
3. clip (`clipnorm` per gradient, or `global_clipnorm`, or `clipvalue`);
4. decoupled weight decay: ``var -= var * weight_decay * lr``;
5. `update_step` per variable, with the learning rate at ``iterations``
   (before the increment) when it is a schedule;
6. apply ``variable.constraint`` when the variable has one;
7. ``iterations += 1``.

Arithmetic is float32 (the variables' dtype) with Keras's order of operations.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from typing import Any, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray

from upsample import config
from upsample.optimizers import clipping, schedules
from upsample.optimizers.hyperparameters import check_hyperparameter
from upsample.optimizers.schedules import LearningRateSchedule
from upsample.utils.naming import auto_name
from upsample.variables import Variable

Array = NDArray[Any]
LearningRate = float | LearningRateSchedule | Callable[[], float]


class Optimizer:
    """Base class of optimizers: subclasses implement `build` (slots) and `update_step`."""

    keras_module = "keras.optimizers"

    def __init__(
        self,
        learning_rate: LearningRate,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        if kwargs.pop("decay", None) is not None:
            warnings.warn(
                "Argument `decay` is no longer supported and will be ignored.", stacklevel=2
            )
        if kwargs:
            received = ", ".join(f"{key}={value!r}" for key, value in kwargs.items())
            raise ValueError(f"Argument(s) not recognized: {kwargs}. Received: {received}")
        _reject_unsupported(use_ema, loss_scale_factor, gradient_accumulation_steps)
        clip_arguments = {
            "clipnorm": clipnorm,
            "clipvalue": clipvalue,
            "global_clipnorm": global_clipnorm,
        }
        for argument, value in {"weight_decay": weight_decay, **clip_arguments}.items():
            if value is not None:
                check_hyperparameter(argument, value)
        if sum(value is not None for value in clip_arguments.values()) > 1:
            received = ", ".join(f"{key}={value}" for key, value in clip_arguments.items())
            raise ValueError(
                f"Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: {received}"
            )
        if name is None:
            name = auto_name(type(self).__name__)
        self.name = name
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._trainable_variables: list[Any] = []
        self._indices: dict[int, int] = {}
        self._exclude_ids: set[int] = set()
        self._exclude_pattern: re.Pattern[str] | None = None
        # Keras's JAX backend keeps the step count as int32.
        self._iterations = Variable(
            0, name="iteration", path=f"{name}/iteration", trainable=False, dtype=np.int32
        )
        self._variables: list[Variable] = [self._iterations]
        self._learning_rate: Variable | LearningRateSchedule | Callable[[], float]
        self._set_learning_rate(learning_rate)

    # ----------------------------------------------------------------------- learning rate

    def _set_learning_rate(self, learning_rate: LearningRate) -> None:
        if isinstance(learning_rate, LearningRateSchedule) or callable(learning_rate):
            self._learning_rate = learning_rate
            return
        if isinstance(learning_rate, bool) or not isinstance(learning_rate, float | np.floating):
            raise ValueError(
                "Argument `learning_rate` should be float, or an instance of "
                "LearningRateSchedule, or a callable (that takes in the current iteration "
                f"value and returns the corresponding learning rate value). Received instead: "
                f"learning_rate={learning_rate!r}"
            )
        check_hyperparameter("learning_rate", learning_rate, low=0)
        variable = Variable(
            learning_rate,
            name="learning_rate",
            path=f"{self.name}/learning_rate",
            trainable=False,
            dtype=config.floatx(),
        )
        self._learning_rate = variable
        self._variables.insert(1, variable)

    @property
    def learning_rate(self) -> Any:
        """The learning-rate `Variable` (assignable), or the scheduled rate now."""
        if isinstance(self._learning_rate, Variable):
            return self._learning_rate
        return self.current_learning_rate()

    @learning_rate.setter
    def learning_rate(self, learning_rate: LearningRate) -> None:
        current = self._learning_rate
        if isinstance(current, Variable) and not (
            isinstance(learning_rate, LearningRateSchedule) or callable(learning_rate)
        ):
            check_hyperparameter("learning_rate", learning_rate, low=0)
            current.assign(np.asarray(learning_rate, dtype=current.dtype))
            return
        if isinstance(current, LearningRateSchedule) and not callable(learning_rate):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not "
                "settable. If you need the learning rate to be settable, you should "
                "instantiate the optimizer with a float `learning_rate` argument."
            )
        if isinstance(current, Variable):
            self._variables.remove(current)
        self._set_learning_rate(learning_rate)

    def current_learning_rate(self) -> float:
        """The learning rate of the next update (a schedule is evaluated at `iterations`).

        A float32 value (returned as a Python float, which holds it exactly).
        A ValueError, before any update, if it is NaN, infinite or negative
        (a schedule or callable gave it, or it was assigned to the variable).
        """
        rate = self._learning_rate
        if isinstance(rate, Variable):
            value: Any = rate.value
        elif isinstance(rate, LearningRateSchedule):
            value = rate(self._iterations.value[()])
        else:
            value = rate()
        learning_rate = float(np.asarray(value, dtype=config.floatx()))
        if not (math.isfinite(learning_rate) and learning_rate >= 0):
            source = "" if isinstance(rate, Variable) else f" (from {rate!r})"
            raise ValueError(
                f"The learning rate of optimizer {self.name!r} at step "
                f"{int(self._iterations.value)} is {learning_rate}{source}; it must be a finite "
                "number >= 0, or the update would ruin the weights."
            )
        return learning_rate

    # ----------------------------------------------------------------------- state

    @property
    def iterations(self) -> Variable:
        """How many times `apply` has updated the variables (an int32 `Variable`)."""
        return self._iterations

    @property
    def variables(self) -> list[Variable]:
        """Iterations, the learning rate (unless scheduled), then the slots in build order."""
        return list(self._variables)

    def build(self, variables: Sequence[Any]) -> None:
        """Remember `variables`; subclasses then create their slots."""
        self._indices = {id(variable): i for i, variable in enumerate(variables)}
        self._trainable_variables = list(variables)
        self.built = True

    def add_variable_from_reference(self, reference: Any, name: str) -> Variable:
        """A zero slot shaped like `reference`, named ``<reference path>_<name>`` as Keras does."""
        slot_name = f"{reference.path.replace('/', '_')}_{name}"
        variable = Variable(
            np.zeros_like(reference.value),
            name=slot_name,
            path=f"{self.name}/{slot_name}",
            trainable=False,
        )
        self._variables.append(variable)
        return variable

    def add_optimizer_variables(self, variables: Sequence[Any], name: str) -> list[Variable]:
        """One slot per variable, in the variables' order."""
        return [self.add_variable_from_reference(variable, name) for variable in variables]

    def add_interleaved_variables(
        self, variables: Sequence[Any], names: Sequence[str]
    ) -> tuple[list[Variable], ...]:
        """Slots named `names` for each variable in turn (Adam: m0, v0, m1, v1, …)."""
        slots: tuple[list[Variable], ...] = tuple([] for _ in names)
        for variable in variables:
            for kind, name in zip(slots, names):
                kind.append(self.add_variable_from_reference(variable, name))
        return slots

    def slot_index(self, variable: Any) -> int:
        """The position of `variable` in the list the optimizer was built with."""
        return self._indices[id(variable)]

    # ----------------------------------------------------------------------- applying

    def apply_gradients(self, grads_and_vars: Iterable[tuple[ArrayLike | None, Any]]) -> Variable:
        """Apply ``(gradient, variable)`` pairs; returns `iterations` (as tf.keras did)."""
        grads, variables = zip(*grads_and_vars, strict=True)
        self.apply(list(grads), list(variables))
        return self._iterations

    def apply(
        self, grads: Sequence[ArrayLike | None], trainable_variables: Sequence[Any] | None = None
    ) -> None:
        """Update `trainable_variables` in place from `grads` (None gradients are skipped)."""
        if len(grads) == 0:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be "
                    "built on a list of variables. Call `optimizer.build(trainable_variables)` "
                    "first."
                )
            if len(grads) != len(self._trainable_variables):
                raise ValueError(
                    f"Received {len(grads)} gradients, but the optimizer is tracking "
                    f"{len(self._trainable_variables)} trainable variables."
                )
            trainable_variables = self._trainable_variables
        else:
            trainable_variables = list(trainable_variables)
            if not self.built:
                self.build(trainable_variables)
            self._check_variables_are_known(trainable_variables)
        kept_grads, kept_vars = self._filter_empty_gradients(grads, trainable_variables)
        kept_grads = self._clip_gradients(kept_grads)
        self._apply_weight_decay(kept_vars)
        learning_rate = self.current_learning_rate()
        for grad, variable in zip(kept_grads, kept_vars):
            self.update_step(grad, variable, learning_rate)
        for variable in kept_vars:
            constraint = getattr(variable, "constraint", None)
            if constraint is not None:
                variable.assign(constraint(variable.value))
        self._iterations.value += 1

    def update_step(self, gradient: Array, variable: Any, learning_rate: float) -> None:
        """Update one variable in place."""
        raise NotImplementedError(f"{type(self).__name__} must implement `update_step`.")

    def _check_variables_are_known(self, variables: Sequence[Any]) -> None:
        for variable in variables:
            if id(variable) not in self._indices:
                raise ValueError(
                    f"Unknown variable: {variable}. This optimizer can only be called for the "
                    "variables it was originally built with. When working with a new set of "
                    "variables, you should recreate a new optimizer instance."
                )

    @staticmethod
    def _filter_empty_gradients(
        grads: Sequence[ArrayLike | None], variables: Sequence[Any]
    ) -> tuple[list[Array], list[Any]]:
        kept = [(np.asarray(g), v) for g, v in zip(grads, variables) if g is not None]
        if not kept:
            raise ValueError("No gradients provided for any variable.")
        missing = [v.path for g, v in zip(grads, variables) if g is None]
        if missing:
            warnings.warn(
                f"Gradients do not exist for variables {missing} when minimizing the loss. "
                "If using `model.compile()`, did you forget to provide a `loss` argument?",
                stacklevel=3,
            )
        return [g for g, _ in kept], [v for _, v in kept]

    def _clip_gradients(self, grads: list[Array]) -> list[Array]:
        # Keras tests truthiness: a clip argument of 0 means no clipping.
        if self.clipnorm and self.clipnorm > 0:
            return [clipping.clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            clipped = clipping.clip_by_global_norm(grads, self.global_clipnorm)
            return [g for g in clipped if g is not None]
        if self.clipvalue and self.clipvalue > 0:
            return [clipping.clip_by_value(g, self.clipvalue) for g in grads]
        return grads

    def exclude_from_weight_decay(
        self, var_list: Sequence[Any] | None = None, var_names: Sequence[str] | None = None
    ) -> None:
        """Exempt these variables (or those whose name matches one of `var_names`) from decay.

        Keras documents "before the optimizer is built" but never enforces it (it
        checks an attribute that does not exist); neither do we.
        """
        self._exclude_ids = {id(variable) for variable in var_list or ()}
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None

    def _use_weight_decay(self, variable: Any) -> bool:
        if id(variable) in self._exclude_ids:
            return False
        return self._exclude_pattern is None or not self._exclude_pattern.search(variable.name)

    def _apply_weight_decay(self, variables: Sequence[Any]) -> None:
        if self.weight_decay is None:
            return
        for variable in variables:
            if self._use_weight_decay(variable):
                dtype = variable.value.dtype.type
                lr, decay = dtype(self.current_learning_rate()), dtype(self.weight_decay)
                variable.value -= variable.value * decay * lr

    # ----------------------------------------------------------------------- saving

    def save_own_variables(self, store: MutableMapping[str, Array]) -> None:
        """Write `variables` as ``store["0"], store["1"], …`` (the ``.keras`` layout)."""
        for i, variable in enumerate(self._variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store: Mapping[str, ArrayLike]) -> None:
        """Read `variables` back; a store of another length is skipped with a warning, as Keras."""
        if len(store.keys()) != len(self._variables):
            warnings.warn(
                f"Skipping variable loading for optimizer '{self.name}', because it has "
                f"{len(self._variables)} variables whereas the saved optimizer has "
                f"{len(store.keys())} variables.",
                stacklevel=2,
            )
            return
        for i, variable in enumerate(self._variables):
            variable.assign(store[str(i)])

    def set_weights(self, weights: Sequence[ArrayLike]) -> None:
        """Assign `weights` to `variables`, in order."""
        if not self.built:
            raise ValueError(
                "You are calling `set_weights()` on an optimizer that has not yet been built. "
                "Please call `optimizer.build(trainable_variables)` to create the optimizer "
                "weights before calling `set_weights()`."
            )
        for variable, weight in zip(self._variables, weights):
            variable.assign(weight)

    def get_config(self) -> dict[str, Any]:
        rate = self._learning_rate
        if isinstance(rate, LearningRateSchedule):
            learning_rate: Any = schedules.serialize(rate)
        else:
            # The float32 value, as Keras reads its variable: 0.001 -> 0.0010000000474974513.
            learning_rate = float(self.current_learning_rate())
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"])
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def _reject_unsupported(
    use_ema: bool, loss_scale_factor: float | None, gradient_accumulation_steps: int | None
) -> None:
    if gradient_accumulation_steps and not gradient_accumulation_steps >= 2:
        raise ValueError(
            "`gradient_accumulation_steps` must be an integer >= 2. Received: "
            f"gradient_accumulation_steps={gradient_accumulation_steps}"
        )
    unsupported = {
        "use_ema": use_ema or None,
        "loss_scale_factor": loss_scale_factor,
        "gradient_accumulation_steps": gradient_accumulation_steps,
    }
    for argument, value in unsupported.items():
        if value is not None:
            raise NotImplementedError(
                f"upsample's optimizers do not implement `{argument}`. Received: "
                f"{argument}={value!r}"
            )
