"""Learning-rate schedules: formulas, argument checks and configs."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from upsample.optimizers import schedules
from upsample.optimizers.schedules import (
    CosineDecay,
    ExponentialDecay,
    InverseTimeDecay,
    LearningRateSchedule,
    PiecewiseConstantDecay,
)


def test_exponential_decay() -> None:
    smooth = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    stairs = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    assert smooth(15) == pytest.approx(0.1 * 0.5**1.5, rel=1e-6)
    assert stairs(15) == pytest.approx(0.05, rel=1e-6)
    assert stairs(9) == pytest.approx(0.1, rel=1e-6)
    assert isinstance(smooth(3), np.float32)


def test_inverse_time_decay() -> None:
    assert InverseTimeDecay(1.0, 10, 0.5)(15) == pytest.approx(1 / (1 + 0.5 * 1.5), rel=1e-6)
    assert InverseTimeDecay(1.0, 10, 0.5, staircase=True)(15) == pytest.approx(1 / 1.5, rel=1e-6)


def test_piecewise_constant_decay_includes_each_boundary_in_the_lower_piece() -> None:
    schedule = PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    assert [float(schedule(s)) for s in (0, 10, 11, 20, 21)] == pytest.approx(
        [1.0, 1.0, 0.5, 0.5, 0.1]
    )
    # Boundaries are cast to the step's (integer) type, as Keras does.
    assert float(PiecewiseConstantDecay([10.7], [1.0, 0.5])(np.int32(10))) == 1.0


def test_cosine_decay_with_and_without_warmup() -> None:
    decay = CosineDecay(1.0, decay_steps=100, alpha=0.1)
    assert decay(0) == pytest.approx(1.0)
    assert decay(50) == pytest.approx(0.9 * 0.5 + 0.1, rel=1e-6)
    assert decay(1000) == pytest.approx(0.1, rel=1e-6)
    warm = CosineDecay(0.0, decay_steps=100, warmup_target=1.0, warmup_steps=10)
    assert warm(5) == pytest.approx(0.5)
    assert warm(10) == pytest.approx(1.0)
    assert warm(60) == pytest.approx(0.5 * (1 + math.cos(math.pi * 0.5)), abs=1e-6)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: ExponentialDecay(0.1, 0, 0.5), "decay_steps=0"),
        (lambda: InverseTimeDecay(0.1, -5, 0.5), "decay_steps=-5"),
        (lambda: CosineDecay(0.1, 0), "decay_steps=0"),
        (lambda: PiecewiseConstantDecay([1, 2], [1.0, 0.5]), "boundaries=[1, 2] of length 2"),
    ],
)
def test_bad_arguments(build: object, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        build()  # type: ignore[operator]


def test_the_base_class_needs_call_and_config() -> None:
    with pytest.raises(NotImplementedError, match="__call__"):
        LearningRateSchedule()(0)
    with pytest.raises(NotImplementedError, match="get_config"):
        LearningRateSchedule().get_config()


@pytest.mark.parametrize(
    "schedule",
    [
        ExponentialDecay(0.1, 10, 0.9, staircase=True),
        InverseTimeDecay(0.1, 10, 0.9, name="inv"),
        PiecewiseConstantDecay([5], [0.1, 0.01]),
        CosineDecay(0.1, 100, alpha=0.2, warmup_target=0.5, warmup_steps=3),
    ],
    ids=lambda s: type(s).__name__,
)
def test_config_round_trip(schedule: LearningRateSchedule) -> None:
    serialized = schedules.serialize(schedule)
    assert serialized is not None
    assert serialized["module"] == "keras.optimizers.schedules"
    restored = schedules.deserialize(serialized)
    assert type(restored) is type(schedule) and restored.get_config() == schedule.get_config()
    for step in (0, 4, 7, 150):
        assert restored(step) == schedule(step)
