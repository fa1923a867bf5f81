"""`MonitorCallback`: the monitored quantity, its direction and "is this better?".

Shared by `EarlyStopping`, `ModelCheckpoint` and `ReduceLROnPlateau`.
"""

from __future__ import annotations

import operator
import warnings
from collections.abc import Callable
from typing import Any, ClassVar

from upsample.callbacks.callback import Callback, Logs

_MODES = ("auto", "min", "max")


class MonitorCallback(Callback):
    """Base class for callbacks that watch one logged quantity improve.

    Args:
        monitor: The logs key to watch, e.g. ``"val_loss"``.
        mode: ``"min"`` (lower is better), ``"max"``, or ``"auto"``: lower for
            losses, else the direction of the model's metric of that name.
        baseline: The initial best value; None takes the first one seen.
        min_delta: The smallest change that counts as an improvement.
    """

    # What to warn when `monitor` is missing from the logs; subclasses say why
    # it matters to them (the texts are Keras's).
    _missing_monitor_message: ClassVar[str] = (
        "{name} is conditioned on metric `{monitor}` which is not available. "
        "Available metrics are: {available}"
    )

    def __init__(
        self,
        monitor: str = "val_loss",
        mode: str = "auto",
        baseline: float | None = None,
        min_delta: float = 0,
    ) -> None:
        super().__init__()
        if mode not in _MODES:
            # Keras warns and falls back to "auto"; a typo should not silently
            # turn into a guess, so this is an error.
            raise ValueError(
                f"{type(self).__name__}: `mode` must be one of {', '.join(map(repr, _MODES))}. "
                f"Received: mode={mode!r}"
            )
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        # Set at the first epoch end, once the model's metrics exist.
        self.monitor_op: Callable[[Any, Any], Any] | None = None

    def _set_monitor_op(self) -> None:
        if self.mode == "min":
            self.monitor_op = operator.lt
        elif self.mode == "max":
            self.monitor_op = operator.gt
        else:
            self.monitor_op = self._infer_direction()
        if self.monitor_op is operator.lt:
            # Improving means going below best - min_delta.
            self.min_delta *= -1

    def _infer_direction(self) -> Callable[[Any, Any], Any]:
        metric_name = self.monitor.removeprefix("val_")
        direction = "down" if metric_name == "loss" else None
        for metric in _model_metrics(self.model):
            if getattr(metric, "name", None) == metric_name and hasattr(metric, "_direction"):
                direction = metric._direction
        if direction is None:
            raise ValueError(
                f"{type(self).__name__} callback received monitor={self.monitor}, but Keras "
                "isn't able to automatically determine whether that metric should be maximized "
                "or minimized. Pass `mode='max'` in order to monitor based on the highest metric "
                "value, or pass `mode='min'` in order to use the lowest value."
            )
        return operator.gt if direction == "up" else operator.lt

    def _is_improvement(self, monitor_value: Any, reference_value: Any) -> bool:
        if reference_value is None:
            return True
        assert self.monitor_op is not None, "call _set_monitor_op first"
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))

    def get_monitor_value(self, logs: Logs | None) -> Any:
        """The monitored value in `logs`, or None (with a warning) when absent."""
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(
                self._missing_monitor_message.format(
                    name=type(self).__name__, monitor=self.monitor, available=",".join(logs)
                ),
                UserWarning,
                stacklevel=3,
            )
        return value


def _model_metrics(model: Any) -> list[Any]:
    """The model's metric objects, looking one level into containers.

    Keras's `model.metrics` holds containers (`CompileMetrics`) whose `metrics`
    are the user's; a metric whose `_direction` is ``"up"`` is maximized.
    """
    found: list[Any] = []
    for metric in getattr(model, "metrics", None) or []:
        inner = getattr(metric, "metrics", None)
        found.extend(inner if isinstance(inner, list | tuple) else [metric])
    return found
