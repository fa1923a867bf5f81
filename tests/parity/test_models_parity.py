"""The seeds' models against real Keras 3: predictions, training, summaries and a GAN step.

Every case starts both sides from the same weights (Keras's own seeded initial
weights, loaded into our model), so what is compared is the computation:

(a) `predict` of the seed models on random inputs, our side built by
    `upsample.zoo` where the zoo has the model (checking the zoo too);
(b) one epoch of `fit` (shuffle=False) with SGD with momentum and with Adam on
    the two seed autoencoders: the final weights and the history; once more with
    the batch trained in pieces (pieces.py), which must not change the result;
(c) `summary()`: the text, the layer names, types and output shapes, and the
    total/trainable/non-trainable parameter counts;
(d) one GAN step: the discriminator on real then fake images, then the generator
    through the frozen discriminator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from support.keras_side_models import BUILDERS, gan, gan_step, summary_facts, upsample_library
from support.reference import KerasReference
from upsample import zoo
from upsample.models import pieces
from upsample.runtime import tuning
from upsample.utils import clear_session

MODULE = "support.keras_side_models"
COLUMNS = 100


@pytest.fixture(autouse=True)
def fresh_names() -> Iterator[None]:
    clear_session()
    yield
    clear_session()


# Our side of each model: the zoo's version where it has one, else the shared builder.
OURS: dict[str, Callable[[], Any]] = {
    "seed_000": zoo.ae_upsampling,
    "seed_004": zoo.ae_transpose,
    "generator_upsampling": zoo.generator_upsampling,
    "generator_transpose": zoo.generator_transpose,
    **{
        name: (lambda name=name: BUILDERS[name](upsample_library()))
        for name in ("seed_002_upsampling", "seed_002_transpose", "discriminator")
    },
}


def keras_weights(reference: KerasReference, name: str, seed: int) -> list[np.ndarray]:
    return list(reference(f"{MODULE}:keras_weights", name, seed).output)


def ours_with(name: str, weights: list[np.ndarray]) -> Any:
    model = OURS[name]()
    assert [w.shape for w in model.get_weights()] == [w.shape for w in weights], name
    model.set_weights(weights)
    return model


def assert_weights_close(
    ours: list[np.ndarray], theirs: list[np.ndarray], what: str, rtol: float = 1e-4
) -> None:
    """Each array within `rtol` of its largest Keras entry (float32 training noise)."""
    assert len(ours) == len(theirs), what
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert a.shape == b.shape, f"{what}: weight {i} shape {a.shape} != Keras {b.shape}"
        scale = max(float(np.max(np.abs(b))), 1e-3)
        np.testing.assert_allclose(a, b, rtol=0, atol=rtol * scale, err_msg=f"{what}: weight {i}")


def images(rng: np.random.Generator, count: int) -> np.ndarray:
    """MNIST-like [0, 1] images: mostly background, a bright patch."""
    x = rng.random((count, 28, 28, 1), dtype=np.float32)
    return np.where(rng.random(x.shape) < 0.7, 0.0, x).astype(np.float32)


# --------------------------------------------------------------------------- (a) predict


@pytest.mark.parametrize("name", sorted(OURS))
def test_predict_matches_keras(
    keras_reference: KerasReference, rng: np.random.Generator, name: str
) -> None:
    weights = keras_weights(keras_reference, name, seed=int(rng.integers(1 << 16)))
    model = ours_with(name, weights)
    if name.startswith("generator"):
        x = rng.standard_normal((7, 100)).astype(np.float32)
    else:
        x = rng.random((7, *model.input_shape[1:]), dtype=np.float32)
    [theirs] = keras_reference(f"{MODULE}:keras_predict", name, weights, x, 4).output
    ours = model.predict(x, batch_size=4, verbose=0)
    assert ours.shape == theirs.shape
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5 * float(np.max(np.abs(theirs))))
    assert np.ptp(theirs) > 0  # the case tests something


# --------------------------------------------------------------------------- (b) fit

SGD = ("SGD", {"learning_rate": 0.05, "momentum": 0.9})
# Adam's epsilon is raised from 1e-7: a gradient within float32 rounding of zero (a unit that
# hardly fires) moves its weight by up to lr * rounding / epsilon, which at 1e-7 is beyond any
# fair tolerance. Adam itself, default epsilon included, is bit-exact in test_optimizers_parity.
ADAM = ("Adam", {"learning_rate": 0.002, "epsilon": 1e-5})
# (model, optimizer, images, fit arguments): the seeds' batch sizes (25 and 1000) scaled down;
# 90 images at 25 end with a partial batch, and one case holds out a validation split.
FIT_CASES = {
    "seed_000-sgd": ("seed_000", SGD, 90, {"batch_size": 25}),
    "seed_000-adam": ("seed_000", ADAM, 100, {"batch_size": 25, "validation_split": 0.2}),
    "seed_004-sgd": ("seed_004", SGD, 64, {"batch_size": 32}),
    "seed_004-adam": ("seed_004", ADAM, 64, {"batch_size": 32}),
}


def fit_both(
    reference: KerasReference,
    rng: np.random.Generator,
    case: tuple[str, tuple[str, dict[str, Any]], int, dict[str, Any]],
) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    name, optimizer, count, fit_kwargs = case
    fit_kwargs = {**fit_kwargs, "epochs": 1, "shuffle": False}
    weights = keras_weights(reference, name, seed=int(rng.integers(1 << 16)))
    x = images(rng, count)
    theirs = reference(
        f"{MODULE}:keras_fit", name, weights, optimizer, "binary_crossentropy", x, x, fit_kwargs
    ).output
    model = ours_with(name, weights)
    lib = upsample_library()
    model.compile(optimizer=getattr(lib.optimizers, optimizer[0])(**optimizer[1]), loss="bce")
    history = model.fit(x, x, verbose=0, **fit_kwargs)
    assert_weights_close(model.get_weights(), theirs["weights"], f"{name} {optimizer[0]}")
    assert set(history.history) == set(theirs["history"])
    for key, values in theirs["history"].items():
        np.testing.assert_allclose(history.history[key], values, rtol=2e-5, err_msg=key)
    assert history.params["steps"] == theirs["params"]["steps"]
    # Training moved the weights well beyond the tolerance: the comparison means something.
    moved = max(float(np.max(np.abs(a - b))) for a, b in zip(weights, theirs["weights"]))
    assert moved > 1e-3
    return model, history.history, theirs


@pytest.mark.parametrize("case", sorted(FIT_CASES))
def test_one_epoch_of_fit_matches_keras(
    keras_reference: KerasReference, rng: np.random.Generator, case: str
) -> None:
    _, history, _ = fit_both(keras_reference, rng, FIT_CASES[case])
    if "validation_split" in FIT_CASES[case][3]:
        assert "val_loss" in history


def test_fit_in_pieces_matches_keras(
    keras_reference: KerasReference,
    rng: np.random.Generator,
    monkeypatch: pytest.MonkeyPatch,
    threads: Callable[[int], None],
) -> None:
    """A batch trained one piece per core (pieces.py) gives Keras's step all the same."""
    calls: list[list[slice]] = []
    original = pieces.train_in_pieces

    def counted(model: Any, slices: list[slice], *args: Any) -> Any:
        calls.append(slices)
        return original(model, slices, *args)

    monkeypatch.setattr(tuning, "MIN_PIECE_BYTES", 1)
    monkeypatch.setattr(pieces, "train_in_pieces", counted)
    threads(3)
    fit_both(keras_reference, rng, ("seed_004", ADAM, 80, {"batch_size": 25}))
    # 80 samples at 25: three full batches and one of 5, each in three pieces.
    assert [[(s.start, s.stop) for s in piece] for piece in calls] == [
        [(0, 8), (8, 16), (16, 25)]
    ] * 3 + [[(0, 1), (1, 3), (3, 5)]]


# --------------------------------------------------------------------------- (c) summary


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_summary_matches_keras(
    keras_reference: KerasReference, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    theirs = keras_reference(f"{MODULE}:keras_summary", name, COLUMNS).output
    monkeypatch.setenv("COLUMNS", str(COLUMNS))
    ours = summary_facts(BUILDERS[name](upsample_library()))
    assert ours["name"] == theirs["name"]
    assert ours["layers"] == theirs["layers"]
    for key in ("total", "trainable", "non_trainable"):
        assert ours[key] == theirs[key], key
    assert ours["total"] == ours["trainable"] + ours["non_trainable"]
    assert ours["text"] == theirs["text"]
    if name == "gan_combined":  # the frozen discriminator: Conv2D 3*3*4 + 4, Dense 5*5*4 + 1
        assert ours["non_trainable"] == 3 * 3 * 4 + 4 + 5 * 5 * 4 + 1


# --------------------------------------------------------------------------- (d) GAN


def test_gan_step_matches_keras(keras_reference: KerasReference, rng: np.random.Generator) -> None:
    weights = {
        "g": keras_weights(keras_reference, "generator_transpose", seed=int(rng.integers(99))),
        "d": keras_weights(keras_reference, "discriminator", seed=int(rng.integers(99))),
    }
    latent = rng.standard_normal((16, 100)).astype(np.float32)
    real = images(rng, 16)[:, 9:19, 9:19]
    theirs = keras_reference(f"{MODULE}:keras_gan_step", weights, latent, real).output
    g, d, combined = gan(upsample_library())
    g.set_weights(weights["g"])
    d.set_weights(weights["d"])
    ours = gan_step(g, d, combined, latent, real)
    np.testing.assert_allclose(ours["d_loss"], theirs["d_loss"], rtol=1e-5)
    np.testing.assert_allclose(ours["g_loss"], theirs["g_loss"], rtol=1e-5)
    for key in ("d_after_d_step", "d_after_g_step", "g_after"):
        assert_weights_close(ours[key], theirs[key], key)
    # The discriminator learnt in its own step, and stayed frozen in the generator's.
    assert not all(np.array_equal(a, b) for a, b in zip(theirs["d_after_d_step"], weights["d"]))
    for a, b in zip(ours["d_after_g_step"], ours["d_after_d_step"], strict=True):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(ours["g_after"], weights["g"]))
