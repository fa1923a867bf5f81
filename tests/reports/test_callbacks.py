"""`StepCurve`: a step budget for `fit`, and a loss curve whose measuring is not training time."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from upsample.callbacks import Callback
from upsample.layers import Dense
from upsample.models import Sequential
from upsample.reports import callbacks
from upsample.reports.callbacks import CurvePoint, StepCurve


class _Clock:
    """Stands for `time` in the callbacks module: moves only when told to."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now

    def process_time(self) -> float:
        return self.now / 2  # as if half the wall time were this process's


class _Tick(Callback):
    """One second of 'training' per step, before StepCurve hears of the step."""

    def __init__(self, clock: _Clock) -> None:
        super().__init__()
        self.clock = clock
        self.steps = 0

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.clock.now += 1.0
        self.steps += 1


def test_it_stops_after_the_budget_and_leaves_the_measuring_out(
    monkeypatch: pytest.MonkeyPatch, rng: np.random.Generator
) -> None:
    clock = _Clock()
    monkeypatch.setattr(callbacks, "time", clock)
    model = Sequential([Dense(1, input_dim=3)])
    model.compile(optimizer="sgd", loss="mse")
    heard: list[CurvePoint] = []

    def measure() -> float:
        clock.now += 100.0  # measuring takes long: none of it may count as training
        return float(len(heard))

    curve = StepCurve(5, {2, 4}, measure, heard.append)
    tick = _Tick(clock)
    x = rng.random((8, 3)).astype(np.float32)
    model.fit(x, x[:, :1], batch_size=2, epochs=10, verbose=0, callbacks=[tick, curve])
    assert tick.steps == 5  # 4 steps per epoch: it stopped in the second epoch
    assert [(p.step, p.seconds, p.cpu_seconds, p.loss) for p in curve.points] == [
        (0, 0.0, 0.0, 0.0),
        (2, 2.0, 1.0, 1.0),
        (4, 4.0, 2.0, 2.0),
        (5, 5.0, 2.5, 3.0),  # the last step is always measured
    ]
    assert heard == curve.points
    assert (curve.seconds, curve.cpu_seconds) == (5.0, 2.5)
