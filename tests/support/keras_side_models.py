"""The seed models built the same way in Keras and in upsample, and Keras's side of the model tests.

As in keras_side_saving.py, a builder takes the library (``keras`` in the
reference worker, `upsample_library()` here), so one piece of code describes
each model for both.  The ``keras_*`` functions run inside the reference
worker (see reference.py): they take and return plain data and NumPy arrays.
Weights cross the process boundary as lists in `get_weights()` order, which is
the same on both sides (checked by the saving tests).
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

import numpy as np

from support.keras_side_saving import seed_000, seed_004, upsample_library

__all__ = ["BUILDERS", "upsample_library"]


def generator_upsampling(lib: Any) -> Any:
    """Seed 001's UpSampling2D generator: 100-d latent -> 128 maps of 5x5 -> 10x10 image."""
    L = lib.layers
    model = lib.models.Sequential()
    model.add(L.Dense(128 * 5 * 5, input_dim=100))
    model.add(L.Reshape((5, 5, 128)))
    model.add(L.UpSampling2D())
    model.add(L.Conv2D(1, (3, 3), padding="same"))
    return model


def generator_transpose(lib: Any) -> Any:
    """Seed 001's (and 003's) Conv2DTranspose generator: the 10x10 image in one layer."""
    L = lib.layers
    model = lib.models.Sequential()
    model.add(L.Dense(128 * 5 * 5, input_dim=100))
    model.add(L.Reshape((5, 5, 128)))
    model.add(L.Conv2DTranspose(1, (3, 3), strides=(2, 2), padding="same"))
    return model


def seed_002_upsampling(lib: Any) -> Any:
    """Seed 002's functional UpSampling2D model on 8x8x3 images."""
    inputs = lib.layers.Input(shape=(8, 8, 3))
    return lib.models.Model(inputs, lib.layers.UpSampling2D(size=(2, 2))(inputs))


def seed_002_transpose(lib: Any) -> Any:
    """Seed 002's functional Conv2DTranspose model (32 filters, stride 2, 'same', relu)."""
    inputs = lib.layers.Input(shape=(8, 8, 3))
    upsampled = lib.layers.Conv2DTranspose(
        filters=32, kernel_size=(3, 3), strides=(2, 2), activation="relu", padding="same"
    )(inputs)
    return lib.models.Model(inputs, upsampled)


def discriminator(lib: Any) -> Any:
    """A small discriminator for the 10x10 images of the generators."""
    L = lib.layers
    return lib.models.Sequential(
        [
            L.Input((10, 10, 1)),
            L.Conv2D(4, (3, 3), strides=(2, 2), padding="same"),
            L.LeakyReLU(negative_slope=0.2),
            L.Flatten(),
            L.Dense(1, activation="sigmoid"),
        ]
    )


def gan(lib: Any) -> tuple[Any, Any, Any]:
    """``(generator, discriminator, combined)``: the generator trains through a frozen critic.

    The discriminator is compiled (trainable) first, then frozen before the
    combined model is built and compiled: the usual Keras GAN recipe.  In Keras 3
    `trainable` is read at every step, so `gan_step` unfreezes it for its own step.
    """
    g = generator_transpose(lib)
    d = discriminator(lib)
    d.compile(optimizer=lib.optimizers.SGD(learning_rate=0.1), loss="binary_crossentropy")
    d.trainable = False
    combined = lib.models.Sequential([g, d])
    combined.compile(optimizer=lib.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy")
    return g, d, combined


def gan_combined(lib: Any) -> Any:
    """The combined model of `gan`: generator then frozen discriminator (for its summary)."""
    return gan(lib)[2]


BUILDERS = {
    "seed_000": seed_000,
    "seed_004": seed_004,
    "generator_upsampling": generator_upsampling,
    "generator_transpose": generator_transpose,
    "seed_002_upsampling": seed_002_upsampling,
    "seed_002_transpose": seed_002_transpose,
    "discriminator": discriminator,
    "gan_combined": gan_combined,
}


def make_optimizer(lib: Any, spec: tuple[str, dict[str, Any]]) -> Any:
    """An optimizer from ``(class name, arguments)``, e.g. ``("SGD", {"learning_rate": 0.1})``."""
    name, kwargs = spec
    return getattr(lib.optimizers, name)(**kwargs)


def _outputs(value: Any) -> list[np.ndarray]:
    return [np.asarray(v) for v in (value if isinstance(value, list) else [value])]


def _fresh_model(name: str, weights: list[np.ndarray] | None) -> Any:
    import keras

    keras.backend.clear_session()
    model = BUILDERS[name](keras)
    if weights is not None:
        model.set_weights(weights)
    return model


# --------------------------------------------------------------------------- Keras's side


def keras_weights(name: str, seed: int) -> list[np.ndarray]:
    """Keras's own initial weights for `name` (seeded), to load into our model."""
    import keras

    keras.utils.set_random_seed(seed)
    return [np.asarray(w) for w in _fresh_model(name, None).get_weights()]


def keras_predict(
    name: str, weights: list[np.ndarray], x: np.ndarray, batch_size: int | None = None
) -> list[np.ndarray]:
    """`predict` of model `name` with `weights`."""
    model = _fresh_model(name, weights)
    return _outputs(model.predict(x, batch_size=batch_size, verbose=0))


def summary_facts(model: Any) -> dict[str, Any]:
    """Shared by both sides: the summary's text and the numbers it is made of."""
    lines: list[str] = []
    model.summary(print_fn=lambda text, line_break=True: lines.append(text))

    def count(weights: list[Any]) -> int:
        return sum(int(np.prod(w.shape)) for w in weights)

    return {
        "text": "\n".join(lines).rstrip("\n"),
        "name": model.name,
        "layers": [
            (layer.name, type(layer).__name__, tuple(layer.output.shape), layer.count_params())
            for layer in model.layers
        ],
        "total": model.count_params(),
        "trainable": count(model.trainable_weights),
        "non_trainable": count(model.non_trainable_weights),
    }


def keras_summary(name: str, columns: int) -> dict[str, Any]:
    """The summary of a fresh `name` (in a terminal `columns` wide): see `summary_facts`."""
    os.environ["COLUMNS"] = str(columns)
    return summary_facts(_fresh_model(name, None))


def keras_fit(
    name: str,
    weights: list[np.ndarray],
    optimizer: tuple[str, dict[str, Any]],
    loss: str,
    x: np.ndarray,
    y: np.ndarray,
    fit_kwargs: dict[str, Any],
) -> dict[str, Any]:
    """`fit` from `weights`; the final weights, the history and the evaluation afterwards."""
    import keras

    model = _fresh_model(name, weights)
    model.compile(optimizer=make_optimizer(keras, optimizer), loss=loss)
    history = model.fit(x, y, verbose=0, **fit_kwargs)
    return {
        "weights": [np.asarray(w) for w in model.get_weights()],
        "history": {key: [float(v) for v in values] for key, values in history.history.items()},
        "params": dict(history.params),
    }


def keras_on_batch(
    name: str,
    weights: list[np.ndarray],
    optimizer: tuple[str, dict[str, Any]],
    loss: str,
    metrics: list[str],
    x: np.ndarray,
    y: np.ndarray,
    batch_size: int,
) -> dict[str, Any]:
    """test_on_batch, train_on_batch (twice), then evaluate and predict_on_batch."""
    import keras

    model = _fresh_model(name, weights)
    model.compile(optimizer=make_optimizer(keras, optimizer), loss=loss, metrics=metrics)
    results: dict[str, Any] = {"test": model.test_on_batch(x, y, return_dict=True)}
    results["train"] = [model.train_on_batch(x, y, return_dict=True) for _ in range(2)]
    results["evaluate"] = model.evaluate(x, y, batch_size=batch_size, verbose=0)
    results["predict_on_batch"] = np.asarray(model.predict_on_batch(x))
    results["weights"] = [np.asarray(w) for w in model.get_weights()]
    return {key: _floats(value) for key, value in results.items()}


def _floats(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: float(v) for k, v in value.items()}
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [_floats(v) for v in value]
    if isinstance(value, list) and value and np.ndim(value[0]) == 0:
        return [float(v) for v in value]
    return value


def keras_gan_step(
    weights: dict[str, list[np.ndarray]], latent: np.ndarray, real: np.ndarray
) -> dict[str, Any]:
    """One discriminator step on real and fake images, then one generator step through it."""
    import keras

    keras.backend.clear_session()
    g, d, combined = gan(keras)
    g.set_weights(weights["g"])
    d.set_weights(weights["d"])
    return _gan_step(g, d, combined, latent, real)


def _gan_step(
    g: Any, d: Any, combined: Any, latent: np.ndarray, real: np.ndarray
) -> dict[str, Any]:
    """Shared by both sides: what the GAN test compares.

    Keras 3 reads `trainable` at each step (not at compile time), so the
    discriminator is unfrozen for its own step and frozen again for the generator's.
    """
    fake = np.asarray(g.predict(latent, verbose=0))
    d.trainable = True
    d_loss = [
        float(d.train_on_batch(real, np.ones((len(real), 1), np.float32))),
        float(d.train_on_batch(fake, np.zeros((len(fake), 1), np.float32))),
    ]
    d_after_d_step = [np.asarray(w) for w in d.get_weights()]
    d.trainable = False
    g_loss = float(combined.train_on_batch(latent, np.ones((len(latent), 1), np.float32)))
    return {
        "d_loss": d_loss,
        "g_loss": g_loss,
        "d_after_d_step": d_after_d_step,
        "d_after_g_step": [np.asarray(w) for w in d.get_weights()],
        "g_after": [np.asarray(w) for w in g.get_weights()],
    }


gan_step = _gan_step


def run_listing(
    sources: list[str], target: str, scale: dict[str, Any] | None, keep: list[str]
) -> dict[str, Any]:
    """Shared by both sides: run a listing's cells (scaled down when `scale` is given).

    Returns, per cell, what it printed, its last expression's value and its error's type
    (see seeds/listing.py's `describe`); the pyplot record; the namespace entries named in
    `keep`, described; and the histories of every `fit` when scaled down.
    """
    from seeds.listing import Scale, describe, describe_plots, run_cells, scaled_down

    context = contextlib.nullcontext(None) if scale is None else scaled_down(target, Scale(**scale))
    with context as scaled:
        cells, namespace = run_cells(sources, target=target)
    return {
        "cells": [
            {
                "printed": cell.printed,
                "value": describe(cell.value),
                "error": None if cell.error is None else type(cell.error).__name__,
                "message": None if cell.error is None else str(cell.error),
            }
            for cell in cells
        ],
        "plots": describe_plots(namespace["plt"]),
        "kept": {name: describe(namespace.get(name)) for name in keep},
        "histories": [] if scaled is None else scaled.histories,
    }


def keras_run_listing(
    sources: list[str],
    columns: int,
    scale: dict[str, Any] | None = None,
    keep: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Run a listing's cells with their original Keras imports (see `run_listing`).

    Only the pyplot and TensorFlow imports change (see seeds/listing.py).
    """
    import keras

    os.environ["COLUMNS"] = str(columns)
    keras.backend.clear_session()
    return run_listing(sources, "keras", scale, list(keep))
