"""Activations: values, derivatives at kinks (JAX's), finite differences, extremes, registry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from support.gradcheck import assert_vjp_matches_numerical
from upsample.ops import activations
from upsample.ops.activations import (
    Activation,
    leaky_relu,
    leaky_relu_vjp,
    linear,
    linear_vjp,
    relu,
    relu_vjp,
    sigmoid,
    sigmoid_vjp,
    softmax,
    softmax_vjp,
    tanh,
    tanh_vjp,
)
from upsample.runtime import tuning

KERAS_DOC_X = np.array([-10, -5, 0.0, 5, 10], np.float32)


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, [0.0, 0.0, 0.0, 5.0, 10.0]),
        (dict(negative_slope=0.5), [-5.0, -2.5, 0.0, 5.0, 10.0]),
        (dict(max_value=5.0), [0.0, 0.0, 0.0, 5.0, 5.0]),
        (dict(threshold=5.0), [-0.0, -0.0, 0.0, 0.0, 10.0]),
        (dict(max_value=6), [0.0, 0.0, 0.0, 5.0, 6.0]),
        (dict(negative_slope=0.5, threshold=5.0), [-7.5, -5.0, -2.5, 0.0, 10.0]),
        (dict(negative_slope=0.5, max_value=8.0), [-5.0, -2.5, 0.0, 5.0, 8.0]),
    ],
)
def test_relu_values_from_the_keras_documentation(
    params: dict[str, Any], expected: list[float]
) -> None:
    np.testing.assert_array_equal(relu(KERAS_DOC_X, **params), expected)


def test_leaky_relu_defaults_to_the_ops_slope_of_0_2() -> None:
    np.testing.assert_allclose(leaky_relu(KERAS_DOC_X), [-2.0, -1.0, 0.0, 5.0, 10.0])
    np.testing.assert_allclose(
        leaky_relu(KERAS_DOC_X, negative_slope=0.3), [-3.0, -1.5, 0.0, 5.0, 10.0], rtol=1e-6
    )


@pytest.mark.parametrize("slope", [0.0, 0.2, 1.0, 1.5, -0.5])
def test_leaky_relu_is_x_or_slope_times_x_for_any_slope(slope: float) -> None:
    x = np.linspace(-3, 3, 13)
    np.testing.assert_array_equal(
        leaky_relu(x, negative_slope=slope), np.where(x >= 0, x, slope * x)
    )


def test_sigmoid_values() -> None:
    x = np.array([-2.0, 0.0, 2.0])
    np.testing.assert_allclose(sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-15)
    assert sigmoid(np.zeros(1, np.float32))[0] == 0.5


def test_sigmoid_is_stable_and_precise_for_large_magnitudes() -> None:
    """No overflow warning (pytest makes it an error); tiny values keep their precision."""
    x = np.array([-1e4, -745.0, -100.0, -30.0, 30.0, 100.0, 1e4], np.float64)
    y = sigmoid(x)
    np.testing.assert_allclose(y[2:4], np.exp(x[2:4]), rtol=1e-12)  # sigmoid(x) ~ e^x far left
    assert y[0] == 0.0 and y[-1] == 1.0 and y[-2] == 1.0
    y32 = sigmoid(x.astype(np.float32))
    assert y32.dtype == np.float32 and np.isfinite(y32).all()
    np.testing.assert_allclose(y32[3], np.exp(-30.0), rtol=1e-6)


def test_tanh_values_and_extremes() -> None:
    x = np.array([-1e4, -3.0, 0.0, 0.5, 1e4], np.float32)
    np.testing.assert_allclose(tanh(x), np.tanh(x.astype(np.float64)), rtol=1e-6)


def test_softmax_values_and_stability() -> None:
    x = np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, -1000.0]], np.float32)
    y = softmax(x)
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(y[0], e / e.sum(), rtol=1e-6)
    np.testing.assert_array_equal(y[1], [0.5, 0.5, 0.0])
    np.testing.assert_allclose(softmax(x, axis=0).sum(axis=0), 1.0, rtol=1e-6)
    np.testing.assert_allclose(softmax(x, axis=(0, 1)).sum(), 1.0, rtol=1e-6)


def test_softmax_of_minus_infinity_entries() -> None:
    y = softmax(np.array([[0.0, -np.inf, 0.0], [-np.inf] * 3], np.float32))
    np.testing.assert_array_equal(y[0], [0.5, 0.0, 0.5])
    assert np.isnan(y[1]).all()  # as in JAX: nothing to normalise


def test_linear_is_the_identity() -> None:
    x = np.arange(3.0)
    assert linear(x) is x
    assert linear_vjp(x, None, None) is x


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtype_is_kept(dtype: type) -> None:
    x = np.linspace(-3, 3, 7).astype(dtype)
    g = np.ones_like(x)
    for forward, vjp, params in [
        (relu, relu_vjp, {}),
        (relu, relu_vjp, dict(negative_slope=0.1, max_value=2.0, threshold=0.5)),
        (leaky_relu, leaky_relu_vjp, {}),
        (sigmoid, sigmoid_vjp, {}),
        (tanh, tanh_vjp, {}),
        (softmax, softmax_vjp, {}),
    ]:
        y = forward(x, **params)
        assert y.dtype == dtype, forward
        assert vjp(g, x, y, **params).dtype == dtype, vjp


def test_inputs_are_not_modified() -> None:
    x = np.linspace(-3, 3, 7).astype(np.float32)
    g = np.linspace(1, 2, 7).astype(np.float32)
    x0, g0 = x.copy(), g.copy()
    for name in activations.names():
        activation = activations.get(name)
        y = activation.forward(x)
        activation.vjp(g, x, y)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(g, g0)


# --------------------------------------------------------------------------- derivatives at kinks


def _slopes(vjp: Callable[..., np.ndarray], forward: Callable[..., np.ndarray], x, **params):
    x = np.asarray(x, np.float32)
    return vjp(np.ones_like(x), x, forward(x, **params), **params)


@pytest.mark.parametrize(
    ("params", "x", "expected"),
    [
        ({}, [-1.0, 0.0, 1.0], [0.0, 0.0, 1.0]),  # relu'(0) = 0
        (dict(negative_slope=0.25), [-1.0, 0.0, 1.0], [0.25, 1.0, 1.0]),  # leaky: 1 at 0
        (dict(max_value=1.0), [0.0, 0.5, 1.0, 2.0], [0.0, 1.0, 0.5, 0.0]),  # clip tie: 1/2
        (dict(max_value=6), [0.0, 3.0, 6.0, 7.0], [0.0, 1.0, 0.0, 0.0]),  # relu6: 0 at 6
        (dict(threshold=1.0), [0.5, 1.0, 1.5], [0.0, 0.0, 1.0]),
        (dict(threshold=-1.0, max_value=2.0), [-1.0, -0.5, 0.0, 2.0], [0.0, 0.0, 0.5, 0.5]),
        (dict(negative_slope=0.25, threshold=1.0), [0.0, 1.0, 2.0], [0.25, 0.0, 1.0]),
        (dict(negative_slope=0.25, max_value=2.0), [-1.0, 0.0, 2.0, 3.0], [0.25, 0.0, 0.5, 0.0]),
    ],
)
def test_relu_derivatives_at_the_kinks_are_jax_s(
    params: dict[str, Any], x: list[float], expected: list[float]
) -> None:
    np.testing.assert_array_equal(_slopes(relu_vjp, relu, x, **params), expected)


def test_leaky_relu_derivative_is_one_at_zero() -> None:
    np.testing.assert_allclose(
        _slopes(leaky_relu_vjp, leaky_relu, [-1.0, 0.0, 1.0]), [0.2, 1.0, 1.0], rtol=1e-7
    )


def test_saturated_sigmoid_and_tanh_have_zero_derivative_as_in_jax() -> None:
    x = np.array([-200.0, 50.0, 200.0], np.float32)
    np.testing.assert_array_equal(_slopes(sigmoid_vjp, sigmoid, x), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(_slopes(tanh_vjp, tanh, x), [0.0, 0.0, 0.0])


@pytest.mark.parametrize(
    "params", [{}, dict(threshold=0.5), dict(max_value=1.0), dict(negative_slope=0.0)]
)
def test_a_zero_derivative_gives_zero_even_for_an_infinite_gradient(
    params: dict[str, Any],
) -> None:
    """JAX selects (no NaN from inf * 0) where the derivative is 0."""
    x = np.array([-1.0, 0.0, 3.0], np.float32)
    dx = relu_vjp(np.full(3, np.inf, np.float32), x, relu(x, **params), **params)
    assert not np.isnan(dx).any()
    assert dx[0] == 0.0 and dx[1] == 0.0


# --------------------------------------------------------------------------- finite differences


# Points away from every kink (0, the thresholds 0.5 / -0.7, the caps 1.5 and 6).
SMOOTH_X = np.array([[-2.3, -0.9, -0.2, 0.3], [0.8, 1.2, 2.1, 7.3]])


@pytest.mark.parametrize(
    ("forward", "vjp", "params"),
    [
        (relu, relu_vjp, {}),
        (relu, relu_vjp, dict(negative_slope=0.1)),
        (relu, relu_vjp, dict(max_value=1.5)),
        (relu, relu_vjp, dict(max_value=6)),
        (relu, relu_vjp, dict(threshold=0.5)),
        (relu, relu_vjp, dict(negative_slope=0.3, threshold=-0.7, max_value=1.5)),
        (leaky_relu, leaky_relu_vjp, {}),
        (leaky_relu, leaky_relu_vjp, dict(negative_slope=1.7)),
        (sigmoid, sigmoid_vjp, {}),
        (tanh, tanh_vjp, {}),
        (softmax, softmax_vjp, {}),
        (softmax, softmax_vjp, dict(axis=0)),
        (softmax, softmax_vjp, dict(axis=(0, 1))),
        (linear, linear_vjp, {}),
    ],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_vjps_match_finite_differences(
    forward: Callable[..., np.ndarray],
    vjp: Callable[..., np.ndarray],
    params: dict[str, Any],
    rng: np.random.Generator,
) -> None:
    assert_vjp_matches_numerical(
        lambda x: forward(x, **params),
        lambda g, x: [vjp(g, x, forward(x, **params), **params)],
        [SMOOTH_X],
        rng,
    )


def test_plain_relu_vjp_can_read_the_output_instead_of_the_input() -> None:
    x = np.array([-1.0, -0.0, 0.0, 2.0, np.nan], np.float32)
    g = np.full(5, 3.0, np.float32)
    y = relu(x)
    np.testing.assert_array_equal(relu_vjp(g, None, y), relu_vjp(g, x, None))
    with pytest.raises(ValueError, match=r"relu_vjp needs the input `x`.*threshold=0.5"):
        relu_vjp(g, None, y, threshold=0.5)
    with pytest.raises(ValueError, match=r"relu_vjp needs the input `x`.*y=None"):
        relu_vjp(g, None, None)


def test_vjps_read_only_what_they_declare(rng: np.random.Generator) -> None:
    """A layer may keep only the input or only the output, as `Activation.uses_*` say."""
    x = rng.standard_normal((3, 4))
    g = rng.standard_normal((3, 4))
    for name in activations.names():
        activation = activations.get(name)
        y = activation.forward(x)
        full = activation.vjp(g, x, y)
        partial = activation.vjp(
            g, x if activation.uses_input else None, y if activation.uses_output else None
        )
        np.testing.assert_array_equal(partial, full, err_msg=name)


# --------------------------------------------------------------------------- registry


def test_get_by_name_function_activation_or_none() -> None:
    assert activations.names() == (
        "leaky_relu",
        "linear",
        "relu",
        "sigmoid",
        "softmax",
        "tanh",
    )
    for name in activations.names():
        activation = activations.get(name)
        assert isinstance(activation, Activation) and activation.name == name
        assert activations.get(activation.forward) is activation
        assert activations.get(activation) is activation
        assert activations.serialize(activation) == name
    assert activations.get(None).name == "linear"


def test_a_custom_activation_is_used_as_given() -> None:
    def square(x: np.ndarray) -> np.ndarray:
        return x * x

    def square_vjp(grad: np.ndarray, x: np.ndarray, y: np.ndarray | None) -> np.ndarray:
        return 2 * x * grad

    custom = Activation("square", square, square_vjp, uses_input=True, uses_output=False)
    assert activations.get(custom) is custom
    assert activations.vjp(custom, np.ones(2), np.array([1.0, 3.0]), None).tolist() == [2.0, 6.0]


def test_vjp_passes_the_parameters_on() -> None:
    x = np.array([-2.0, 2.0])
    dx = activations.vjp(activations.get("leaky_relu"), np.ones(2), x, None, negative_slope=0.5)
    assert dx.tolist() == [0.5, 1.0]


@pytest.mark.parametrize("name", ["Relu", "gelu", "", "relu6"])
def test_unknown_names_are_refused_with_the_accepted_ones(name: str) -> None:
    with pytest.raises(
        ValueError, match=rf"Unknown activation: '{name}'.*leaky_relu, linear, relu"
    ):
        activations.get(name)


def test_a_callable_without_a_known_gradient_is_refused() -> None:
    with pytest.raises(ValueError, match=r"Cannot use .*np.tanh|Cannot use .*tanh.*gradient"):
        activations.get(np.tanh)


@pytest.mark.parametrize(
    "params",
    [dict(negative_slope="0.1"), dict(max_value="6"), dict(threshold=None), dict(max_value=True)],
)
def test_bad_relu_parameters_are_named(params: dict[str, Any]) -> None:
    ((name, value),) = params.items()
    with pytest.raises(ValueError, match=rf"`{name}`.*Received: {name}={value!r}"):
        relu(KERAS_DOC_X, **params)
    with pytest.raises(ValueError, match=rf"`{name}`"):
        relu_vjp(np.ones(5), KERAS_DOC_X, None, **params)


def test_complex_inputs_are_refused() -> None:
    with pytest.raises(TypeError, match=r"`x` must be a real-valued array"):
        sigmoid(np.zeros(2, np.complex64))


def test_relu_gradient_of_a_large_array_is_selected_chunk_by_chunk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Chunks (a partial last one included) select exactly what one pass does: an infinite
    or NaN gradient where the output is 0 still gives +0, kept values keep their bits."""
    rng = np.random.default_rng(3)
    grad = rng.standard_normal((3, 7, 5, 4)).astype(np.float32)
    grad.reshape(-1)[:6] = [np.inf, -np.inf, np.nan, -0.0, 0.0, 1.0]
    y = np.maximum(rng.standard_normal(grad.shape).astype(np.float32), 0)
    y.reshape(-1)[:6] = [0.0, 2.0, 0.0, 3.0, 0.0, 0.0]
    whole = relu_vjp(grad, None, y)
    monkeypatch.setattr(tuning, "SELECT_WHOLE", 10)
    monkeypatch.setattr(tuning, "SELECT_CHUNK", 64)
    chunked = relu_vjp(grad, None, y)
    np.testing.assert_array_equal(chunked.view(np.uint32), whole.view(np.uint32))
    expected = np.where(y > 0, grad, np.float32(0))
    np.testing.assert_array_equal(whole.view(np.uint32), expected.view(np.uint32))
    assert chunked.shape == grad.shape and chunked.dtype == np.float32
