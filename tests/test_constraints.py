"""Constraints: projections, configs and names."""

from __future__ import annotations

import numpy as np
import pytest

from upsample import config, constraints
from upsample.constraints import Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm

EPS = config.epsilon()


def test_max_norm_scales_only_the_long_columns() -> None:
    w = np.array([[3.0, 0.3], [4.0, 0.4]], np.float32)  # column norms 5 and 0.5
    out = MaxNorm(max_value=2.0)(w)
    np.testing.assert_allclose(out[:, 0], w[:, 0] * 2.0 / (5.0 + EPS), rtol=1e-6)
    np.testing.assert_allclose(out[:, 1], w[:, 1] * 0.5 / (0.5 + EPS), rtol=1e-6)


def test_norms_along_several_axes_as_for_a_conv_kernel(rng: np.random.Generator) -> None:
    kernel = rng.standard_normal((3, 3, 4, 5)).astype(np.float32) * 10
    out = UnitNorm(axis=[0, 1, 2])(kernel)
    np.testing.assert_allclose(np.sqrt(np.sum(out**2, axis=(0, 1, 2))), np.ones(5), rtol=1e-5)


def test_min_max_norm_moves_norms_into_the_interval_at_the_rate() -> None:
    w = np.array([[0.3], [0.4]], np.float32)  # norm 0.5
    out = MinMaxNorm(min_value=1.0, max_value=2.0, rate=0.5)(w)
    desired = 0.5 * 1.0 + 0.5 * 0.5
    np.testing.assert_allclose(out, w * desired / (0.5 + EPS), rtol=1e-6)


def test_non_neg_and_identity() -> None:
    w = np.array([-1.0, 0.0, 2.0], np.float32)
    np.testing.assert_array_equal(NonNeg()(w), [0.0, 0.0, 2.0])
    np.testing.assert_array_equal(Constraint()(w), w)


def test_zero_weights_stay_zero() -> None:
    zeros = np.zeros((2, 3), np.float32)
    for constraint in (MaxNorm(), UnitNorm(), MinMaxNorm()):
        np.testing.assert_array_equal(constraint(zeros), zeros)


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        (MaxNorm(), {"max_value": 2, "axis": 0}),
        (MaxNorm(3.0, axis=[0, 1]), {"max_value": 3.0, "axis": [0, 1]}),
        (MinMaxNorm(), {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}),
        (UnitNorm(axis=1), {"axis": 1}),
        (NonNeg(), {}),
    ],
)
def test_configs_round_trip(constraint: Constraint, expected: dict[str, object]) -> None:
    assert constraint.get_config() == expected
    serialized = constraints.serialize(constraint)
    assert serialized is not None and serialized["module"] == "keras.constraints"
    restored = constraints.deserialize(serialized)
    assert type(restored) is type(constraint) and restored.get_config() == expected


def test_get_by_name() -> None:
    assert type(constraints.get("max_norm")) is MaxNorm
    assert type(constraints.get("NonNeg")) is NonNeg
    assert type(constraints.get("unit_norm")) is UnitNorm
    assert type(constraints.get("min_max_norm")) is MinMaxNorm
    assert constraints.max_norm is MaxNorm
    assert constraints.get(None) is None
    with pytest.raises(ValueError, match=r"Unknown constraint: 'maxnorm'.*max_norm"):
        constraints.get("maxnorm")
