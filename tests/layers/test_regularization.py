"""Dropout: inverted scaling, mask statistics, the same mask in backward, seeds, errors."""

from __future__ import annotations

import numpy as np
import pytest

from support.layer_checks import assert_config_round_trip
from upsample import random
from upsample.layers.regularization import Dropout


def test_inference_is_the_identity(rng: np.random.Generator) -> None:
    x = rng.normal(size=(3, 4)).astype(np.float32)
    layer = Dropout(0.5)
    assert layer(x) is x
    out, cache = layer.forward(x, training=False)
    g = rng.normal(size=x.shape).astype(np.float32)
    assert out is x and layer.backward(cache, g).inputs is g


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_training_drops_a_fraction_rate_and_scales_the_rest(rate: float) -> None:
    x = np.ones((200, 500), np.float32)
    y = Dropout(rate, seed=0)(x, training=True)
    kept = y != 0
    assert abs(1 - kept.mean() - rate) < 0.01
    np.testing.assert_array_equal(y[kept], np.float32(1) / np.float32(1 - rate))
    assert abs(y.mean() - 1) < 0.02  # inverted dropout keeps the expectation


def test_backward_uses_the_forward_mask(rng: np.random.Generator) -> None:
    x = rng.normal(size=(6, 7, 3)).astype(np.float32) + 5  # never exactly 0
    layer = Dropout(0.4, seed=3)
    out, cache = layer.forward(x, training=True)
    g = rng.normal(size=x.shape).astype(np.float32)
    dx = layer.backward(cache, g).inputs
    np.testing.assert_array_equal(dx != 0, out != 0)
    np.testing.assert_allclose(dx[out != 0], g[out != 0] / np.float32(0.6), rtol=1e-7)
    # Dropout is linear in its input: <out, g> = <x, dx>.
    np.testing.assert_allclose(np.sum(out * g), np.sum(x * dx), rtol=1e-4)


def test_noise_shape_shares_the_mask_along_axes_of_size_one() -> None:
    x = np.ones((4, 5, 5, 8), np.float32)
    layer = Dropout(0.5, noise_shape=(None, 1, 1, 8), seed=1)
    y = layer(x, training=True)
    # Whole feature maps are kept or dropped, independently per sample and channel.
    assert (y == y[:, :1, :1, :]).all()
    assert 0 < (y == 0).mean() < 1
    out, cache = layer.forward(x, training=True)
    dx = layer.backward(cache, np.ones_like(x)).inputs
    np.testing.assert_array_equal(dx, out)


def test_seeded_layers_repeat_and_unseeded_follow_the_global_seed() -> None:
    x = np.ones((10, 10), np.float32)
    first, second = Dropout(0.5, seed=7), Dropout(0.5, seed=7)
    np.testing.assert_array_equal(first(x, training=True), second(x, training=True))
    # Successive calls draw new masks.
    assert (first(x, training=True) != first(x, training=True)).any()
    random.set_random_seed(11)
    a = Dropout(0.5)(x, training=True)
    random.set_random_seed(11)
    b = Dropout(0.5)(x, training=True)
    np.testing.assert_array_equal(a, b)


def test_rate_zero_and_one() -> None:
    x = np.ones((3, 3), np.float32)
    np.testing.assert_array_equal(Dropout(0.0)(x, training=True), x)
    layer = Dropout(1.0)
    out, cache = layer.forward(x, training=True)
    np.testing.assert_array_equal(out, 0)  # Keras returns zeros, without dividing by 0
    np.testing.assert_array_equal(layer.backward(cache, x).inputs, 0)


def test_rate_zero_does_not_consume_the_global_generator() -> None:
    random.set_random_seed(5)
    expected = random.global_generator().random()
    random.set_random_seed(5)
    Dropout(0.0)
    assert random.global_generator().random() == expected


def test_no_weights_and_config() -> None:
    layer = Dropout(0.25, noise_shape=[None, 1, 4], seed=42, name="drop")
    layer.build((None, 3, 4))
    assert layer.weights == [] and layer.count_params() == 0
    config = layer.get_config()
    assert list(config) == ["name", "trainable", "dtype", "rate", "seed", "noise_shape"]
    assert (config["rate"], config["seed"], config["noise_shape"]) == (0.25, 42, [None, 1, 4])
    assert_config_round_trip(layer)
    assert layer.compute_output_shape((None, 3, 4)) == (None, 3, 4)


def test_backward_flags(rng: np.random.Generator) -> None:
    layer = Dropout(0.5, seed=0)
    x = rng.normal(size=(2, 3))
    out, cache = layer.forward(x, training=True)
    grads = layer.backward(cache, out, inputs=False)
    assert grads.inputs is None and grads.weights == []
    assert layer.backward(cache, out, weights=False).weights is None


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rate": 1.5}, "rate=1.5"),
        ({"rate": -0.1}, "rate=-0.1"),
        ({"rate": "half"}, "rate='half'"),
        ({"rate": 0.5, "noise_shape": "batch"}, "noise_shape='batch'"),
        ({"rate": 0.5, "noise_shape": (None, 0)}, r"noise_shape=\(None, 0\)"),
        ({"rate": 0.5, "noise_shape": (2.5,)}, r"noise_shape=\(2.5,\)"),
        ({"rate": 0.5, "seed": -1}, "seed=-1"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Dropout(**kwargs)  # type: ignore[arg-type]


def test_noise_shape_must_fit_the_inputs() -> None:
    layer = Dropout(0.5, noise_shape=(None, 3))
    with pytest.raises(ValueError, match=r"noise_shape=\(None, 3\).*\(None, 4\)"):
        layer(np.ones((2, 4), np.float32), training=True)
    with pytest.raises(ValueError, match="noise_shape"):
        Dropout(0.5, noise_shape=(None, 1, 1))(np.ones((2, 4), np.float32))
