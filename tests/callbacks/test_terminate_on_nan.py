"""`TerminateOnNaN`: stop (or raise) at the first NaN or infinite batch loss."""

from __future__ import annotations

import math

import pytest

from callbacks.fake_training import FakeModel, fit
from upsample.callbacks import TerminateOnNaN

EPOCHS = [{"loss": 0.5}, {"loss": 0.4}, {"loss": 0.3}]


def batches(bad: float) -> list[list[dict[str, float]]]:
    return [[{"loss": 0.5}] * 3, [{"loss": 0.4}, {"loss": bad}, {"loss": 0.4}], [{"loss": 0.3}] * 3]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_stops_training_at_the_bad_batch(
    bad: float, model: FakeModel, capsys: pytest.CaptureFixture[str]
) -> None:
    history = fit(model, EPOCHS, TerminateOnNaN(), verbose=0, steps=3, batch_logs=batches(bad))
    assert history.epoch == [0, 1]  # the epoch ends, no further epoch starts
    assert model.weights[0][0] == 5.0  # batch 2 of epoch 1 was the last one
    assert capsys.readouterr().out == "Batch 1: Invalid loss, terminating training\n"


def test_raise_error_raises_at_once(model: FakeModel) -> None:
    with pytest.raises(
        RuntimeError, match=r"NaN or Inf loss encountered at batch 1\. Loss value: nan"
    ):
        fit(
            model,
            EPOCHS,
            TerminateOnNaN(raise_error=True),
            0,
            steps=3,
            batch_logs=batches(math.nan),
        )


def test_finite_losses_and_missing_losses_pass(model: FakeModel) -> None:
    history = fit(
        model, EPOCHS, TerminateOnNaN(), verbose=0, batch_logs=[[{"mae": math.nan}] * 2] * 3
    )
    assert history.epoch == [0, 1, 2]
    assert model.stop_training is False
