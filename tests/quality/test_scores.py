"""`SampleScorer` on inputs with known answers, and `GANMonitor` during a GAN's fit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from upsample.datasets import mnist
from upsample.layers import Conv2DTranspose, Dense, Reshape
from upsample.models import GAN, Sequential
from upsample.quality import (
    DigitClassifier,
    GANMonitor,
    SampleScorer,
)
from upsample.quality.scores import NOT_FID, SCORE_NAMES
from upsample.utils import set_random_seed
from upsample.zoo.discriminators import dcgan_discriminator


@pytest.fixture(scope="module")
def digits() -> dict[str, np.ndarray]:
    with np.load(mnist.SAMPLE_PATH) as arrays:
        return {key: arrays[key] for key in arrays.files}


@pytest.fixture(scope="module")
def scorer(trained: DigitClassifier, digits: dict[str, np.ndarray]) -> SampleScorer:
    return SampleScorer(trained, digits["x_test"][:500])


def test_the_reference_set_is_at_distance_zero_and_held_out_digits_give_the_floor(
    scorer: SampleScorer, digits: dict[str, np.ndarray]
) -> None:
    same = scorer(digits["x_test"][:500])
    assert same.frechet_distance == pytest.approx(0.0, abs=1e-6)
    floor = scorer.floor(digits["x_test"][500:])
    noise = np.random.default_rng(0).random((500, 28, 28, 1), dtype=np.float32)
    one_digit = np.repeat(digits["x_train"][:1], 500, axis=0)
    # Real digits sit far closer to the reference than noise or a collapsed generator.
    assert 0 < floor < scorer(noise).frechet_distance / 10
    assert floor < scorer(one_digit).frechet_distance / 10
    assert scorer(one_digit).diversity.score == 0.0
    assert scorer(digits["x_train"][:500]).diversity.score > 0.9


def test_logs_hold_every_score_and_the_extra_measures(
    scorer: SampleScorer, digits: dict[str, np.ndarray]
) -> None:
    seen: list[np.ndarray] = []

    def brightness(images: np.ndarray) -> float:
        seen.append(images)
        return float(images.mean())

    measured = SampleScorer(
        scorer.classifier, digits["x_test"][:100], measures={"brightness": brightness}
    )
    images = digits["x_train"][:50].astype(np.float32)[..., None] / 255
    logs = measured(images).logs()
    assert list(logs) == [*SCORE_NAMES, "brightness"]
    assert logs["brightness"] == pytest.approx(float(images.mean()))
    assert seen[0] is images or np.array_equal(seen[0], images)
    assert "NOT the published Inception FID" in NOT_FID
    with pytest.raises(ValueError, match=r"may not reuse the names of the scores: \['diversity'\]"):
        SampleScorer(scorer.classifier, digits["x_test"][:100], measures={"diversity": brightness})


def tiny_gan() -> GAN:
    set_random_seed(3)
    generator = Sequential(
        [
            Dense(7 * 7 * 2, input_dim=4, activation="relu"),
            Reshape((7, 7, 2)),
            Conv2DTranspose(2, 3, strides=2, padding="same", activation="relu"),
            Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid"),
        ]
    )
    gan = GAN(dcgan_discriminator(input_shape=(28, 28, 1), filters=(2,)), generator, 4, seed=0)
    gan.compile()
    return gan


def test_the_monitor_keeps_a_grid_and_the_scores_of_every_epoch(
    scorer: SampleScorer, digits: dict[str, np.ndarray]
) -> None:
    gan = tiny_gan()
    latents = np.random.default_rng(1).standard_normal((40, 4)).astype(np.float32)
    monitor = GANMonitor(latents, scorer, grid_size=6)
    real = digits["x_train"][:24].astype(np.float32)[..., None] / 255
    history = gan.fit(real, batch_size=8, epochs=2, verbose=0, callbacks=[monitor])
    assert [grid.shape for grid in monitor.grids] == [(6, 28, 28, 1)] * 2
    np.testing.assert_array_equal(monitor.grids[-1], gan.generator.predict(latents[:6], verbose=0))
    assert [r["epoch"] for r in monitor.records] == [0, 1]
    assert [r["steps"] for r in monitor.records] == [3, 6]
    assert 0 < monitor.records[0]["seconds"] < monitor.records[1]["seconds"]
    assert history.history["frechet_distance"] == [r["frechet_distance"] for r in monitor.records]
    assert history.history["diversity"] == [s.diversity.score for s in monitor.scores]
    assert set(SCORE_NAMES) <= set(history.history)


def test_the_monitor_scores_every_nth_epoch_and_grids_always(
    scorer: SampleScorer, digits: dict[str, np.ndarray]
) -> None:
    monitor = GANMonitor(np.zeros((8, 4), np.float32), scorer, grid_size=2, every=2)
    real = digits["x_train"][:8].astype(np.float32)[..., None] / 255
    tiny_gan().fit(real, batch_size=8, epochs=3, verbose=0, callbacks=[monitor])
    assert len(monitor.grids) == 3 and len(monitor.scores) == 1
    assert ["frechet_distance" in r for r in monitor.records] == [False, True, False]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"latents": np.zeros(4)}, r"\(count, latent_dim\) array. Received shape \(4,\)"),
        ({"grid_size": 0}, "`grid_size` must be a positive int. Received: grid_size=0"),
        ({"every": 1.5}, "`every` must be a positive int. Received: every=1.5"),
    ],
)
def test_monitor_bad_arguments(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        GANMonitor(**{"latents": np.zeros((2, 4)), **kwargs})
