"""`History`: what `fit` returns."""

from __future__ import annotations

from callbacks.fake_training import FakeModel, fit
from upsample.callbacks import History


def test_history_records_every_epoch_and_the_params(model: FakeModel) -> None:
    epochs = [{"loss": 0.5, "val_loss": 0.6}, {"loss": 0.4, "val_loss": 0.55}]
    history = fit(model, epochs, verbose=2, steps=7)
    assert isinstance(history, History)
    assert history.history == {"loss": [0.5, 0.4], "val_loss": [0.6, 0.55]}
    assert history.epoch == [0, 1]
    assert history.params == {"verbose": 2, "epochs": 2, "steps": 7}
    assert model.history is history


def test_a_reused_history_keeps_growing_but_restarts_its_epochs(model: FakeModel) -> None:
    history = History()
    fit(model, [{"loss": 0.5}], history, verbose=0)
    fit(model, [{"loss": 0.4}], history, verbose=0)
    assert history.history == {"loss": [0.5, 0.4]}
    assert history.epoch == [0]


def test_a_new_history_is_empty() -> None:
    history = History()
    assert history.history == {} and history.epoch == []
