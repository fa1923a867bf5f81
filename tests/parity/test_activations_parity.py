"""Every activation, with its parameters, against Keras 3 on JAX: values and gradients.

The inputs hold every kink of the function being tested exactly (0, -0, the
threshold, the cap, 6) and extremes (±30, ±100, ±1e4) besides random values, so
that the derivative conventions at the kinks and the behaviour in saturation
are compared, not only the smooth parts.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from support.reference import KerasReference
from upsample.ops import activations

EXTREMES = [-1e4, -100.0, -30.0, 30.0, 100.0, 1e4]


def make_input(seed: int, kinks: list[float]) -> np.ndarray:
    rng = np.random.default_rng(seed)
    special = np.array([0.0, -0.0, *kinks, *(k + d for k in kinks for d in (-1e-3, 1e-3))])
    values = np.concatenate(
        [rng.standard_normal(60) * 3, np.round(rng.standard_normal(20)), special]
    )
    values = np.concatenate([values, EXTREMES])
    values = np.concatenate([values, np.zeros(-len(values) % 8)])
    return values.astype(np.float32).reshape(-1, 8)


def assert_close(ours: np.ndarray, theirs: np.ndarray, what: str) -> None:
    assert ours.dtype == np.float32, f"{what}: dtype {ours.dtype}"
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} != Keras {theirs.shape}"
    scale = max(1.0, float(np.abs(theirs).max(initial=0.0)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=2e-6 * scale, err_msg=what)


def check(
    reference: KerasReference,
    path: str,
    activation: activations.Activation,
    x: np.ndarray,
    keras_params: dict[str, Any],
    params: dict[str, Any],
    seed: int,
) -> None:
    g = np.random.default_rng(seed + 1).standard_normal(x.shape).astype(np.float32)
    result = reference(path, x, cotangent=g, **keras_params)
    y = activation.forward(x, **params)
    assert_close(y, result.output, "output")
    assert_close(activation.vjp(g, x, y, **params), result.grads[0], "input gradient")


RELU_GRID = list(itertools.product([0.0, 0.1, 0.3], [None, 1.0, 2.5, 6.0, 6], [0.0, 0.5, -1.0]))


@pytest.mark.parametrize(("negative_slope", "max_value", "threshold"), RELU_GRID)
def test_relu_matches_keras_activations_relu(
    negative_slope: float,
    max_value: float | None,
    threshold: float,
    keras_reference: KerasReference,
) -> None:
    params = dict(negative_slope=negative_slope, max_value=max_value, threshold=threshold)
    kinks = [threshold, 6.0] + ([float(max_value)] if max_value is not None else [])
    seed = RELU_GRID.index((negative_slope, max_value, threshold))
    x = make_input(seed, kinks)
    relu = activations.get("relu")
    check(keras_reference, "keras.activations.relu", relu, x, params, params, seed)


@pytest.mark.parametrize("path", ["keras.ops.relu", "keras.activations.relu"])
def test_plain_relu_matches_keras(path: str, keras_reference: KerasReference) -> None:
    check(keras_reference, path, activations.get("relu"), make_input(1, []), {}, {}, 1)


@pytest.mark.parametrize("negative_slope", [None, 0.3, 0.0, 0.01, 1.5, -0.5])
@pytest.mark.parametrize("path", ["keras.ops.leaky_relu", "keras.activations.leaky_relu"])
def test_leaky_relu_matches_keras(
    path: str, negative_slope: float | None, keras_reference: KerasReference
) -> None:
    """`None`: both sides' default slope (0.2)."""
    params = {} if negative_slope is None else dict(negative_slope=negative_slope)
    x = make_input(2, [])
    check(keras_reference, path, activations.get("leaky_relu"), x, params, params, 2)


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("sigmoid", "keras.ops.sigmoid"),
        ("sigmoid", "keras.activations.sigmoid"),
        ("tanh", "keras.ops.tanh"),
        ("tanh", "keras.activations.tanh"),
        ("linear", "keras.activations.linear"),
    ],
)
def test_smooth_activations_match_keras(
    name: str, path: str, keras_reference: KerasReference
) -> None:
    x = make_input(3, [])
    check(keras_reference, path, activations.get(name), x, {}, {}, 3)


@pytest.mark.parametrize("axis", [-1, 0, 1, 2, (1, 2), (0, 2)])
@pytest.mark.parametrize("path", ["keras.ops.softmax", "keras.activations.softmax"])
@pytest.mark.parametrize("magnitude", [1.0, 30.0, 1e4], ids=["unit", "large", "huge"])
def test_softmax_matches_keras(
    path: str, axis: int | tuple[int, ...], magnitude: float, keras_reference: KerasReference
) -> None:
    """Logits up to 1e4 apart: without subtracting the maximum, exp would overflow."""
    rng = np.random.default_rng(4)
    x = (rng.standard_normal((3, 4, 5)) * magnitude).astype(np.float32)
    x[0, 0] = np.round(x[0, 0])  # and some ties
    params = dict(axis=axis)
    check(keras_reference, path, activations.get("softmax"), x, params, params, 4)


@pytest.mark.parametrize("name", activations.names())
def test_every_registered_name_is_the_keras_activation_of_that_name(
    name: str, keras_reference: KerasReference
) -> None:
    """``activation="<name>"`` means the same function in Keras and here (default parameters)."""
    x = make_input(5, [])
    activation = activations.get(name)
    check(keras_reference, f"keras.activations.{name}", activation, x, {}, {}, 5)
