"""Callbacks that keep a run's record up to date while it trains."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from upsample.callbacks import Callback
from upsample.reports.files import write_json


class HistoryWriter(Callback):
    """Rewrite ``history.json`` after every epoch, so an interrupted run can resume.

    `previous` is the history of the epochs trained before (when resuming); the
    file always holds every epoch of the run, one entry per epoch and key.
    """

    def __init__(
        self, path: str | os.PathLike[str], previous: dict[str, list[float]] | None = None
    ) -> None:
        super().__init__()
        self.path = Path(path)
        self.history: dict[str, list[float]] = {k: list(v) for k, v in (previous or {}).items()}

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        write_json(self.path, self.history)


class Timer(Callback):
    """Wall-clock time of `fit`, and of its training steps alone (no validation)."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds = 0.0
        self.train_seconds = 0.0
        self._fit_start = self._epoch_start = self._last_step_end = 0.0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._fit_start = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch_start = self._last_step_end = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._last_step_end = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        # Validation runs between the last step and here: it is not training time.
        self.train_seconds += self._last_step_end - self._epoch_start

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self.seconds = time.perf_counter() - self._fit_start


@dataclass(frozen=True)
class CurvePoint:
    """A measurement during training: after `step` steps, `seconds` of training (wall and CPU)."""

    step: int
    seconds: float
    cpu_seconds: float
    loss: float


class StepCurve(Callback):
    """Stop `fit` after `steps` optimizer steps, and measure a loss at the `checkpoints`.

    `measure()` (e.g. a held-out loss) is called before the first step and after
    each checkpoint step; its own time is left out of the training time, so
    `seconds` (wall clock) and `cpu_seconds` (CPU time of the whole process, every
    thread) count training steps only.  `report(point)`, if given, hears each point.
    """

    def __init__(
        self,
        steps: int,
        checkpoints: Collection[int],
        measure: Callable[[], float],
        report: Callable[[CurvePoint], None] | None = None,
    ) -> None:
        super().__init__()
        self.steps = steps
        self.checkpoints = set(checkpoints)
        self.measure = measure
        self.report = report
        self.points: list[CurvePoint] = []
        self.step = 0
        self.seconds = self.cpu_seconds = 0.0
        self._wall = self._cpu = 0.0

    def _record(self) -> None:
        point = CurvePoint(self.step, self.seconds, self.cpu_seconds, float(self.measure()))
        self.points.append(point)
        if self.report is not None:
            self.report(point)

    def _start_clocks(self) -> None:
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def _stop_clocks(self) -> None:
        self.seconds += time.perf_counter() - self._wall
        self.cpu_seconds += time.process_time() - self._cpu

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._record()
        self._start_clocks()

    def reads_weights_after_batch(self) -> bool:
        return self._measures_at(self.step + 1)

    def _measures_at(self, step: int) -> bool:
        return step in self.checkpoints or step >= self.steps

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.step += 1
        if self._measures_at(self.step):
            self._stop_clocks()
            self._record()
            self._start_clocks()
        if self.step >= self.steps:
            self.model.stop_training = True

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self._stop_clocks()
