"""`MonitorCallback`: mode validation, direction inference and improvement tests."""

from __future__ import annotations

import operator
from typing import Any

import pytest

from callbacks.fake_training import FakeMetric, FakeModel
from upsample.callbacks import EarlyStopping, ModelCheckpoint, MonitorCallback, ReduceLROnPlateau


def monitor(model: Any = None, **kwargs: Any) -> MonitorCallback:
    callback = MonitorCallback(**kwargs)
    callback.set_model(model if model is not None else FakeModel())
    callback._set_monitor_op()
    return callback


@pytest.mark.parametrize(
    "make",
    [
        lambda: EarlyStopping(mode="bigger"),
        lambda: ReduceLROnPlateau(mode="bigger"),
        lambda: ModelCheckpoint("m.keras", mode="bigger"),
    ],
    ids=["EarlyStopping", "ReduceLROnPlateau", "ModelCheckpoint"],
)
def test_an_unknown_mode_is_an_error_naming_it(make: Any) -> None:
    with pytest.raises(ValueError, match=r"`mode` must be one of .*Received: mode='bigger'"):
        make()


@pytest.mark.parametrize(
    ("kwargs", "op"),
    [
        ({"monitor": "val_loss"}, operator.lt),
        ({"monitor": "loss"}, operator.lt),
        ({"monitor": "val_accuracy", "mode": "max"}, operator.gt),
        ({"monitor": "val_loss", "mode": "max"}, operator.gt),
        ({"monitor": "accuracy", "mode": "min"}, operator.lt),
    ],
)
def test_direction_from_mode_or_loss_name(kwargs: dict[str, str], op: Any) -> None:
    assert monitor(**kwargs).monitor_op is op


def test_auto_mode_reads_the_direction_of_the_model_metric() -> None:
    model = FakeModel(metrics=[FakeMetric("loss", "down"), FakeMetric("accuracy", "up")])
    assert monitor(model, monitor="val_accuracy").monitor_op is operator.gt


def test_auto_mode_looks_inside_metric_containers() -> None:
    container = FakeMetric("compile_metrics", "up")
    container.metrics = [FakeMetric("psnr", "up"), FakeMetric("mae", "down")]  # type: ignore[attr-defined]
    model = FakeModel(metrics=[container])
    assert monitor(model, monitor="psnr").monitor_op is operator.gt
    assert monitor(model, monitor="val_mae").monitor_op is operator.lt


def test_auto_mode_without_a_known_direction_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"monitor=val_accuracy.*Pass `mode='max'`"):
        monitor(monitor="val_accuracy")


@pytest.mark.parametrize(
    ("mode", "min_delta", "current", "best", "expected"),
    [
        ("min", 0, 0.5, None, True),
        ("min", 0, 0.4, 0.5, True),
        ("min", 0, 0.5, 0.5, False),
        ("min", 0.1, 0.41, 0.5, False),
        ("min", 0.1, 0.39, 0.5, True),
        ("min", -0.1, 0.39, 0.5, True),  # min_delta's sign is ignored
        ("max", 0.1, 0.61, 0.5, True),
        ("max", 0.1, 0.59, 0.5, False),
    ],
)
def test_an_improvement_must_beat_best_by_min_delta(
    mode: str, min_delta: float, current: float, best: float | None, expected: bool
) -> None:
    callback = monitor(mode=mode, min_delta=min_delta)
    assert callback._is_improvement(current, best) is expected


def test_baseline_is_the_first_best() -> None:
    assert MonitorCallback(baseline=0.3).best == 0.3
    assert MonitorCallback().best is None
