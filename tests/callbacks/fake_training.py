"""A scripted stand-in for `Model.fit`: the callbacks see Keras's call sequence.

`FakeModel` has just what callbacks use; `fit` replays given epoch logs through
a `CallbackList` in the order Keras 3's `fit` calls the hooks (validation runs
through the `on_test_*` hooks of the same list, as Keras's `evaluate` does).
`FakeClock` replaces the progress bar's clock so printed times are exact.
"""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from upsample.callbacks import Callback, CallbackList, History
from upsample.utils import progbar as progbar_module


class FakeOptimizer:
    """Holds its rate in float32, as a Keras optimizer's variable does."""

    def __init__(self, learning_rate: float = 0.001) -> None:
        self._learning_rate = np.float32(learning_rate)
        self.assigned: list[float] = []

    @property
    def learning_rate(self) -> np.float32:
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._learning_rate = np.float32(value)
        self.assigned.append(value)


class FakeMetric:
    def __init__(self, name: str, direction: str) -> None:
        self.name = name
        self._direction = direction


class FakeModel:
    """Weights are ``[full(2, n)]`` after the n-th training batch (1-based)."""

    def __init__(self, metrics: list[Any] | None = None, learning_rate: float = 0.001) -> None:
        self.stop_training = False
        self.optimizer = FakeOptimizer(learning_rate)
        self.history: Any = None
        self.metrics = metrics or []
        self.weights = [np.zeros(2)]
        self.saved: list[tuple[str, str]] = []

    def get_weights(self) -> list[np.ndarray]:
        return [w.copy() for w in self.weights]

    def set_weights(self, weights: list[np.ndarray]) -> None:
        self.weights = [np.asarray(w).copy() for w in weights]

    def save(self, filepath: str, overwrite: bool = True) -> None:
        Path(filepath).write_text("model")
        self.saved.append(("save", filepath))

    def save_weights(self, filepath: str, overwrite: bool = True) -> None:
        Path(filepath).write_text("weights")
        self.saved.append(("save_weights", filepath))


class FakeClock:
    """The progress bar's `time.time`, advanced by hand (or by `fit`)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, module: Any = progbar_module) -> None:
        self.now = 1000.0
        monkeypatch.setattr(module, "time", types.SimpleNamespace(time=lambda: self.now))

    def advance(self, seconds: float) -> None:
        self.now += seconds


def fit(
    model: FakeModel,
    epoch_logs: list[dict[str, float]],
    callbacks: Callback | list[Any] | None = None,
    verbose: Any = 1,
    steps: int = 2,
    clock: FakeClock | None = None,
    step_seconds: float = 0.1,
    batch_logs: list[list[dict[str, float]]] | None = None,
    validation_steps: int = 1,
    callback_list_class: Any = CallbackList,
) -> History:
    """Replay `epoch_logs` (one dict per epoch; ``val_*`` keys come from validation).

    Each training batch reports the epoch's training logs, or
    ``batch_logs[epoch][step]`` when given, and takes `step_seconds` on `clock`.
    Returns ``model.history``, as `fit` does. `callback_list_class` may be
    Keras's own, to run the same script against the reference.
    """
    callback_list = callback_list_class(
        callbacks,
        add_history=True,
        add_progbar=verbose != 0,
        model=model,
        verbose=verbose,
        epochs=len(epoch_logs),
        steps=steps,
    )
    model.stop_training = False
    training_logs: dict[str, float] = {}
    callback_list.on_train_begin()
    for epoch, logs in enumerate(epoch_logs):
        callback_list.on_epoch_begin(epoch)
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        for step in range(steps):
            callback_list.on_train_batch_begin(step)
            if clock is not None:
                clock.advance(step_seconds)
            model.weights = [np.full(2, float(epoch * steps + step + 1))]
            step_logs = batch_logs[epoch][step] if batch_logs is not None else train
            callback_list.on_train_batch_end(step, step_logs)
            if model.stop_training:
                break
        epoch_end_logs = dict(train)
        val = {k.removeprefix("val_"): v for k, v in logs.items() if k.startswith("val_")}
        if val:
            callback_list.on_test_begin()
            for step in range(validation_steps):
                callback_list.on_test_batch_begin(step)
                callback_list.on_test_batch_end(step, val)
            callback_list.on_test_end(val)
            epoch_end_logs.update({f"val_{k}": v for k, v in val.items()})
        callback_list.on_epoch_end(epoch, epoch_end_logs)
        training_logs = epoch_end_logs
        if model.stop_training:
            break
    callback_list.on_train_end(training_logs)
    history: History = model.history
    return history


def losses(*values: float, key: str = "val_loss") -> list[dict[str, float]]:
    """Epoch logs with a constant training loss and the given `key` values."""
    return [{"loss": 1.0, key: value} for value in values]


def run_scenario(
    callbacks_module: Any, progbar_module_: Any, scenario: dict[str, Any]
) -> dict[str, Any]:
    """Run one scripted `fit` with callbacks from `callbacks_module`; report all effects.

    `scenario` holds ``epochs`` (epoch logs), ``callbacks`` (``[name, kwargs]``
    pairs, file paths relative to the working directory) and optionally
    ``steps``, ``verbose``, ``batch_logs``, ``learning_rate``. The same call
    runs in a Keras process, so everything returned is JSON.
    """
    import contextlib
    import io
    import os
    import warnings

    monkeypatch = pytest.MonkeyPatch()
    try:
        clock = FakeClock(monkeypatch, progbar_module_)
        model = FakeModel(learning_rate=scenario.get("learning_rate", 0.001))
        callbacks = [
            getattr(callbacks_module, name)(**kwargs) for name, kwargs in scenario["callbacks"]
        ]
        stdout = io.StringIO()
        with contextlib.redirect_stdout(stdout), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            history = fit(
                model,
                scenario["epochs"],
                callbacks,
                verbose=scenario.get("verbose", 1),
                steps=scenario.get("steps", 2),
                clock=clock,
                batch_logs=scenario.get("batch_logs"),
                callback_list_class=callbacks_module.CallbackList,
            )
    finally:
        monkeypatch.undo()
    files = {}
    for name in sorted(os.listdir(".")):
        with open(name, newline="") as file:
            files[name] = file.read()
    return {
        "stdout": stdout.getvalue(),
        "history": history.history,
        "epoch": history.epoch,
        "params": history.params,
        "learning_rates": model.optimizer.assigned,
        "stop_training": model.stop_training,
        "weights": [w.tolist() for w in model.weights],
        "saved": model.saved,
        "files": files,
        "warnings": [f"{w.category.__name__}: {w.message}" for w in caught],
    }
