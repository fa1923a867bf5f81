"""A small MNIST classifier that upsample trains itself: the eyes of the sample scores.

The Fréchet distance and the diversity score need a network that knows what
digits look like.  The published FID uses Inception-v3, which is neither small
nor trained on digits; this one is a two-convolution CNN trained here, from a
seed, on the data in use (the bundled sample by default in the CLI), in a few
epochs on a CPU::

    Conv2D(16, 3x3, relu) -> MaxPooling2D -> Conv2D(32, 3x3, relu) -> MaxPooling2D
    -> Flatten -> Dense(64, relu) [the features] -> Dense(10, softmax)

Training is deterministic: seeded initializers, and one permutation per epoch
from a generator of the same seed (the global generator is never touched).
The trained model is cached under ``<cache>/classifiers/`` (see
`upsample.datasets._files.cache_root`: ``$UPSAMPLE_HOME``, ``$XDG_CACHE_HOME``
or ``~/.cache``), keyed by a SHA-256 of the training and test arrays and the
settings, with its test accuracy beside it in a JSON file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from upsample.datasets import _files
from upsample.initializers import GlorotUniform
from upsample.layers import Conv2D, Dense, Flatten, MaxPooling2D
from upsample.models import Model, Sequential, load_model
from upsample.optimizers import Adam

Array = np.ndarray
Splits = tuple[tuple[Array, Array], tuple[Array, Array]]

# Part of the cache key: change it whenever the architecture or the training changes.
RECIPE = "digit-classifier-1"
CLASSES = 10


@dataclass(frozen=True)
class ClassifierSettings:
    """How the classifier is built and trained (all of it goes into the cache key)."""

    seed: int = 0
    epochs: int = 3
    batch_size: int = 64
    learning_rate: float = 0.001
    filters: tuple[int, int] = (16, 32)
    features: int = 64


@dataclass(frozen=True)
class DigitClassifier:
    """A trained classifier, its test accuracy, and where it is cached.

    `model` maps ``(n, 28, 28, 1)`` images in [0, 1] to ``(n, 10)`` probabilities;
    its penultimate layer gives the ``(n, features)`` feature vectors.
    """

    model: Model
    test_accuracy: float
    test_images: int
    settings: ClassifierSettings
    key: str
    path: Path | None = None

    def features_and_probabilities(
        self, images: Array, batch_size: int = 500
    ) -> tuple[Array, Array]:
        """``(features (n, d), probabilities (n, 10))`` of `images` in one pass."""
        return _features_and_probabilities(self.model, as_images(images, "images"), batch_size)

    def describe(self) -> str:
        where = f", cached at {self.path}" if self.path is not None else ""
        return (
            f"Digit classifier (trained here, seed {self.settings.seed}, "
            f"{self.settings.epochs} epochs): test accuracy {self.test_accuracy:.2%} on "
            f"{self.test_images:,} images{where}"
        )


def as_images(images: Any, name: str) -> Array:
    """``(n, 28, 28)`` or ``(n, 28, 28, 1)`` digits (uint8 0..255 or floats in [0, 1]) as
    float32 ``(n, 28, 28, 1)`` in [0, 1]."""
    array = np.asarray(images)
    if array.ndim == 3:
        array = array[..., None]
    if array.ndim != 4 or array.shape[1:] != (28, 28, 1) or len(array) == 0:
        raise ValueError(
            f"`{name}` must be 28x28 digits, shape (n, 28, 28) or (n, 28, 28, 1) with n >= 1. "
            f"Received shape {np.shape(images)}."
        )
    if array.dtype == np.uint8:
        return array.astype(np.float32) / np.float32(255)
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"`{name}` must be uint8 or floats in [0, 1]. Received {array.dtype}.")
    if not np.isfinite(array).all():
        raise ValueError(f"`{name}` contains NaN or infinite values.")
    return np.ascontiguousarray(array, dtype=np.float32)


def build_classifier(settings: ClassifierSettings) -> Sequential:
    """The untrained network (see the module docstring), with seeded initial weights."""

    def init(offset: int) -> GlorotUniform:
        return GlorotUniform(seed=settings.seed + offset)

    first, second = settings.filters
    return Sequential(
        [
            Conv2D(
                first, 3, activation="relu", input_shape=(28, 28, 1), kernel_initializer=init(0)
            ),
            MaxPooling2D(2),
            Conv2D(second, 3, activation="relu", kernel_initializer=init(1)),
            MaxPooling2D(2),
            Flatten(),
            Dense(settings.features, activation="relu", kernel_initializer=init(2)),
            Dense(CLASSES, activation="softmax", kernel_initializer=init(3)),
        ]
    )


def train_classifier(data: Splits, settings: ClassifierSettings | None = None) -> DigitClassifier:
    """Train the classifier on ``data = ((x_train, y_train), (x_test, y_test))`` (no cache)."""

    settings = settings or ClassifierSettings()
    _check_settings(settings)
    (x_train, y_train), (x_test, y_test) = _checked(data)
    model = build_classifier(settings)
    model.compile(
        optimizer=Adam(learning_rate=settings.learning_rate), loss="sparse_categorical_crossentropy"
    )
    rng = np.random.default_rng(settings.seed)
    for _ in range(settings.epochs):
        order = rng.permutation(len(x_train))
        model.fit(
            x_train[order],
            y_train[order],
            batch_size=settings.batch_size,
            epochs=1,
            shuffle=False,
            verbose=0,
        )
    _, probabilities = _features_and_probabilities(model, x_test, batch_size=500)
    accuracy = float((probabilities.argmax(axis=1) == y_test).mean())
    return DigitClassifier(model, accuracy, len(x_test), settings, _key(data, settings))


def _features_and_probabilities(
    model: Model, images: Array, batch_size: int
) -> tuple[Array, Array]:
    """Run the layers one by one, keeping the penultimate layer's output as the features."""
    *body, head = model.layers
    features, probabilities = [], []
    for start in range(0, len(images), batch_size):
        hidden = images[start : start + batch_size]
        for layer in body:
            hidden, _ = layer.forward(hidden, training=False)
        features.append(hidden)
        probabilities.append(head.forward(hidden, training=False)[0])
    return np.concatenate(features), np.concatenate(probabilities)


def digit_classifier(
    data: Splits,
    settings: ClassifierSettings | None = None,
    *,
    cache_dir: str | Path | None = None,
    verbose: bool = True,
) -> DigitClassifier:
    """The classifier for `data` and `settings`: from the cache, or trained and cached.

    `cache_dir` defaults to ``cache_root() / "classifiers"``.  With `verbose`,
    the test accuracy and the cache location are printed (on stderr).
    """

    settings = settings or ClassifierSettings()
    _check_settings(settings)
    _checked(data)
    key = _key(data, settings)
    folder = Path(cache_dir) if cache_dir is not None else _files.cache_root() / "classifiers"
    model_path, record_path = folder / f"{key[:24]}.keras", folder / f"{key[:24]}.json"
    classifier = None
    if model_path.is_file() and record_path.is_file():
        record = json.loads(record_path.read_text(encoding="utf-8"))
        if record.get("key") == key:
            classifier = DigitClassifier(
                load_model(model_path, compile=False),
                float(record["test_accuracy"]),
                int(record["test_images"]),
                settings,
                key,
                model_path,
            )
    if classifier is None:
        trained = train_classifier(data, settings)
        folder.mkdir(parents=True, exist_ok=True)
        trained.model.save(model_path)
        # The record goes last: a model without its record is trained again, not trusted.
        record = {
            "key": key,
            "recipe": RECIPE,
            "settings": asdict(trained.settings),
            "test_accuracy": trained.test_accuracy,
            "test_images": trained.test_images,
            "train_images": len(data[0][0]),
        }
        with _files.atomic_write(record_path) as handle:
            handle.write((json.dumps(record, indent=2) + "\n").encode("utf-8"))
        classifier = DigitClassifier(
            trained.model, trained.test_accuracy, trained.test_images, settings, key, model_path
        )
    if verbose:
        _files.say(classifier.describe())
    return classifier


def _checked(data: Splits) -> Splits:
    try:
        (x_train, y_train), (x_test, y_test) = data
    except (TypeError, ValueError):
        raise ValueError(
            "`data` must be ((x_train, y_train), (x_test, y_test)), as mnist.load_data() returns."
        ) from None
    splits = []
    for x, y, name in ((x_train, y_train, "train"), (x_test, y_test, "test")):
        images = as_images(x, f"x_{name}")
        labels = np.asarray(y)
        if labels.shape != (len(images),) or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(
                f"`y_{name}` must hold one integer label per image, shape ({len(images)},). "
                f"Received shape {labels.shape} and dtype {labels.dtype}."
            )
        if labels.min() < 0 or labels.max() >= CLASSES:
            raise ValueError(
                f"`y_{name}` must hold digits 0..9. Received {labels.min()}..{labels.max()}."
            )
        splits.append((images, labels.astype(np.int64)))
    return splits[0], splits[1]


def _check_settings(settings: ClassifierSettings) -> None:
    for name in ("seed", "epochs", "batch_size", "features"):
        value = getattr(settings, name)
        least = 0 if name == "seed" else 1
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ValueError(f"`{name}` must be an int >= {least}. Received: {name}={value!r}")


def _key(data: Splits, settings: ClassifierSettings) -> str:
    """SHA-256 of the recipe, the settings and every array (shape, dtype and bytes)."""
    digest = hashlib.sha256(RECIPE.encode())
    digest.update(json.dumps(asdict(settings), sort_keys=True).encode())
    for split in data:
        for array in split:
            array = np.ascontiguousarray(array)
            digest.update(f"{array.shape}{array.dtype}".encode())
            digest.update(array.tobytes())
    return digest.hexdigest()
