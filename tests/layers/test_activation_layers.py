"""ReLU and LeakyReLU layers: Keras's formulas, JAX's derivatives at the kinks, config, errors."""

from __future__ import annotations

import numpy as np
import pytest

from support.layer_checks import assert_config_round_trip, assert_layer_gradients
from upsample.layers.activations import LeakyReLU, ReLU

X = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 6.0, 8.0], np.float32)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, [0, 0, 0, 0, 0.5, 1, 2, 6, 8]),
        ({"max_value": 2.0}, [0, 0, 0, 0, 0.5, 1, 2, 2, 2]),
        ({"negative_slope": 0.5}, [-1.5, -0.5, -0.25, 0, 0.5, 1, 2, 6, 8]),
        # Below the threshold: slope * (x - threshold); *at* it: 0 (Keras's `x > threshold`).
        ({"threshold": 1.0}, [0, 0, 0, 0, 0, 0, 2, 6, 8]),
        ({"threshold": 1.0, "negative_slope": 0.5}, [-2, -1, -0.75, -0.5, -0.25, 0, 2, 6, 8]),
        (
            {"threshold": 1.0, "negative_slope": 0.5, "max_value": 6.0},
            [-2, -1, -0.75, -0.5, -0.25, 0, 2, 6, 6],
        ),
    ],
)
def test_relu_values(kwargs: dict[str, float], expected: list[float]) -> None:
    np.testing.assert_allclose(ReLU(**kwargs)(X), expected)


def test_leaky_relu_values_and_default_slope() -> None:
    np.testing.assert_allclose(LeakyReLU()(X), np.where(X >= 0, X, 0.3 * X), rtol=1e-6)
    np.testing.assert_allclose(LeakyReLU(negative_slope=0.1)(X), np.where(X >= 0, X, 0.1 * X))


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        (ReLU(), [0, 0, 0, 0, 1, 1, 1, 1, 1]),  # relu'(0) = 0
        (ReLU(max_value=2.0), [0, 0, 0, 0, 1, 1, 0.5, 0, 0]),  # a tie of `minimum` at 2
        (ReLU(max_value=6.0), [0, 0, 0, 0, 1, 1, 1, 0, 0]),  # relu6: 0 at 6
        (ReLU(negative_slope=0.5), [0.5, 0.5, 0.5, 1, 1, 1, 1, 1, 1]),  # leaky: 1 at 0
        # Not leaky_relu any more (max_value): 0 at 0, and a tie at 8.
        (ReLU(negative_slope=0.5, max_value=8.0), [0.5, 0.5, 0.5, 0, 1, 1, 1, 1, 0.5]),
        (ReLU(threshold=1.0, negative_slope=0.5), [0.5, 0.5, 0.5, 0.5, 0.5, 0, 1, 1, 1]),
        (LeakyReLU(negative_slope=0.0), [0, 0, 0, 1, 1, 1, 1, 1, 1]),
    ],
)
def test_derivatives_at_the_kinks_follow_jax(layer: ReLU, expected: list[float]) -> None:
    _, cache = layer.forward(X)
    np.testing.assert_array_equal(layer.backward(cache, np.ones_like(X)).inputs, expected)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"max_value": 1.5},
        {"negative_slope": 0.2},
        {"threshold": 0.3},
        {"threshold": 0.3, "negative_slope": 0.7, "max_value": 2.0},
    ],
)
def test_relu_gradients(kwargs: dict[str, float], rng: np.random.Generator) -> None:
    x = rng.normal(size=(3, 4, 5))
    x[np.abs(x - 1.5) < 1e-3] += 0.01  # away from the kinks, where differences are one-sided
    assert_layer_gradients(ReLU(**kwargs, dtype="float64"), x, rng)


def test_leaky_relu_gradients(rng: np.random.Generator) -> None:
    assert_layer_gradients(LeakyReLU(0.2, dtype="float64"), rng.normal(size=(4, 6)), rng)


def test_shapes_weights_and_flags(rng: np.random.Generator) -> None:
    layer = ReLU()
    x = rng.normal(size=(2, 3)).astype(np.float32)
    out, cache = layer.forward(x)
    assert out.dtype == np.float32 and layer.compute_output_shape((None, 3)) == (None, 3)
    layer.build((None, 3))
    assert layer.weights == [] and layer.count_params() == 0
    assert layer.backward(cache, out, inputs=False).inputs is None
    assert layer.backward(cache, out, weights=False).weights is None


def test_config() -> None:
    relu = ReLU(max_value=6, negative_slope=0.1, threshold=0.5)
    assert list(relu.get_config()) == [
        "name",
        "trainable",
        "dtype",
        "max_value",
        "negative_slope",
        "threshold",
    ]
    assert ReLU().get_config()["max_value"] is None
    leaky = LeakyReLU()
    assert list(leaky.get_config()) == ["name", "trainable", "dtype", "negative_slope"]
    assert leaky.get_config()["negative_slope"] == 0.3
    assert_config_round_trip(relu)
    assert_config_round_trip(leaky)


def test_alpha_is_a_deprecated_name_for_negative_slope() -> None:
    with pytest.warns(UserWarning, match="alpha"):
        layer = LeakyReLU(alpha=0.2)
    assert layer.negative_slope == 0.2


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: ReLU(max_value=-1), "max_value=-1"),
        (lambda: ReLU(negative_slope=-0.1), "negative_slope=-0.1"),
        (lambda: ReLU(negative_slope=None), "negative_slope=None"),
        (lambda: ReLU(threshold=-2), "threshold=-2"),
        (lambda: ReLU(threshold="high"), "threshold='high'"),
        (lambda: LeakyReLU(negative_slope=-0.3), "negative_slope=-0.3"),
        (lambda: LeakyReLU(negative_slope=None), "negative_slope=None"),
    ],
)
def test_bad_arguments(make: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()  # type: ignore[operator]
