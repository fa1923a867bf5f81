"""`EarlyStopping`: patience, baseline, warm-up, weight restoration, messages."""

from __future__ import annotations

import numpy as np
import pytest

from callbacks.fake_training import FakeModel, fit, losses
from upsample.callbacks import EarlyStopping


def test_defaults_match_keras() -> None:
    callback = EarlyStopping()
    assert (callback.monitor, callback.min_delta, callback.patience, callback.verbose) == (
        "val_loss",
        0,
        0,
        0,
    )
    assert (callback.mode, callback.baseline, callback.restore_best_weights) == (
        "auto",
        None,
        False,
    )
    assert callback.start_from_epoch == 0


def test_stops_after_patience_epochs_without_improvement(model: FakeModel) -> None:
    callback = EarlyStopping(patience=2)
    history = fit(model, losses(0.5, 0.4, 0.45, 0.41, 0.3), callback, verbose=0)
    assert history.epoch == [0, 1, 2, 3]
    assert callback.stopped_epoch == 3
    assert model.stop_training is True
    assert callback.best == 0.4 and callback.best_epoch == 1


def test_patience_zero_stops_at_the_first_epoch_without_improvement(model: FakeModel) -> None:
    history = fit(model, losses(0.5, 0.6, 0.3), EarlyStopping(), verbose=0)
    assert history.epoch == [0, 1]


def test_never_stops_while_improving(model: FakeModel) -> None:
    callback = EarlyStopping()
    history = fit(model, losses(0.5, 0.4, 0.3), callback, verbose=0)
    assert history.epoch == [0, 1, 2]
    assert model.stop_training is False and callback.stopped_epoch == 0


def test_restores_the_best_weights_and_says_so(
    model: FakeModel, capsys: pytest.CaptureFixture[str]
) -> None:
    callback = EarlyStopping(patience=1, restore_best_weights=True, verbose=1)
    fit(model, losses(0.5, 0.3, 0.4), callback, verbose=0, steps=2)
    # Epoch 1 (0-based) ended after batch 4 overall.
    np.testing.assert_array_equal(model.weights[0], [4.0, 4.0])
    assert capsys.readouterr().out == (
        "Epoch 3: early stopping\nRestoring model weights from the end of the best epoch: 2.\n"
    )


def test_restores_best_weights_even_when_training_ends_normally(model: FakeModel) -> None:
    fit(model, losses(0.5, 0.3, 0.4), EarlyStopping(patience=5, restore_best_weights=True), 0)
    np.testing.assert_array_equal(model.weights[0], [4.0, 4.0])


def test_a_baseline_not_beaten_counts_patience_from_the_start(model: FakeModel) -> None:
    callback = EarlyStopping(baseline=0.2, patience=2, restore_best_weights=True)
    history = fit(model, losses(0.5, 0.4, 0.45, 0.41), callback, verbose=0)
    # Without the baseline, the improvement at epoch 1 would reset the wait.
    assert history.epoch == [0, 1, 2]
    # The best epoch is restored although it never beat the baseline.
    np.testing.assert_array_equal(model.weights[0], [4.0, 4.0])


def test_a_baseline_never_stops_a_model_that_keeps_improving(model: FakeModel) -> None:
    history = fit(model, losses(0.5, 0.4, 0.3, 0.25), EarlyStopping(baseline=0.2), verbose=0)
    assert history.epoch == [0, 1, 2, 3]


def test_beating_the_baseline_resets_patience(model: FakeModel) -> None:
    history = fit(model, losses(0.5, 0.1, 0.09, 0.2), EarlyStopping(baseline=0.2), verbose=0)
    assert history.epoch == [0, 1, 2, 3]


def test_min_delta_and_warm_up(model: FakeModel) -> None:
    callback = EarlyStopping(monitor="loss", min_delta=0.05, start_from_epoch=2, patience=1)
    epochs = losses(9.0, 10.0, 1.0, 0.97, 0.96, 0.5, key="loss")
    history = fit(model, epochs, callback, verbose=0)
    # Epochs 0-1 are ignored; 0.97 and 0.96 are within min_delta of 1.0.
    assert history.epoch == [0, 1, 2, 3]
    assert callback.best == 1.0


def test_max_mode(model: FakeModel) -> None:
    callback = EarlyStopping(monitor="val_psnr", mode="max", patience=1)
    history = fit(model, losses(20.0, 25.0, 24.0, 23.0, key="val_psnr"), callback, verbose=0)
    assert history.epoch == [0, 1, 2]
    assert callback.best == 25.0


def test_a_missing_monitor_warns_like_keras_and_never_stops(model: FakeModel) -> None:
    callback = EarlyStopping(monitor="val_psnr", mode="max")
    message = (
        r"Early stopping conditioned on metric `val_psnr` which is not available\. "
        r"Available metrics are: loss,val_loss"
    )
    with pytest.warns(UserWarning, match=message):
        history = fit(model, losses(0.5, 0.6), callback, verbose=0)
    assert history.epoch == [0, 1]


def test_the_same_instance_serves_a_second_fit(model: FakeModel) -> None:
    callback = EarlyStopping(patience=1)
    fit(model, losses(0.5, 0.6, 0.7), callback, verbose=0)
    history = fit(model, losses(0.9, 0.8, 0.7), callback, verbose=0)
    assert history.epoch == [0, 1, 2]
    assert callback.best == 0.7
