"""`GAN` against Keras 3: the DCGAN example's steps from identical weights and draws.

Our GAN trains the zoo's 28x28 generators (UpSampling2D and Conv2DTranspose)
against the zoo's discriminator for three steps on real digits of the bundled
sample; Keras (tests/support/keras_side_gan.py) loads the same networks from
the `.keras` files we wrote and takes the same three steps with the same
latents and label noise.  Dropout is set to 0: the two sides would draw
different masks.

Both losses of every step must agree to float32 rounding, and so must the
weights, with one caveat that is not an error.  A ReLU or LeakyReLU whose
input lies within rounding distance of 0 can take the other branch on one
side: seen here in the Conv2DTranspose run, where one input of the
discriminator's second LeakyReLU at step 2 is negative in our float32 sums and
positive in XLA's (a float64 computation sides with XLA), which changes that
step's generator gradient by a few percent.  Adam divides each gradient by its
running RMS, so the generator's weights then differ by up to 0.2 of a learning
rate in a few entries and by about 0.005 in many.  Weights are therefore
compared in learning rates: float32 rounding alone stays below 0.001 (measured
on both runs, 3e-4 at most), so every tensor must agree within 0.01 of a
learning rate in 95% of its entries and within half of one in all.  A wrong
gradient moves a tensor's entries by about a whole learning rate, and changes
the losses of steps 2 and 3.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from support.reference import KerasReference
from upsample import zoo
from upsample.datasets import mnist
from upsample.models import GAN
from upsample.utils import clear_session, set_random_seed
from upsample.zoo.discriminators import discriminator_28

MODULE = "support.keras_side_gan"
STEPS, BATCH = 3, 16
LEARNING_RATE = 0.0002  # DCGAN's, what `GAN.compile` and the Keras side use


@pytest.fixture(autouse=True)
def fresh_names() -> Iterator[None]:
    clear_session()
    yield
    clear_session()


@pytest.mark.parametrize("name", ["generator-upsampling-28", "generator-transpose-28"])
def test_gan_steps_match_keras(keras_reference: KerasReference, tmp_path: Path, name: str) -> None:
    set_random_seed(11)
    gan = GAN(discriminator_28(dropout=0.0), zoo.get(name).build(), latent_dim=100, seed=5)
    gan.compile()
    gan.discriminator.save(tmp_path / "discriminator.keras")
    gan.generator.save(tmp_path / "generator.keras")
    initial = gan.get_weights()
    with np.load(mnist.SAMPLE_PATH) as arrays:
        real = arrays["x_train"][: STEPS * BATCH, :, :, None].astype(np.float32) / 255
    batches = [real[i * BATCH : (i + 1) * BATCH] for i in range(STEPS)]
    noises, ours = [], {"d_loss": [], "g_loss": []}
    for batch in batches:
        noise = gan.sample_noise(BATCH)
        for key, value in gan.train_step(batch, noise).items():
            ours[key].append(value)
        noises.append((noise.latents, noise.label_noise, noise.generator_latents))

    theirs = keras_reference(
        f"{MODULE}:keras_gan_steps",
        str(tmp_path / "discriminator.keras"),
        str(tmp_path / "generator.keras"),
        batches,
        noises,
        gan.label_noise,
    ).output
    for key in ("d_loss", "g_loss"):
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5, err_msg=key)
    for role in ("discriminator", "generator"):
        weights = getattr(gan, role).get_weights()
        assert [w.shape for w in weights] == [w.shape for w in theirs[role]], role
        for i, (a, b) in enumerate(zip(weights, theirs[role], strict=True)):
            steps = np.abs(a - b) / LEARNING_RATE
            what = f"{role} weight {i}: |ours - Keras| / learning rate"
            assert np.quantile(steps, 0.95) <= 0.01, (what, np.quantile(steps, 0.95))
            assert steps.max() <= 0.5, (what, steps.max())
    # Both networks learnt, every weight of them.
    assert all(not np.array_equal(a, b) for a, b in zip(gan.get_weights(), initial, strict=True))
