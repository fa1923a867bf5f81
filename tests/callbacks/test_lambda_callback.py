"""`LambdaCallback`: functions as hooks, called the way Keras calls them."""

from __future__ import annotations

from typing import Any

from callbacks.fake_training import FakeModel, fit
from upsample.callbacks import Callback, LambdaCallback


def test_functions_are_called_with_keras_arguments(model: FakeModel) -> None:
    calls: list[tuple[Any, ...]] = []
    callback = LambdaCallback(
        on_train_begin=lambda logs: calls.append(("train_begin", logs)),
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch, logs)),
        on_train_batch_begin=lambda batch, logs: calls.append(("batch_begin", batch, logs)),
        on_train_batch_end=lambda batch, logs: calls.append(("batch_end", batch, logs)),
        on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", epoch, logs)),
        on_train_end=lambda logs: calls.append(("train_end", logs)),
        on_test_end=lambda logs: calls.append(("test_end", logs)),
    )
    fit(model, [{"loss": 0.5, "val_loss": 0.25}], callback, verbose=0, steps=2)
    assert calls == [
        ("train_begin", {}),
        ("epoch_begin", 0, {}),
        ("batch_begin", 0, {}),
        ("batch_end", 0, {"loss": 0.5}),
        ("batch_begin", 1, {}),
        ("batch_end", 1, {"loss": 0.5}),
        ("test_end", {"loss": 0.25}),
        ("epoch_end", 0, {"loss": 0.5, "val_loss": 0.25}),
        ("train_end", {"loss": 0.5, "val_loss": 0.25}),
    ]


def test_hooks_not_given_do_nothing() -> None:
    callback = LambdaCallback()
    assert isinstance(callback, Callback)
    callback.on_epoch_end(0, {})
    callback.on_predict_end()
    assert "on_epoch_end" not in vars(callback)


def test_a_lambda_can_stop_training(model: FakeModel) -> None:
    def stop(epoch: int, logs: dict[str, float]) -> None:
        model.stop_training = logs["loss"] < 0.3

    history = fit(
        model,
        [{"loss": 0.5}, {"loss": 0.2}, {"loss": 0.1}],
        LambdaCallback(on_epoch_end=stop),
        verbose=0,
    )
    assert history.epoch == [0, 1]
