"""`CallbackList`: default callbacks, params, model wiring, dispatch order and logs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from callbacks.fake_training import FakeModel, fit
from upsample.callbacks import (
    Callback,
    CallbackList,
    EarlyStopping,
    History,
    LambdaCallback,
    ProgbarLogger,
)
from upsample.callbacks.callback_list import pythonify_logs

PARAMS: dict[str, Any] = {"verbose": 1, "epochs": 3, "steps": 5}


class Recorder(Callback):
    """Records every hook call as ``(hook, index, logs)``."""

    def __init__(self, calls: list[tuple[Any, ...]], name: str = "") -> None:
        super().__init__()
        self.calls = calls
        self.name = name

    def __getattribute__(self, attribute: str) -> Any:
        if attribute.startswith("on_"):
            calls = object.__getattribute__(self, "calls")
            name = object.__getattribute__(self, "name")
            return lambda *args, **kwargs: calls.append((name, attribute, *args, kwargs))
        return object.__getattribute__(self, attribute)


def test_history_then_progbar_are_appended_after_user_callbacks(model: FakeModel) -> None:
    user = EarlyStopping()
    callback_list = CallbackList([user], add_history=True, add_progbar=True, model=model, **PARAMS)
    first, history, progbar = callback_list.callbacks
    assert first is user
    assert isinstance(history, History) and isinstance(progbar, ProgbarLogger)
    assert model.history is history  # set before training: `fit` returns it


def test_existing_history_and_progbar_are_reused(model: FakeModel) -> None:
    history, progbar = History(), ProgbarLogger()
    callback_list = CallbackList(
        [progbar, history], add_history=True, add_progbar=True, model=model, **PARAMS
    )
    assert callback_list.callbacks == [progbar, history]
    assert model.history is history


def test_no_defaults_unless_asked() -> None:
    assert CallbackList().callbacks == []
    assert CallbackList(None, add_history=False, add_progbar=False).callbacks == []


def test_params_and_model_reach_every_callback(model: FakeModel) -> None:
    callback_list = CallbackList(
        [Callback(), [Callback()]], add_history=True, model=model, **PARAMS
    )
    assert len(callback_list.callbacks) == 3  # nested lists are flattened
    for callback in callback_list.callbacks:
        assert callback.params == PARAMS
        assert callback.model is model
    assert callback_list.params == PARAMS
    assert callback_list.model is model


def test_a_single_callback_is_accepted(model: FakeModel) -> None:
    callback = Callback()
    assert CallbackList(callback, model=model).callbacks == [callback]


def test_without_params_progbar_keeps_its_defaults() -> None:
    progbar = ProgbarLogger()
    CallbackList([progbar])
    assert progbar.params is None
    assert progbar.verbose == 1


@pytest.mark.parametrize("bad", [EarlyStopping, "EarlyStopping", 3])
def test_a_non_callback_is_rejected_naming_it(bad: Any) -> None:
    with pytest.raises(TypeError, match=r"callbacks=.*EarlyStopping|callbacks=3"):
        CallbackList([bad])


def test_hooks_dispatch_in_order_with_keras_argument_passing() -> None:
    calls: list[tuple[Any, ...]] = []
    callback_list = CallbackList([Recorder(calls, "a"), Recorder(calls, "b")])
    callback_list.on_epoch_begin(2, {"x": 1})
    callback_list.on_train_batch_end(4, {"x": 1})
    callback_list.on_train_end()
    # Epoch and begin/end hooks get logs by position, batch hooks by keyword.
    assert calls == [
        ("a", "on_epoch_begin", 2, {"x": 1.0}, {}),
        ("b", "on_epoch_begin", 2, {"x": 1.0}, {}),
        ("a", "on_train_batch_end", 4, {"logs": {"x": 1.0}}),
        ("b", "on_train_batch_end", 4, {"logs": {"x": 1.0}}),
        ("a", "on_train_end", {}, {}),
        ("b", "on_train_end", {}, {}),
    ]


@pytest.mark.parametrize(
    ("hook", "index"),
    [
        ("on_batch_begin", 0),
        ("on_batch_end", 0),
        ("on_train_batch_begin", 0),
        ("on_test_batch_begin", 0),
        ("on_test_batch_end", 0),
        ("on_predict_batch_begin", 0),
        ("on_predict_batch_end", 0),
        ("on_epoch_end", 0),
        ("on_train_begin", None),
        ("on_test_begin", None),
        ("on_test_end", None),
        ("on_predict_begin", None),
        ("on_predict_end", None),
    ],
)
def test_every_hook_is_dispatched(hook: str, index: int | None) -> None:
    calls: list[tuple[Any, ...]] = []
    args = () if index is None else (index,)
    getattr(CallbackList([Recorder(calls)]), hook)(*args, {"loss": 1})
    assert [call[1] for call in calls] == [hook]


def test_logs_are_sorted_flattened_and_made_python_floats() -> None:
    outputs = np.ones((2, 3))
    logs = pythonify_logs(
        {
            "val_loss": np.float32(0.5),
            "loss": np.array(0.25),
            "nested": {"mae": 2, "acc": True},
            "outputs": outputs,
        }
    )
    assert list(logs) == ["loss", "acc", "mae", "outputs", "val_loss"]
    assert logs["loss"] == 0.25 and type(logs["loss"]) is float
    assert type(logs["val_loss"]) is float and type(logs["mae"]) is float
    assert logs["acc"] == 1.0
    assert logs["outputs"] is outputs
    assert pythonify_logs(None) == {}


def test_all_callbacks_of_one_hook_share_one_logs_dict(model: FakeModel) -> None:
    def add_key(epoch: int, logs: dict[str, float]) -> None:
        logs["extra"] = 7.0

    history = fit(model, [{"loss": 1.0}], LambdaCallback(on_epoch_end=add_key), verbose=0)
    assert history.history == {"loss": [1.0], "extra": [7.0]}


def test_the_caller_logs_are_not_modified(model: FakeModel) -> None:
    logs = {"loss": 1.0}
    callback_list = CallbackList([LambdaCallback(on_epoch_end=lambda e, lg: lg.update(x=1))])
    callback_list.on_epoch_end(0, logs)
    assert logs == {"loss": 1.0}
