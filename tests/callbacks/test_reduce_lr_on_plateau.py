"""`ReduceLROnPlateau`: patience, cooldown, min_lr, the learning_rate log key."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from callbacks.fake_training import FakeModel, fit, losses
from upsample.callbacks import ReduceLROnPlateau

F32 = np.float32


def test_defaults_match_keras() -> None:
    callback = ReduceLROnPlateau()
    assert (callback.monitor, callback.factor, callback.patience, callback.verbose) == (
        "val_loss",
        0.1,
        10,
        0,
    )
    assert (callback.mode, callback.cooldown, callback.min_lr) == ("auto", 0, 0.0)
    assert callback.min_delta == 1e-4


def test_reduces_after_patience_and_logs_the_rate(
    model: FakeModel, capsys: pytest.CaptureFixture[str]
) -> None:
    callback = ReduceLROnPlateau(factor=0.5, patience=2, verbose=1)
    history = fit(model, losses(1.0, 1.0, 1.0, 1.0), callback, verbose=0)
    lr = float(F32(0.001))  # as Keras's float32 variable reads
    assert model.optimizer.assigned == [lr * 0.5]
    # The rate each epoch ran with, read before any reduction at its end.
    assert history.history["learning_rate"] == [lr, lr, lr, float(F32(lr * 0.5))]
    assert capsys.readouterr().out == (
        "\nEpoch 3: ReduceLROnPlateau reducing learning rate to 0.0005000000237487257.\n"
    )


def test_improvement_resets_the_wait(model: FakeModel) -> None:
    fit(model, losses(1.0, 1.0, 0.5, 0.5, 0.1), ReduceLROnPlateau(patience=2), verbose=0)
    assert model.optimizer.assigned == []


def test_min_delta_decides_what_improves(model: FakeModel) -> None:
    fit(model, losses(1.0, 0.99995), ReduceLROnPlateau(patience=1), verbose=0)
    assert len(model.optimizer.assigned) == 1


def test_cooldown_and_min_lr(model: FakeModel) -> None:
    callback = ReduceLROnPlateau(factor=0.5, patience=1, cooldown=1, min_lr=0.0002)
    fit(model, losses(*[1.0] * 9), callback, verbose=0)
    lr = float(F32(0.001))
    # Reduced at epochs 2, 4, 6 (cooldown skips one epoch each time), then stuck.
    assert model.optimizer.assigned == [
        lr * 0.5,
        float(F32(lr * 0.5)) * 0.5,
        0.0002,
    ]


def test_max_mode(model: FakeModel) -> None:
    callback = ReduceLROnPlateau(monitor="val_psnr", mode="max", patience=1)
    fit(model, losses(20.0, 21.0, 20.5, key="val_psnr"), callback, verbose=0)
    assert len(model.optimizer.assigned) == 1


def test_a_missing_monitor_warns_but_still_logs_the_rate(model: FakeModel) -> None:
    callback = ReduceLROnPlateau(monitor="val_psnr", mode="max", patience=0)
    message = (
        r"Learning rate reduction is conditioned on metric `val_psnr` which is not available\. "
        r"Available metrics are: loss,val_loss,learning_rate\."
    )
    with pytest.warns(UserWarning, match=message):
        history = fit(model, losses(0.5, 0.6), callback, verbose=0)
    assert model.optimizer.assigned == []
    assert len(history.history["learning_rate"]) == 2


@pytest.mark.parametrize("factor", [1.0, 2.5])
def test_factor_must_be_below_one(factor: float) -> None:
    with pytest.raises(ValueError, match=rf"factor >= 1.0. Received factor={factor}"):
        ReduceLROnPlateau(factor=factor)


def test_unknown_keyword_arguments_are_ignored_with_a_warning() -> None:
    kwargs: dict[str, Any] = {"epsilon": 1e-4}
    with pytest.warns(UserWarning, match=r"ignores the arguments \['epsilon'\]"):
        ReduceLROnPlateau(**kwargs)


def test_a_plain_float_rate_is_read_in_float32() -> None:
    class Optimizer:
        learning_rate = 0.0002

    class Model:
        optimizer = Optimizer()

    callback = ReduceLROnPlateau(monitor="loss", patience=0, min_lr=0.0002)
    callback.set_model(Model())
    callback.on_train_begin()
    callback.on_epoch_end(0, {"loss": 1.0})
    callback.on_epoch_end(1, {"loss": 1.0})
    # Already at min_lr in float32: not "reduced" to itself.
    assert Model.optimizer.learning_rate == 0.0002


def test_a_learning_rate_variable_is_read_and_assigned() -> None:
    class RateVariable:
        """Like an optimizer's learning-rate variable: an array, assigned in place."""

        def __init__(self, value: float) -> None:
            self.value = np.float32(value)

        def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
            return np.asarray(self.value, dtype=dtype)

    class Optimizer:
        def __init__(self) -> None:
            self.variable = RateVariable(0.001)

        @property
        def learning_rate(self) -> RateVariable:
            return self.variable

        @learning_rate.setter
        def learning_rate(self, value: float) -> None:
            self.variable.value = np.float32(value)

    model = FakeModel()
    model.optimizer = Optimizer()  # type: ignore[assignment]
    history = fit(model, losses(1.0, 1.0, 1.0), ReduceLROnPlateau(patience=1), verbose=0)
    lr = float(F32(0.001))
    assert history.history["learning_rate"] == [lr, lr, float(F32(lr * 0.1))]
