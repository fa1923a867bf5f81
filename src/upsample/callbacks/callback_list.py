"""`CallbackList`: what the training loop talks to, one call for all callbacks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from upsample.callbacks.callback import Callback, Logs
from upsample.callbacks.history import History
from upsample.callbacks.progbar_logger import ProgbarLogger


class CallbackList(Callback):
    """Holds callbacks and calls each hook on all of them, in order.

    Args:
        callbacks: `Callback` instances (nested lists are flattened), or one.
        add_history: Append a `History` unless one is already in `callbacks`.
        add_progbar: Append a `ProgbarLogger` unless one is already there.
        model: The model the callbacks act on (also gets ``model.history``).
        **params: Passed to every callback's `set_params`; `fit` passes
            ``verbose``, ``epochs`` and ``steps`` (batches per epoch).

    User callbacks run first, then `History`, then `ProgbarLogger`: so a
    callback that adds to the epoch logs (`ReduceLROnPlateau` adds
    ``learning_rate``) is recorded and printed.
    """

    def __init__(
        self,
        callbacks: Callback | Iterable[Any] | None = None,
        add_history: bool = False,
        add_progbar: bool = False,
        model: Any = None,
        **params: Any,
    ) -> None:
        super().__init__()
        self.callbacks: list[Callback] = _flatten(callbacks) if callbacks else []
        self._history: History | None = None
        self._progbar: ProgbarLogger | None = None
        self._add_default_callbacks(add_history, add_progbar)
        self.set_model(model)
        self.set_params(params)

    def _add_default_callbacks(self, add_history: bool, add_progbar: bool) -> None:
        for callback in self.callbacks:
            if isinstance(callback, ProgbarLogger):
                self._progbar = callback
            elif isinstance(callback, History):
                self._history = callback
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params
        # Empty params would reach ProgbarLogger without the keys it needs.
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model: Any) -> None:
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            # `fit` returns `model.history`: set before training, as Keras does.
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    # Keras passes `logs` by keyword to batch hooks and by position to the
    # others; `LambdaCallback` functions written for Keras rely on both.

    def _dispatch(self, hook: str, logs: Logs | None, *index: int, by_keyword: bool) -> None:
        logs = pythonify_logs(logs)
        for callback in self.callbacks:
            method = getattr(callback, hook)
            if by_keyword:
                method(*index, logs=logs)
            else:
                method(*index, logs)

    def on_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        self._dispatch("on_batch_begin", logs, batch, by_keyword=True)

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        self._dispatch("on_batch_end", logs, batch, by_keyword=True)

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._dispatch("on_epoch_begin", logs, epoch, by_keyword=False)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        self._dispatch("on_epoch_end", logs, epoch, by_keyword=False)

    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        self._dispatch("on_train_batch_begin", logs, batch, by_keyword=True)

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        self._dispatch("on_train_batch_end", logs, batch, by_keyword=True)

    def on_test_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        self._dispatch("on_test_batch_begin", logs, batch, by_keyword=True)

    def on_test_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        self._dispatch("on_test_batch_end", logs, batch, by_keyword=True)

    def on_predict_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        self._dispatch("on_predict_batch_begin", logs, batch, by_keyword=True)

    def on_predict_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        self._dispatch("on_predict_batch_end", logs, batch, by_keyword=True)

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._dispatch("on_train_begin", logs, by_keyword=False)

    def on_train_end(self, logs: Logs | None = None) -> None:
        self._dispatch("on_train_end", logs, by_keyword=False)

    def on_test_begin(self, logs: Logs | None = None) -> None:
        self._dispatch("on_test_begin", logs, by_keyword=False)

    def on_test_end(self, logs: Logs | None = None) -> None:
        self._dispatch("on_test_end", logs, by_keyword=False)

    def on_predict_begin(self, logs: Logs | None = None) -> None:
        self._dispatch("on_predict_begin", logs, by_keyword=False)

    def on_predict_end(self, logs: Logs | None = None) -> None:
        self._dispatch("on_predict_end", logs, by_keyword=False)


def pythonify_logs(logs: Logs | None) -> Logs:
    """A new dict, sorted by key, nested dicts flattened, numbers as Python floats.

    Callbacks then see plain floats whatever the model reports (NumPy scalars,
    0-d arrays), and every callback of one hook call sees the same dict.
    Values that are not numbers (e.g. predict's output arrays) pass unchanged.
    """
    result: Logs = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(pythonify_logs(value))
        else:
            result[key] = _to_float(value)
    return result


def _to_float(value: Any) -> Any:
    # Only scalars: float() of a 1-element array is deprecated in NumPy.
    if isinstance(value, int | float | np.generic) or (
        isinstance(value, np.ndarray) and value.ndim == 0
    ):
        try:
            return float(value)
        except (TypeError, ValueError):
            return value
    return value


def _flatten(callbacks: Any) -> list[Callback]:
    """Callbacks from a (nested) list or tuple, or a single callback."""
    if isinstance(callbacks, list | tuple):
        return [callback for item in callbacks for callback in _flatten(item)]
    if isinstance(callbacks, type) or not hasattr(callbacks, "set_model"):
        raise TypeError(
            "`callbacks` must hold Callback instances (e.g. `EarlyStopping()`, not "
            f"`EarlyStopping`). Received: callbacks={callbacks!r}"
        )
    return [callbacks]
