"""`GAN`: the Keras DCGAN example's step, fit, determinism, resumption and divergence.

The networks are tiny (3-d latents, 8x8 images) so that every test runs in
well under a second; the step's maths is checked against Keras itself in
tests/parity/test_gan_parity.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from upsample import random as upsample_random
from upsample.callbacks import Callback, DivergenceError, TerminateOnDivergence
from upsample.layers import Conv2DTranspose, Dense, Flatten, Reshape
from upsample.models import GAN, Sequential, load_gan
from upsample.optimizers import Adam
from upsample.utils import set_random_seed
from upsample.zoo.discriminators import dcgan_discriminator

LATENT = 3
BATCH = 4


def networks(dropout: float = 0.0, weights_seed: int = 7) -> tuple[Sequential, Sequential]:
    """``(discriminator, generator)``, weights and dropout streams fixed by `weights_seed`."""
    set_random_seed(weights_seed)
    generator = Sequential(
        [
            Dense(4 * 4 * 2, input_dim=LATENT, activation="relu"),
            Reshape((4, 4, 2)),
            Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid"),
        ]
    )
    discriminator = dcgan_discriminator(input_shape=(8, 8, 1), filters=(4,), dropout=dropout)
    return discriminator, generator


def tiny_gan(seed: int = 0, dropout: float = 0.0) -> GAN:
    gan = GAN(*networks(dropout), latent_dim=LATENT, seed=seed)
    gan.compile()
    return gan


def images(count: int = 10) -> np.ndarray:
    return np.random.default_rng(3).random((count, 8, 8, 1), dtype=np.float32)


def state(gan: GAN) -> list[np.ndarray]:
    """Every number a training step changes: weights and both optimizers' variables."""
    return [
        *gan.get_weights(),
        *(v.numpy() for v in gan.d_optimizer.variables),
        *(v.numpy() for v in gan.g_optimizer.variables),
    ]


def assert_same_state(a: GAN, b: GAN) -> None:
    for x, y in zip(state(a), state(b), strict=True):
        np.testing.assert_array_equal(x, y)
    assert (a.completed_epochs, a.steps) == (b.completed_epochs, b.steps)


# --------------------------------------------------------------------------- one step


def test_step_is_a_discriminator_step_then_a_generator_step_through_it_frozen() -> None:
    """The classic Keras recipe, through `Sequential.train_on_batch`, gives the same step:
    the discriminator trained on [fakes, reals] with labels [1 + noise, 0 + noise], then
    a generator + frozen discriminator model trained towards 0 ("real")."""
    gan = tiny_gan()
    d0, g0 = gan.discriminator.get_weights(), gan.generator.get_weights()
    real = images(BATCH)
    noise = gan.sample_noise(BATCH)
    logs = gan.train_step(real, noise)

    discriminator, generator = networks()
    discriminator.set_weights(d0)
    generator.set_weights(g0)
    discriminator.compile(optimizer=Adam(0.0002, beta_1=0.5), loss="binary_crossentropy")
    fakes = generator.predict(noise.latents, verbose=0)
    labels = np.concatenate([np.ones((BATCH, 1)), np.zeros((BATCH, 1))]).astype(np.float32)
    labels += np.float32(0.05) * noise.label_noise
    d_loss = discriminator.train_on_batch(np.concatenate([fakes, real]), labels)
    discriminator.trainable = False
    combined = Sequential([generator, discriminator])
    combined.compile(optimizer=Adam(0.0002, beta_1=0.5), loss="binary_crossentropy")
    g_loss = combined.train_on_batch(noise.generator_latents, np.zeros((BATCH, 1), np.float32))

    np.testing.assert_allclose([logs["d_loss"], logs["g_loss"]], [d_loss, g_loss], rtol=1e-6)
    for ours, theirs in zip(
        gan.get_weights(), discriminator.get_weights() + generator.get_weights()
    ):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)
    assert not np.array_equal(gan.discriminator.get_weights()[0], d0[0])
    assert not np.array_equal(gan.generator.get_weights()[0], g0[0])


def test_sample_noise_shapes_and_ranges() -> None:
    noise = tiny_gan().sample_noise(5)
    assert noise.latents.shape == noise.generator_latents.shape == (5, LATENT)
    assert noise.label_noise.shape == (10, 1)
    assert all(a.dtype == np.float32 for a in vars(noise).values())
    assert noise.label_noise.min() >= 0.0 and noise.label_noise.max() < 1.0
    assert not np.array_equal(noise.latents, noise.generator_latents)


def test_train_on_batch_and_predict() -> None:
    gan = tiny_gan()
    d_loss, g_loss = gan.train_on_batch(images(BATCH))
    assert gan.last_step == {"d_loss": d_loss, "g_loss": g_loss}
    assert gan.steps == 1
    latents = np.zeros((2, LATENT), np.float32)
    np.testing.assert_array_equal(gan.predict(latents, verbose=0), gan.generator.predict(latents))
    with pytest.raises(NotImplementedError, match="no loss to evaluate"):
        gan.evaluate(images(BATCH))


# --------------------------------------------------------------------------- fit


def test_fit_runs_the_steps_in_order_and_averages_their_losses() -> None:
    x = images(10)
    fitted, stepped = tiny_gan(), tiny_gan()
    history = fitted.fit(x, batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    losses: dict[str, list[float]] = {"d_loss": [], "g_loss": []}
    for epoch in range(2):
        steps = [stepped.train_step(x[i : i + BATCH]) for i in range(0, 10, BATCH)]
        for key in losses:
            losses[key].append(float(np.mean([np.float32(s[key]) for s in steps])))
        stepped.completed_epochs = epoch + 1
    assert_same_state(fitted, stepped)
    assert history.epoch == [0, 1]
    for key in losses:
        np.testing.assert_allclose(history.history[key], losses[key], rtol=1e-6)
    assert fitted.completed_epochs == 2 and fitted.steps == 6


def test_fit_is_deterministic_from_the_seed_and_leaves_the_global_generator_alone() -> None:
    x = images(10)
    runs = []
    for seed in (5, 5, 6):
        gan = tiny_gan(seed=seed, dropout=0.3)
        before = upsample_random.global_generator().bit_generator.state
        gan.fit(x, batch_size=BATCH, epochs=2, verbose=0)
        assert upsample_random.global_generator().bit_generator.state == before
        runs.append(gan)
    assert_same_state(runs[0], runs[1])
    assert not np.array_equal(runs[0].get_weights()[0], runs[2].get_weights()[0])


def test_fit_shows_both_losses_in_the_progress_bar(capsys: pytest.CaptureFixture[str]) -> None:
    tiny_gan().fit(images(8), batch_size=BATCH, epochs=1, verbose=2)
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith("2/2 - ") and "d_loss: " in line and "g_loss: " in line


# --------------------------------------------------------------------------- resuming


def fitted(epochs: int) -> GAN:
    """A tiny GAN with dropout, trained for `epochs` epochs in one `fit`."""
    gan = tiny_gan(dropout=0.3)
    gan.fit(images(10), batch_size=BATCH, epochs=epochs, verbose=0)
    return gan


def resumed(folder: Path, epochs: int = 3) -> GAN:
    """The GAN saved in `folder`, trained on to `epochs` epochs."""
    gan = load_gan(folder)
    gan.fit(
        images(10), batch_size=BATCH, epochs=epochs, initial_epoch=gan.completed_epochs, verbose=0
    )
    return gan


def test_a_checkpoint_resumes_exactly(tmp_path: Path) -> None:
    fitted(1).save_checkpoint(tmp_path / "checkpoint")
    assert load_gan(tmp_path / "checkpoint").completed_epochs == 1
    assert_same_state(resumed(tmp_path / "checkpoint"), fitted(3))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint"]


class Interrupt(Callback):
    """Ctrl-C in the middle of an epoch."""

    def __init__(self, epoch: int, batch: int) -> None:
        super().__init__()
        self.at, self.epoch = (epoch, batch), -1

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self.epoch = epoch

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        if (self.epoch, batch) == self.at:
            raise KeyboardInterrupt


def test_ctrl_c_rolls_back_to_the_last_whole_epoch_and_resumes_exactly(tmp_path: Path) -> None:
    interrupted = tiny_gan(dropout=0.3)
    with pytest.raises(KeyboardInterrupt):
        interrupted.fit(
            images(10), batch_size=BATCH, epochs=3, verbose=0, callbacks=[Interrupt(1, 1)]
        )
    assert_same_state(interrupted, fitted(1))
    interrupted.save_checkpoint(tmp_path / "run")
    assert_same_state(resumed(tmp_path / "run"), fitted(3))


def test_a_failed_save_keeps_the_previous_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gan = tiny_gan()
    gan.train_step(images(BATCH))
    gan.save_checkpoint(tmp_path / "run")
    saved = state(gan)
    gan.train_step(images(BATCH))

    def disk_full(*args: Any, **kwargs: Any) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(gan.discriminator, "save", disk_full)
    with pytest.raises(OSError, match="No space"):
        gan.save_checkpoint(tmp_path / "run")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    for x, y in zip(state(load_gan(tmp_path / "run")), saved, strict=True):
        np.testing.assert_array_equal(x, y)


def test_a_checkpoint_caught_between_its_two_renames_still_loads(tmp_path: Path) -> None:
    gan = tiny_gan()
    gan.save_checkpoint(tmp_path / "run")
    (tmp_path / "run").rename(tmp_path / "run.previous")
    assert load_gan(tmp_path / "run").steps == 0


@pytest.mark.parametrize(
    ("content", "match"),
    [(None, "No GAN checkpoint"), ('{"format": 99}', "format 1. Received: format=99")],
)
def test_loading_what_is_not_a_checkpoint(tmp_path: Path, content: str | None, match: str) -> None:
    tmp_path.joinpath("run").mkdir()
    if content is not None:
        tmp_path.joinpath("run", "gan.json").write_text(content)
    with pytest.raises(ValueError, match=match):
        load_gan(tmp_path / "run")


# --------------------------------------------------------------------------- divergence


def test_a_nan_loss_stops_training_and_names_the_epoch(capsys: pytest.CaptureFixture[str]) -> None:
    gan = tiny_gan()
    weights = gan.discriminator.get_weights()
    weights[-1][:] = np.nan
    gan.discriminator.set_weights(weights)
    history = gan.fit(images(10), batch_size=BATCH, epochs=3, verbose=0)
    assert gan.divergence is not None
    assert (gan.divergence.epoch, gan.divergence.step) == (0, 0)
    assert "non-finite loss: d_loss = nan" in gan.divergence.reason
    assert "Epoch 1, step 1: the GAN diverged" in capsys.readouterr().out
    assert history.epoch == [0] and gan.steps == 1


def test_a_discriminator_that_won_stops_training_in_the_right_epoch() -> None:
    gan = tiny_gan()
    # 3 steps per epoch; every loss counts as stuck, so the 4th step (epoch 1, step 0) stops it.
    watch = TerminateOnDivergence(patience=4, min_d_loss=100.0)
    gan.fit(images(10), batch_size=BATCH, epochs=5, verbose=0, callbacks=[watch])
    assert watch.divergence is gan.divergence
    assert gan.divergence is not None and (gan.divergence.epoch, gan.divergence.step) == (1, 0)
    assert "d_loss <= 100 for 4 steps in a row" in gan.divergence.reason


def test_divergence_can_raise_instead() -> None:
    gan = tiny_gan()
    watch = TerminateOnDivergence(patience=1, min_d_loss=100.0, raise_error=True)
    with pytest.raises(DivergenceError, match="Epoch 1, step 1: the GAN diverged") as caught:
        gan.fit(images(10), batch_size=BATCH, epochs=2, verbose=0, callbacks=watch)
    assert caught.value.divergence.epoch == 0


def test_a_healthy_run_has_no_divergence() -> None:
    gan = tiny_gan()
    gan.fit(images(10), batch_size=BATCH, epochs=2, verbose=0)
    assert gan.divergence is None and gan.completed_epochs == 2


# --------------------------------------------------------------------------- bad input


def test_networks_that_do_not_fit_together() -> None:
    discriminator, generator = networks()
    with pytest.raises(ValueError, match=r"latent vectors of latent_dim=4"):
        GAN(discriminator, generator, latent_dim=4)
    with pytest.raises(ValueError, match=r"`latent_dim` must be a positive int. Received: "):
        GAN(discriminator, generator, latent_dim=0)
    other = dcgan_discriminator(input_shape=(10, 10, 1), filters=(4,))
    with pytest.raises(ValueError, match=r"makes images of shape \(None, 8, 8, 1\) but the disc"):
        GAN(other, generator, latent_dim=LATENT)
    with pytest.raises(ValueError, match=r"one probability per image, shape \(None, 1\)"):
        GAN(Sequential([Flatten(input_shape=(8, 8, 1)), Dense(2)]), generator, latent_dim=LATENT)
    with pytest.raises(TypeError, match="`generator` must be a Sequential or functional model"):
        GAN(discriminator, "generator", latent_dim=LATENT)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("x", "kwargs", "match"),
    [
        (images(4), {"y": np.ones(4)}, "A GAN trains on images alone"),
        ((images(4) * 255).astype(np.uint8), {}, r"floats scaled as the generator's outputs"),
        (np.zeros((4, 9, 9, 1), np.float32), {}, r"shape \(count, 8, 8, 1\)"),
        (np.full((4, 8, 8, 1), np.nan, np.float32), {}, "non-finite"),
        (images(4), {"batch_size": 0}, "`batch_size` must be a positive int"),
        (images(4), {"epochs": -1}, "`epochs` must be a non-negative int"),
    ],
)
def test_fit_rejects_bad_input_before_any_step(x: Any, kwargs: Any, match: str) -> None:
    gan = tiny_gan()
    with pytest.raises(ValueError, match=match):
        gan.fit(x, verbose=0, **kwargs)
    assert gan.steps == 0


def test_compile_first_and_a_sane_label_noise() -> None:
    gan = GAN(*networks(), latent_dim=LATENT)
    with pytest.raises(ValueError, match=r"call `compile\(\)` before using the GAN \(fit\)"):
        gan.fit(images(4))
    with pytest.raises(ValueError, match=r"`label_noise` must be in \[0, 1\). Received: .*=1.5"):
        gan.compile(label_noise=1.5)


def test_compile_defaults_are_dcgan_adam_and_binary_crossentropy() -> None:
    gan = tiny_gan()
    for optimizer in (gan.d_optimizer, gan.g_optimizer):
        config = optimizer.get_config()
        assert config["learning_rate"] == pytest.approx(0.0002)
        assert config["beta_1"] == pytest.approx(0.5)
    assert gan.d_optimizer is not gan.g_optimizer
    assert gan.loss_fn.get_config()["name"] == "binary_crossentropy"
    assert gan.label_noise == 0.05
