"""`TerminateOnDivergence`: the step-by-step watch over a GAN's two losses."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from upsample.callbacks import DivergenceError, TerminateOnDivergence


def run(
    watch: TerminateOnDivergence,
    d_losses: list[float],
    per_epoch: int = 100,
    g_losses: list[float] | None = None,
) -> Any:
    """Feed `d_losses` and `g_losses` (default: 1.0) step by step until the watch stops the
    model."""
    model = SimpleNamespace(last_step={}, stop_training=False, divergence=None)
    watch.set_model(model)
    watch.on_train_begin()
    for i, d_loss in enumerate(d_losses):
        epoch, step = divmod(i, per_epoch)
        if step == 0:
            watch.on_epoch_begin(epoch)
        model.last_step = {"d_loss": d_loss, "g_loss": 1.0 if g_losses is None else g_losses[i]}
        watch.on_train_batch_end(step)
        if model.stop_training:
            break
    return model


def test_stuck_means_consecutive_steps_and_a_healthy_step_resets_the_count() -> None:
    watch = TerminateOnDivergence(patience=3, min_d_loss=0.05)
    model = run(watch, [0.01, 0.02, 0.69, 0.05, -0.1, 0.0, 0.7])
    assert model.stop_training
    assert watch.divergence is model.divergence
    assert (watch.divergence.epoch, watch.divergence.step) == (0, 5)


def test_the_epoch_and_step_are_where_it_happened() -> None:
    watch = TerminateOnDivergence(patience=2)
    model = run(watch, [0.7] * 5 + [0.0, 0.0], per_epoch=3)
    assert (model.divergence.epoch, model.divergence.step) == (2, 0)
    assert model.divergence.describe().startswith("Epoch 3, step 1: the GAN diverged (d_loss <=")


def test_a_dead_discriminator_is_a_generator_loss_stuck_near_0() -> None:
    # A saturated discriminator calls every fake real: the generator's loss sits at
    # Keras's clipping floor, -log(1 - 1e-7) ~ 1.2e-7, while the discriminator's is large.
    watch = TerminateOnDivergence(patience=3, min_g_loss=0.05)
    g_losses = [0.01, 0.7, 1.2e-7, 0.0, 0.05, 0.9]
    model = run(watch, [8.0] * len(g_losses), g_losses=g_losses)
    assert (model.divergence.epoch, model.divergence.step) == (0, 4)
    assert model.divergence.reason == (
        "g_loss <= 0.05 for 3 steps in a row: the discriminator takes every fake for real"
    )


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_a_non_finite_loss_stops_at_once(bad: float, capsys: pytest.CaptureFixture[str]) -> None:
    model = run(TerminateOnDivergence(patience=50), [0.7, bad, 0.7])
    assert model.stop_training and model.divergence.step == 1
    assert f"non-finite loss: d_loss = {bad}" in model.divergence.reason
    assert "Epoch 1, step 2: the GAN diverged" in capsys.readouterr().out


def test_healthy_losses_never_stop() -> None:
    watch = TerminateOnDivergence(patience=1)
    model = run(watch, [0.69, 0.5, 0.8, 0.06])
    assert not model.stop_training and watch.divergence is None


def test_raise_error() -> None:
    with pytest.raises(DivergenceError, match=r"Epoch 1, step 1: .*the discriminator has won"):
        run(TerminateOnDivergence(patience=1, raise_error=True), [0.0])


def test_a_new_fit_starts_counting_again() -> None:
    watch = TerminateOnDivergence(patience=3)
    run(watch, [0.0, 0.0])
    model = run(watch, [0.0, 0.0])
    assert not model.stop_training and watch.divergence is None


def test_bad_arguments_and_a_model_that_is_not_a_gan() -> None:
    with pytest.raises(
        ValueError, match=r"`patience` must be a positive int. Received: patience=0"
    ):
        TerminateOnDivergence(patience=0)
    with pytest.raises(
        ValueError, match=r"`min_d_loss` must be a number. Received: min_d_loss='0'"
    ):
        TerminateOnDivergence(min_d_loss="0")  # type: ignore[arg-type]
    with pytest.raises(
        ValueError, match=r"`min_g_loss` must be a number. Received: min_g_loss=None"
    ):
        TerminateOnDivergence(min_g_loss=None)  # type: ignore[arg-type]
    watch = TerminateOnDivergence()
    watch.set_model(SimpleNamespace(stop_training=False))
    with pytest.raises(
        ValueError, match=r"must expose its last step's losses as `model.last_step`"
    ):
        watch.on_train_batch_end(0, {"loss": 0.1})
