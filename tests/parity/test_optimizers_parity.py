"""Optimizer trajectories against Keras 3 (JAX backend), from identical starts and gradients.

Every case runs 12 steps on three variables (a Conv2DTranspose kernel and bias
and a Dense kernel) with the same random gradient sequence on both sides.

Without gradient clipping by norm, our float32 arithmetic follows Keras's order
of operations exactly and the trajectories are **bit-identical** (Adam's
``beta ** t`` uses the C library's ``powf``, as XLA does).  Clipping by norm
sums squares over a whole gradient; XLA's CPU reduction order differs from
NumPy's, so the norm (and every update after it) may differ in the last bits:
those cases allow a few float32 ulps.  So does CosineDecay: XLA's ``cos`` is
not NumPy's, and with a warmup Keras's ``ops.cond`` compiles both branches,
where XLA fuses ``a * b + c`` into a fused multiply-add (one rounding, not two).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from support.reference import KerasReference
from upsample import constraints, optimizers, regularizers
from upsample.optimizers import SGD, Adam, Optimizer, RMSprop
from upsample.optimizers.schedules import (
    CosineDecay,
    ExponentialDecay,
    InverseTimeDecay,
    PiecewiseConstantDecay,
)
from upsample.variables import Variable

STEPS = 12
SHAPES = {
    "conv2d_transpose/kernel": (3, 3, 2, 4),
    "conv2d_transpose/bias": (2,),
    "dense/kernel": (5, 3),
}

# (id, factory, ulps): 0 ulps means bit-identical.
CASES: list[tuple[str, Callable[[], Optimizer], int]] = [
    ("sgd", lambda: SGD(learning_rate=0.05), 0),
    ("sgd-momentum", lambda: SGD(learning_rate=0.05, momentum=0.9), 0),
    ("sgd-nesterov", lambda: SGD(learning_rate=0.05, momentum=0.9, nesterov=True), 0),
    ("sgd-weight-decay", lambda: SGD(learning_rate=0.1, momentum=0.5, weight_decay=0.05), 0),
    ("sgd-clipvalue", lambda: SGD(learning_rate=0.1, clipvalue=0.3), 0),
    ("sgd-inverse-time", lambda: SGD(learning_rate=InverseTimeDecay(0.1, 4, 0.5)), 0),
    ("sgd-clipnorm", lambda: SGD(learning_rate=0.1, clipnorm=0.5), 4),
    (
        "sgd-cosine-warmup",
        lambda: SGD(learning_rate=CosineDecay(0.01, 8, 0.1, warmup_target=0.1, warmup_steps=3)),
        4,
    ),
    ("adam", lambda: Adam(), 0),
    ("adam-amsgrad", lambda: Adam(learning_rate=0.01, amsgrad=True), 0),
    ("adam-weight-decay", lambda: Adam(learning_rate=0.01, weight_decay=0.1), 0),
    (
        "adam-betas-epsilon",
        lambda: Adam(learning_rate=0.02, beta_1=0.5, beta_2=0.9, epsilon=0.1),
        0,
    ),
    (
        "adam-exponential-decay",
        lambda: Adam(learning_rate=ExponentialDecay(0.01, 3, 0.5, staircase=True)),
        0,
    ),
    ("adam-exponential-smooth", lambda: Adam(learning_rate=ExponentialDecay(0.01, 3, 0.7)), 0),
    ("adam-clipvalue", lambda: Adam(learning_rate=0.01, clipvalue=0.5), 0),
    ("adam-clipnorm", lambda: Adam(learning_rate=0.01, clipnorm=0.5), 4),
    ("adam-global-clipnorm", lambda: Adam(learning_rate=0.01, global_clipnorm=1.0), 4),
    ("rmsprop", lambda: RMSprop(), 0),
    ("rmsprop-centered", lambda: RMSprop(learning_rate=0.01, centered=True), 0),
    ("rmsprop-momentum", lambda: RMSprop(learning_rate=0.01, momentum=0.5), 0),
    (
        "rmsprop-centered-momentum-decay",
        lambda: RMSprop(learning_rate=0.01, rho=0.8, momentum=0.9, centered=True, weight_decay=0.1),
        0,
    ),
    (
        "rmsprop-piecewise",
        lambda: RMSprop(learning_rate=PiecewiseConstantDecay([3, 7], [0.01, 0.005, 0.001])),
        0,
    ),
    ("rmsprop-global-clipnorm", lambda: RMSprop(learning_rate=0.01, global_clipnorm=0.7), 4),
]


def starting_point(seed: int) -> tuple[list[tuple[str, np.ndarray]], list[list[np.ndarray]]]:
    rng = np.random.default_rng(seed)
    initial = [
        (path, rng.standard_normal(shape).astype(np.float32)) for path, shape in SHAPES.items()
    ]
    # Gradients of varied scale, so that clipping is sometimes active and sometimes not.
    gradients = [
        [
            (rng.standard_normal(shape) * rng.choice([0.01, 0.3, 3.0])).astype(np.float32)
            for shape in SHAPES.values()
        ]
        for _ in range(STEPS)
    ]
    return initial, gradients


def run_ours(
    optimizer: Optimizer, initial: list[tuple[str, np.ndarray]], gradients: list[list[Any]]
) -> tuple[list[list[np.ndarray]], list[float]]:
    variables = [
        Variable(value.copy(), name=path.rpartition("/")[2], path=path) for path, value in initial
    ]
    trajectory, rates = [], []
    for step in gradients:
        rates.append(optimizer.current_learning_rate())
        optimizer.apply_gradients(zip(step, variables, strict=True))
        trajectory.append([v.value.copy() for v in variables])
    return trajectory, rates


def assert_within_ulps(ours: np.ndarray, theirs: np.ndarray, ulps: int, what: str) -> None:
    if ulps == 0:
        np.testing.assert_array_equal(ours, theirs, err_msg=what)
        return
    # An ulp of each value, but at least an ulp of the variable's largest value:
    # a difference in a shared norm shifts every element by the same relative amount.
    floor = np.spacing(np.float32(np.abs(theirs).max()))
    tolerance = ulps * np.maximum(np.spacing(np.abs(theirs)), floor)
    excess = np.abs(ours.astype(np.float64) - theirs) - tolerance
    assert np.all(excess <= 0), f"{what}: {np.max(excess + tolerance)} > {ulps} ulps"


@pytest.mark.parametrize(("case", "make", "ulps"), CASES, ids=[c[0] for c in CASES])
def test_trajectory_matches_keras(
    keras_reference: KerasReference, case: str, make: Callable[[], Optimizer], ulps: int
) -> None:
    initial, gradients = starting_point(zlib.crc32(case.encode()))
    optimizer = make()
    ours, rates = run_ours(optimizer, initial, gradients)
    theirs = keras_reference(
        "support.keras_side_optim:run_optimizer",
        optimizers.serialize(optimizer),
        initial,
        gradients,
    ).output
    assert_within_ulps(
        np.array(rates, np.float32), np.array(theirs["learning_rates"], np.float32), ulps, "rates"
    )
    for step, (mine, keras_values) in enumerate(zip(ours, theirs["trajectory"][1:], strict=True)):
        for (path, _), a, b in zip(initial, mine, keras_values, strict=True):
            assert_within_ulps(a, b, ulps, f"step {step + 1}, {path}")
    # The optimizer's own state, in Keras's order and with Keras's paths (the
    # `.keras` layout optimizer/vars/0..).
    assert [v.path for v in optimizer.variables] == [p for p, _ in theirs["optimizer_variables"]]
    for variable, (path, value) in zip(
        optimizer.variables, theirs["optimizer_variables"], strict=True
    ):
        assert variable.value.dtype == value.dtype, path
        assert_within_ulps(variable.value, value, ulps, path)
    assert optimizer.get_config() == theirs["config"]


def test_none_gradients_are_skipped_like_keras(keras_reference: KerasReference) -> None:
    initial, gradients = starting_point(7)
    for i in range(0, STEPS, 3):
        gradients[i][1] = None  # type: ignore[call-overload]
    optimizer = Adam(learning_rate=0.01, name="adam")
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        ours, _ = run_ours(optimizer, initial, gradients)
    theirs = keras_reference(
        "support.keras_side_optim:run_optimizer",
        optimizers.serialize(optimizer),
        initial,
        gradients,
    ).output
    for mine, keras_values in zip(ours, theirs["trajectory"][1:], strict=True):
        for a, b in zip(mine, keras_values, strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "optimizer",
    [
        Adam(learning_rate=0.01, amsgrad=True, clipnorm=2.0, weight_decay=0.004),
        SGD(momentum=0.9, nesterov=True, global_clipnorm=3.0),
        RMSprop(rho=0.8, centered=True, clipvalue=0.1, name="my_rmsprop"),
        Adam(learning_rate=CosineDecay(0.01, 100, alpha=0.1, warmup_target=0.1, warmup_steps=5)),
        SGD(learning_rate=PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001])),
        SGD(learning_rate=InverseTimeDecay(0.1, 10, 0.5, staircase=True)),
    ],
    ids=lambda o: type(o).__name__,
)
def test_keras_loads_our_optimizer_configs(
    keras_reference: KerasReference, optimizer: Optimizer
) -> None:
    serialized = optimizers.serialize(optimizer)
    assert (
        keras_reference(
            "support.keras_side_optim:roundtrip_config", "optimizers", serialized
        ).output
        == serialized
    )


# ------------------------------------------------------------ regularizers, constraints
# (the other two things a training step applies to weights)


@pytest.mark.parametrize(
    "regularizer",
    [
        regularizers.L1(0.01),
        regularizers.L2(0.3),
        regularizers.L1L2(0.02, 0.05),
        regularizers.L1L2(l2=0.1),
    ],
    ids=lambda r: repr(r),
)
def test_regularizer_penalties_and_gradients(
    keras_reference: KerasReference, regularizer: regularizers.Regularizer
) -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 3, 4, 8)).astype(np.float32)
    x[0, 0, 0, :3] = 0.0  # |x| at 0: JAX's derivative is +1
    serialized = regularizers.serialize(regularizer)
    assert serialized is not None
    value, grad = keras_reference(
        "support.keras_side_optim:regularizer_value_and_grad", serialized, x
    ).output
    assert regularizer(x) == pytest.approx(float(value), rel=2e-6)
    np.testing.assert_array_equal(regularizer.gradient(x), grad)
    roundtrip = keras_reference(
        "support.keras_side_optim:roundtrip_config", "regularizers", serialized
    )
    assert roundtrip.output == serialized


@pytest.mark.parametrize(
    "constraint",
    [
        constraints.MaxNorm(1.5),
        constraints.MaxNorm(2.0, axis=[0, 1, 2]),
        constraints.MinMaxNorm(0.5, 1.5, rate=0.7, axis=1),
        constraints.UnitNorm(axis=[0, 1, 2]),
        constraints.NonNeg(),
    ],
    ids=lambda c: repr(c),
)
def test_constraints(keras_reference: KerasReference, constraint: constraints.Constraint) -> None:
    rng = np.random.default_rng(4)
    w = (rng.standard_normal((3, 3, 4, 8)) * rng.uniform(0.1, 2, 8)).astype(np.float32)
    serialized = constraints.serialize(constraint)
    assert serialized is not None
    theirs = keras_reference("support.keras_side_optim:constraint_apply", serialized, w).output
    # The norm is a sum over the kernel taps: XLA and NumPy may round it differently.
    np.testing.assert_allclose(constraint(w), theirs, rtol=4 * 2**-23, atol=0)
    roundtrip = keras_reference(
        "support.keras_side_optim:roundtrip_config", "constraints", serialized
    )
    assert roundtrip.output == serialized


# ----------------------------------------------------------------- what Keras accepts and rejects

# (module, class, arguments, the argument our error names or None if we accept them).
# Keras rejects each one we reject, except those in KERAS_ACCEPTS.
ARGUMENTS: list[tuple[str, str, dict[str, Any], str | None]] = [
    ("optimizers", "Adam", {"learning_rate": -1.0}, "learning_rate"),
    ("optimizers", "Adam", {"learning_rate": 1}, "learning_rate"),
    ("optimizers", "Adam", {"learning_rate": "fast"}, "learning_rate"),
    ("optimizers", "Adam", {"beta_1": 2.0, "epsilon": -1.0}, "beta_1"),
    ("optimizers", "Adam", {"clipnorm": 1.0, "clipvalue": 1.0}, "clipvalue"),
    ("optimizers", "Adam", {"gradient_accumulation_steps": 1}, "gradient_accumulation_steps"),
    ("optimizers", "SGD", {"momentum": 1.5}, "momentum"),
    ("optimizers", "SGD", {"momentum": 1}, "momentum"),
    ("optimizers", "SGD", {"momentum": -0.1}, "momentum"),
    ("optimizers", "RMSprop", {"lr": 0.1}, "lr"),
    (
        "optimizers.schedules",
        "ExponentialDecay",
        {"initial_learning_rate": 0.1, "decay_steps": 0, "decay_rate": 0.5},
        "decay_steps",
    ),
    (
        "optimizers.schedules",
        "PiecewiseConstantDecay",
        {"boundaries": [1, 2], "values": [1.0, 0.5]},
        "boundaries",
    ),
    ("initializers", "VarianceScaling", {"scale": 0.0}, "scale"),
    ("initializers", "VarianceScaling", {"mode": "fan_sum"}, "mode"),
    ("initializers", "VarianceScaling", {"distribution": "cauchy"}, "distribution"),
    ("initializers", "HeNormal", {"seed": "7"}, "seed"),
    ("initializers", "RandomNormal", {"stddev": -1.0}, None),
    ("regularizers", "L1", {"l1": -0.1}, "l1"),
    ("regularizers", "L2", {"l2": float("nan")}, "l2"),
    ("regularizers", "L1L2", {"l1": "0.1"}, "l1"),
    ("losses", "MeanSquaredError", {"reduction": "avg"}, "reduction"),
    ("losses", "BinaryCrossentropy", {"reduction": None}, None),
]


# Values Keras takes that would silently turn the weights into NaN (or ascend): refused here.
KERAS_ACCEPTS = [{"learning_rate": -1.0}, {"beta_1": 2.0, "epsilon": -1.0}]


@pytest.mark.parametrize(("module", "class_name", "kwargs", "named"), ARGUMENTS, ids=str)
def test_we_reject_what_keras_rejects(
    keras_reference: KerasReference,
    module: str,
    class_name: str,
    kwargs: dict[str, Any],
    named: str | None,
) -> None:
    """Keras's verdict, but for KERAS_ACCEPTS; our errors name the argument and the value."""
    import importlib

    keras_error = keras_reference(
        "support.keras_side_optim:construction_error", module, class_name, kwargs
    ).output
    target = importlib.import_module(f"upsample.{module}")
    assert (keras_error is None) == (named is None or kwargs in KERAS_ACCEPTS), keras_error
    if named is None:
        getattr(target, class_name)(**kwargs)
    else:
        with pytest.raises(ValueError, match=re.escape(f"{named}={kwargs[named]!r}")):
            getattr(target, class_name)(**kwargs)
