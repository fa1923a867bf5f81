"""`Callback`: every hook exists, takes `logs`, and does nothing by default."""

from __future__ import annotations

import inspect

import pytest

from upsample.callbacks import Callback

HOOKS_WITH_INDEX = [
    "on_epoch_begin",
    "on_epoch_end",
    "on_batch_begin",
    "on_batch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
]
HOOKS = [
    "on_train_begin",
    "on_train_end",
    "on_test_begin",
    "on_test_end",
    "on_predict_begin",
    "on_predict_end",
]


@pytest.mark.parametrize("hook", HOOKS_WITH_INDEX + HOOKS)
def test_every_hook_takes_logs_and_does_nothing(hook: str) -> None:
    method = getattr(Callback(), hook)
    assert list(inspect.signature(method).parameters)[-1] == "logs"
    args = (0,) if hook in HOOKS_WITH_INDEX else ()
    assert method(*args, logs={"loss": 1.0}) is None
    assert method(*args) is None


def test_model_and_params_are_set_by_setters() -> None:
    callback = Callback()
    assert callback.model is None and callback.params is None
    model, params = object(), {"verbose": 1, "epochs": 2, "steps": 3}
    callback.set_model(model)
    callback.set_params(params)
    assert callback.model is model
    assert callback.params is params


def test_train_batch_hooks_fall_back_to_the_keras_2_aliases() -> None:
    calls: list[tuple[str, int, dict[str, float] | None]] = []

    class Keras2Style(Callback):
        def on_batch_begin(self, batch: int, logs: dict[str, float] | None = None) -> None:
            calls.append(("begin", batch, logs))

        def on_batch_end(self, batch: int, logs: dict[str, float] | None = None) -> None:
            calls.append(("end", batch, logs))

    callback = Keras2Style()
    callback.on_train_batch_begin(3)
    callback.on_train_batch_end(3, {"loss": 0.5})
    callback.on_test_batch_end(3, {"loss": 0.5})  # not a training batch: no alias
    assert calls == [("begin", 3, None), ("end", 3, {"loss": 0.5})]
