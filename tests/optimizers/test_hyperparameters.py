"""Optimizer and schedule arguments that would silently NaN the weights are refused, by name."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from upsample.optimizers import SGD, Adam, RMSprop
from upsample.optimizers.hyperparameters import check_hyperparameter
from upsample.optimizers.schedules import (
    CosineDecay,
    ExponentialDecay,
    InverseTimeDecay,
    PiecewiseConstantDecay,
)
from upsample.variables import Variable

NAN, INF = math.nan, math.inf


@pytest.mark.parametrize(
    ("make", "argument", "value"),
    [
        (Adam, "learning_rate", NAN),
        (Adam, "learning_rate", INF),
        (Adam, "learning_rate", -0.001),
        (SGD, "learning_rate", NAN),
        (RMSprop, "learning_rate", -INF),
        (Adam, "beta_1", NAN),
        (Adam, "beta_1", 1.0),  # the bias correction divides by 1 - beta_1**t = 0
        (Adam, "beta_2", 1.5),  # a negative number under the square root
        (Adam, "beta_2", -0.1),
        (Adam, "epsilon", NAN),
        (Adam, "epsilon", -1e-7),
        (RMSprop, "rho", 1.1),
        (RMSprop, "rho", NAN),
        (RMSprop, "momentum", -0.5),
        (RMSprop, "epsilon", INF),
        (SGD, "momentum", NAN),
        (Adam, "weight_decay", NAN),
        (SGD, "clipnorm", INF),
        (SGD, "clipvalue", NAN),
        (RMSprop, "global_clipnorm", NAN),
    ],
)
def test_optimizers_refuse_values_that_would_nan_the_weights(
    make: Callable[..., Any], argument: str, value: float
) -> None:
    with pytest.raises(ValueError, match=rf"`{argument}`.*{argument}={value}"):
        make(**{argument: value})


@pytest.mark.parametrize(
    ("make", "argument", "value"),
    [
        (lambda **a: ExponentialDecay(**{"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5, **a}), "initial_learning_rate", NAN),  # noqa: E501
        (lambda **a: ExponentialDecay(**{"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5, **a}), "decay_rate", -0.5),  # noqa: E501
        (lambda **a: InverseTimeDecay(**{"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5, **a}), "decay_rate", INF),  # noqa: E501
        (lambda **a: InverseTimeDecay(**{"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5, **a}), "initial_learning_rate", -1.0),  # noqa: E501
        (lambda **a: CosineDecay(**{"initial_learning_rate": 0.1, "decay_steps": 10, **a}), "alpha", NAN),  # noqa: E501
        (lambda **a: CosineDecay(**{"initial_learning_rate": 0.1, "decay_steps": 10, **a}), "warmup_target", -0.1),  # noqa: E501
        (lambda **a: CosineDecay(**{"initial_learning_rate": 0.1, "decay_steps": 10, **a}), "warmup_steps", NAN),  # noqa: E501
    ],
)  # fmt: skip
def test_schedules_refuse_values_that_would_nan_the_rate(
    make: Callable[..., Any], argument: str, value: float
) -> None:
    with pytest.raises(ValueError, match=rf"`{argument}`.*{argument}={value}"):
        make(**{argument: value})


def test_piecewise_constant_decay_names_the_bad_value() -> None:
    with pytest.raises(ValueError, match=r"`values\[1\]`.*values\[1\]=nan"):
        PiecewiseConstantDecay([10], [0.1, NAN])


def test_setting_a_bad_learning_rate_is_refused_and_keeps_the_old_one() -> None:
    optimizer = Adam(learning_rate=0.01)
    with pytest.raises(ValueError, match="learning_rate=nan"):
        optimizer.learning_rate = NAN
    assert optimizer.current_learning_rate() == pytest.approx(0.01)


def test_a_callable_rate_that_turns_nan_stops_before_any_update() -> None:
    weights = Variable(np.ones(3, np.float32), name="kernel", path="dense/kernel")
    rates = iter([0.1, NAN])
    optimizer = SGD(learning_rate=lambda: next(rates))
    optimizer.apply([np.ones(3)], [weights])
    before = weights.numpy().copy()
    with pytest.raises(ValueError, match=r"learning rate of optimizer 'sgd\w*' at step 1 is nan"):
        optimizer.apply([np.ones(3)], [weights])
    np.testing.assert_array_equal(weights.numpy(), before)
    assert int(optimizer.iterations.value) == 1


def test_a_nan_rate_loaded_into_the_variable_is_caught_at_the_next_step() -> None:
    optimizer = Adam()
    optimizer.variables[1].assign(np.float32(NAN))  # as a damaged file could hold
    with pytest.raises(ValueError, match="at step 0 is nan"):
        optimizer.current_learning_rate()


@pytest.mark.parametrize(
    ("value", "bounds", "text"),
    [
        (0.5, {"low": 0, "high": 1, "high_open": True}, None),
        (0.0, {"low": 0}, None),
        (-3.0, {}, None),
        (1.0, {"low": 0, "high": 1, "high_open": True}, "in [0, 1)"),
        (2.0, {"low": 0, "high": 1}, "in [0, 1]"),
        (-1.0, {"low": 0}, ">= 0"),
        (INF, {}, "a finite number. Received"),
        (True, {}, "a finite number"),
        ("0.1", {"low": 0}, ">= 0"),
        (None, {}, "a finite number"),
    ],
)
def test_check_hyperparameter_states_the_range(
    value: Any, bounds: dict[str, Any], text: str | None
) -> None:
    if text is None:
        check_hyperparameter("x", value, **bounds)
        return
    with pytest.raises(ValueError, match=re.escape(text)):
        check_hyperparameter("x", value, **bounds)
