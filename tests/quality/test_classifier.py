"""The digit classifier: accuracy on the bundled sample, determinism, and its cache."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from quality.tiny import TINY
from upsample import random as upsample_random
from upsample.quality import ClassifierSettings, DigitClassifier, digit_classifier, train_classifier
from upsample.quality import classifier as classifier_module

# What the tiny settings must reach on the sample's 1,000 test images (the defaults,
# 6,000 images and 3 epochs, reach about 95%).
TINY_ACCURACY = 0.85

Splits = Any


def test_it_reaches_the_stated_accuracy_on_the_samples_test_split(trained: DigitClassifier) -> None:
    assert trained.test_accuracy >= TINY_ACCURACY
    assert trained.test_images == 1000
    assert f"test accuracy {trained.test_accuracy:.2%} on 1,000 images" in trained.describe()


def test_the_cache_holds_the_model_and_its_accuracy(
    trained: DigitClassifier,
    sample: Splits,
    cache: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert trained.path is not None and trained.path.parent == cache
    record = json.loads(trained.path.with_suffix(".json").read_text())
    assert record["key"] == trained.key
    assert record["test_accuracy"] == trained.test_accuracy
    assert record["settings"]["filters"] == [8, 16] and record["train_images"] == 2000

    def no_training(*args: Any) -> None:
        raise AssertionError("the cached classifier was trained again")

    monkeypatch.setattr(classifier_module, "train_classifier", no_training)
    again = digit_classifier(sample, TINY, cache_dir=cache)
    assert again.test_accuracy == trained.test_accuracy
    assert f"test accuracy {trained.test_accuracy:.2%}" in capsys.readouterr().err
    for a, b in zip(again.model.get_weights(), trained.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_other_data_or_settings_are_other_cache_entries(
    sample: Splits, trained: DigitClassifier
) -> None:
    (x_train, y_train), test = sample
    relabelled = y_train.copy()
    relabelled[0] = (relabelled[0] + 1) % 10
    keys = {
        trained.key,
        classifier_module._key(((x_train, relabelled), test), TINY),
        classifier_module._key(sample, ClassifierSettings(**{**vars(TINY), "seed": 2})),
        classifier_module._key(((x_train[:-1], y_train[:-1]), test), TINY),
    }
    assert len(keys) == 4


def test_a_record_of_another_key_is_not_trusted(
    sample: Splits, trained: DigitClassifier, tmp_path: Path
) -> None:
    assert trained.path is not None
    small = ((sample[0][0][:64], sample[0][1][:64]), (sample[1][0][:32], sample[1][1][:32]))
    settings = ClassifierSettings(epochs=1, filters=(2, 2), features=4)
    first = digit_classifier(small, settings, cache_dir=tmp_path, verbose=False)
    assert first.path is not None
    record_path = first.path.with_suffix(".json")
    record = json.loads(record_path.read_text())
    record_path.write_text(json.dumps({**record, "key": "0" * 64, "test_accuracy": 2.0}))
    assert digit_classifier(small, settings, cache_dir=tmp_path, verbose=False).test_accuracy <= 1.0


def test_training_is_deterministic_and_leaves_the_global_generator_alone(sample: Splits) -> None:
    small = ((sample[0][0][:200], sample[0][1][:200]), (sample[1][0][:50], sample[1][1][:50]))
    settings = ClassifierSettings(epochs=1, filters=(2, 4), features=8)
    before = upsample_random.global_generator().bit_generator.state
    first, second = train_classifier(small, settings), train_classifier(small, settings)
    assert upsample_random.global_generator().bit_generator.state == before
    for a, b in zip(first.model.get_weights(), second.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_default_cache_follows_xdg(
    sample: Splits, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("UPSAMPLE_HOME", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    small = ((sample[0][0][:32], sample[0][1][:32]), (sample[1][0][:16], sample[1][1][:16]))
    result = digit_classifier(
        small, ClassifierSettings(epochs=1, filters=(2, 2), features=4), verbose=False
    )
    assert result.path is not None and result.path.parent == tmp_path / "upsample" / "classifiers"
    monkeypatch.setenv("UPSAMPLE_HOME", str(tmp_path / "home"))
    result = digit_classifier(
        small, ClassifierSettings(epochs=1, filters=(2, 2), features=4), verbose=False
    )
    assert result.path is not None and result.path.parent == tmp_path / "home" / "classifiers"


def test_features_and_probabilities(trained: DigitClassifier, sample: Splits) -> None:
    digits = sample[1][0][:7]
    features, probabilities = trained.features_and_probabilities(digits, batch_size=3)
    assert features.shape == (7, 32) and probabilities.shape == (7, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert (features >= 0).all()  # the ReLU layer's outputs
    as_floats = (digits / 255).astype(np.float32)[..., None]
    again, _ = trained.features_and_probabilities(as_floats)
    np.testing.assert_allclose(again, features, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda x, y: (x[:, :27], y), r"`x_train` must be 28x28 digits.*\(10, 27, 28\)"),
        (
            lambda x, y: (x, y[:9]),
            r"`y_train` must hold one integer label per image, shape \(10,\)",
        ),
        (lambda x, y: (x, y.astype(np.float32)), r"dtype float32"),
        (lambda x, y: (x, y + 5), r"digits 0..9. Received 5..14"),
        (lambda x, y: (x.astype(np.int32), y), r"uint8 or floats in \[0, 1\]. Received int32"),
    ],
)
def test_bad_data(sample: Splits, change: Any, match: str) -> None:
    (x, y), test = sample
    with pytest.raises(ValueError, match=match):
        train_classifier((change(x[:10], y[:10]), test), ClassifierSettings(epochs=1))


def test_bad_settings_and_bad_structure(sample: Splits) -> None:
    with pytest.raises(ValueError, match=r"`epochs` must be an int >= 1. Received: epochs=0"):
        train_classifier(sample, ClassifierSettings(epochs=0))
    with pytest.raises(
        ValueError, match=r"`data` must be \(\(x_train, y_train\), \(x_test, y_test\)\)"
    ):
        train_classifier(sample[0], TINY)
