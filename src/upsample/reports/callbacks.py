"""Callbacks that keep a run's record up to date while it trains."""

from __future__ import annotations

import os
import time
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
