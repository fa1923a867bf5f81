"""Training a batch in pieces, one per core (models/pieces.py), is the same step as one pass.

The split is forced with `MIN_PIECE_BYTES` set to 1 byte and the thread count set
to 2 or 3; the whole-batch path with `MIN_PIECE_BYTES` out of reach.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from upsample import config
from upsample.layers import Layer
from upsample.layers.layer import Gradients
from upsample.models import pieces
from upsample.runtime import tuning


@pytest.fixture(autouse=True)
def _default_threads_after() -> Iterator[None]:
    yield
    config.set_num_threads(None)


def conv_model(lib: SimpleNamespace) -> Any:
    L = lib.layers
    return lib.models.Sequential(
        [
            L.Input((8, 8, 2)),
            L.Conv2D(4, 3, padding="same", activation="relu"),
            L.MaxPooling2D(2),
            L.UpSampling2D(2, interpolation="bilinear"),
            L.Conv2DTranspose(3, 3, padding="same", activation="tanh"),
            L.Conv2D(1, 1, activation="sigmoid"),
        ]
    )


def train(
    monkeypatch: pytest.MonkeyPatch,
    build: Callable[[], Any],
    weights: list[np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    workers: int,
    min_bytes: int,
    loss: Any = "binary_crossentropy",
    steps: int = 2,
) -> tuple[list[float], list[np.ndarray], int]:
    """`steps` train_on_batch calls; the losses, the weights and how many went in pieces."""
    calls = []
    original = pieces.train_in_pieces

    def counted(model: Any, slices: list[slice], *args: Any) -> Any:
        calls.append(slices)
        assert all(s.stop > s.start for s in slices)
        assert slices[0].start == 0 and slices[-1].stop == len(x)
        return original(model, slices, *args)

    monkeypatch.setattr(tuning, "MIN_PIECE_BYTES", min_bytes)
    monkeypatch.setattr(pieces, "train_in_pieces", counted)
    config.set_num_threads(workers)
    from upsample.optimizers import SGD

    model = build()
    model.set_weights(weights)
    model.compile(optimizer=SGD(learning_rate=0.1, momentum=0.9), loss=loss)
    losses = [float(model.train_on_batch(x, y)) for _ in range(steps)]
    return losses, model.get_weights(), len(calls)


@pytest.mark.parametrize(("workers", "batch"), [(2, 10), (3, 10), (3, 7), (2, 2), (3, 2)])
def test_pieces_give_the_whole_batch_step(
    monkeypatch: pytest.MonkeyPatch,
    rng: np.random.Generator,
    lib: SimpleNamespace,
    workers: int,
    batch: int,
) -> None:
    weights = conv_model(lib).get_weights()
    x = rng.standard_normal((batch, 8, 8, 2)).astype(np.float32)
    y = rng.random((batch, 8, 8, 1)).astype(np.float32)
    whole = train(monkeypatch, lambda: conv_model(lib), weights, x, y, workers, 1 << 60)
    split = train(monkeypatch, lambda: conv_model(lib), weights, x, y, workers, 1)
    assert whole[2] == 0 and split[2] == 2
    np.testing.assert_allclose(split[0], whole[0], rtol=1e-5)
    for ours, reference in zip(split[1], whole[1], strict=True):
        np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-7)
    assert not np.allclose(whole[1][0], weights[0])  # the steps did something


def never_split(*args: Any) -> Any:
    raise AssertionError("this model must not be trained in pieces")


@pytest.mark.parametrize("kind", ["dropout", "batch_norm", "sum_loss"])
def test_models_whose_samples_interact_never_split(
    monkeypatch: pytest.MonkeyPatch, rng: np.random.Generator, lib: SimpleNamespace, kind: str
) -> None:
    L = lib.layers
    middle = {
        "dropout": [L.Dropout(0.3)],
        "batch_norm": [L.BatchNormalization()],
        "sum_loss": [],
    }[kind]
    model = lib.models.Sequential([L.Input((6, 6, 1)), L.Conv2D(2, 3), *middle, L.Flatten()])
    loss = (
        lib.losses.MeanSquaredError(reduction="sum") if kind == "sum_loss" else "mean_squared_error"
    )
    model.compile(optimizer="sgd", loss=loss)
    monkeypatch.setattr(tuning, "MIN_PIECE_BYTES", 1)
    monkeypatch.setattr(pieces, "train_in_pieces", never_split)
    config.set_num_threads(2)
    x = rng.standard_normal((8, 6, 6, 1)).astype(np.float32)
    before = model.get_weights()[0].copy()
    loss_value = model.train_on_batch(x, np.zeros((8, 32), np.float32))
    assert np.isfinite(loss_value)
    assert not np.array_equal(model.get_weights()[0], before)
    assert model._compiled.bytes_per_sample == 0


class Centred(Layer):
    """A user's layer that subtracts the batch mean: each output depends on every sample."""

    def forward(self, inputs: Any, training: bool = False) -> tuple[Any, Any]:
        return inputs - inputs.mean(axis=0, keepdims=True), None

    def backward(
        self, cache: Any, grad: Any, *, weights: bool = True, inputs: bool = True
    ) -> Gradients:
        return Gradients(grad - grad.mean(axis=0, keepdims=True), [] if weights else None)


class Doubled(Layer):
    """A user's layer whose samples are independent, and which says so."""

    samples_independent = True

    def forward(self, inputs: Any, training: bool = False) -> tuple[Any, Any]:
        return 2 * inputs, None

    def backward(
        self, cache: Any, grad: Any, *, weights: bool = True, inputs: bool = True
    ) -> Gradients:
        return Gradients(2 * grad, [] if weights else None)


@pytest.mark.parametrize(
    ("middle", "expected_splits"), [("users_layer", 0), ("users_declared", 2), ("built_in", 2)]
)
def test_only_layers_that_declare_independent_samples_are_trained_in_pieces(
    monkeypatch: pytest.MonkeyPatch,
    rng: np.random.Generator,
    lib: SimpleNamespace,
    middle: str,
    expected_splits: int,
) -> None:
    L = lib.layers
    make = {"users_layer": Centred, "users_declared": Doubled, "built_in": L.ReLU}[middle]

    def build() -> Any:
        inputs = L.Input((6, 6, 1))
        hidden = make()(L.Conv2D(2, 3)(inputs))
        return lib.models.Model(inputs, L.Flatten()(hidden))

    x = rng.standard_normal((8, 6, 6, 1)).astype(np.float32)
    y = np.zeros((8, 32), np.float32)
    weights = build().get_weights()
    _, _, splits = train(monkeypatch, build, weights, x, y, 2, 1, loss="mean_squared_error")
    assert splits == expected_splits


def test_piece_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tuning, "MIN_PIECE_BYTES", 100)
    assert pieces.piece_slices(10, 0, 4) is None  # size unknown or samples interact
    assert pieces.piece_slices(10, -5, 4) is None
    assert pieces.piece_slices(10, 19, 4) is None  # 190 bytes: one piece's worth
    assert pieces.piece_slices(10, 20, 4) == [slice(0, 5), slice(5, 10)]
    assert pieces.piece_slices(10, 1000, 3) == [slice(0, 3), slice(3, 6), slice(6, 10)]
    assert pieces.piece_slices(10, 1000, 1) is None  # one worker
    assert pieces.piece_slices(1, 10**9, 4) is None  # one sample cannot be split
    assert pieces.piece_slices(2, 10**9, 4) == [slice(0, 1), slice(1, 2)]  # never empty
    assert pieces.piece_slices(0, 10**9, 4) is None
