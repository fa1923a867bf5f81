"""Regularizers: penalties, their gradients, argument checks, configs and names."""

from __future__ import annotations

import re

import numpy as np
import pytest

from support.gradcheck import assert_vjp_matches_numerical
from upsample import regularizers
from upsample.regularizers import L1, L1L2, L2, Regularizer


def test_penalties_follow_the_formulas() -> None:
    x = np.array([[1.0, -2.0], [0.5, 0.0]], np.float32)
    assert L1(0.1)(x) == pytest.approx(0.1 * 3.5, rel=1e-6)
    assert L2(0.1)(x) == pytest.approx(0.1 * 5.25, rel=1e-6)
    assert L1L2(l1=0.1, l2=0.2)(x) == pytest.approx(0.1 * 3.5 + 0.2 * 5.25, rel=1e-6)
    assert L1L2()(x) == 0.0
    assert Regularizer()(x) == 0.0


@pytest.mark.parametrize("regularizer", [L1(0.3), L2(0.7), L1L2(0.3, 0.7), L1L2(l2=0.5)])
def test_gradient_matches_finite_differences(
    regularizer: Regularizer, rng: np.random.Generator
) -> None:
    x = rng.standard_normal((3, 4))
    assert_vjp_matches_numerical(
        lambda w: np.asarray(regularizer(w)),
        lambda cotangent, w: [cotangent * regularizer.gradient(w)],
        [x],
        rng,
    )


def test_the_l1_gradient_at_zero_is_the_factor() -> None:
    """JAX differentiates |x| as +1 at 0, and Keras trains through that."""
    np.testing.assert_array_equal(
        L1(0.5).gradient(np.array([-1.0, 0.0, 2.0], np.float32)), [-0.5, 0.5, 0.5]
    )


def test_float32_in_float32_out() -> None:
    x = np.ones(3, np.float32)
    assert L2(0.1).gradient(x).dtype == np.float32
    assert L1L2(0.1, 0.1).gradient(x).dtype == np.float32


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: L1(-0.1), "l1=-0.1"),
        (lambda: L2(float("nan")), "l2=nan"),
        (lambda: L1L2(l1="0.1"), "l1='0.1'"),
        (lambda: L2(True), "l2=True"),
    ],
)
def test_bad_factors_name_the_argument_and_the_value(build: object, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        build()  # type: ignore[operator]


def test_none_means_the_default() -> None:
    assert L1(None).l1 == pytest.approx(0.01)
    assert L2(None).l2 == 0.01
    assert L1L2(None, None).get_config() == {"l1": 0.0, "l2": 0.0}


def test_configs_are_keras_configs() -> None:
    # Keras keeps L1's factor as a float32 tensor, and its config shows it.
    assert L1(0.01).get_config() == {"l1": float(np.float32(0.01))}
    assert L2(0.01).get_config() == {"l2": 0.01}
    assert L1L2(0.01, 0.02).get_config() == {"l1": 0.01, "l2": 0.02}
    for regularizer in (L1(0.2), L2(0.3), L1L2(0.1, 0.4)):
        serialized = regularizers.serialize(regularizer)
        assert serialized is not None and serialized["module"] == "keras.regularizers"
        restored = regularizers.deserialize(serialized)
        assert type(restored) is type(regularizer)
        assert restored.get_config() == regularizer.get_config()


def test_get_by_name_and_aliases() -> None:
    assert type(regularizers.get("l1")) is L1
    assert type(regularizers.get("L2")) is L2
    assert type(regularizers.get("l1l2")) is L1L2
    assert regularizers.l1_l2 is L1L2 and regularizers.l2 is L2
    assert regularizers.get(None) is None
    instance = L2(0.5)
    assert regularizers.get(instance) is instance
    # Keras's `get` does not know "l1_l2" (its snake_case of L1L2 is "l1l2").
    with pytest.raises(ValueError, match=r"Unknown regularizer: 'l1_l2'.*l1l2"):
        regularizers.get("l1_l2")
    with pytest.raises(ValueError, match="Could not interpret regularizer identifier"):
        regularizers.get(0.1)
