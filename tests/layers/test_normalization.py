"""BatchNormalization: statistics, moving averages, gradients, weights, config, errors."""

from __future__ import annotations

import numpy as np
import pytest

from support.layer_checks import assert_config_round_trip, assert_layer_gradients
from upsample.layers.normalization import BatchNormalization


def _randomize(layer: BatchNormalization, rng: np.random.Generator) -> None:
    """Non-trivial gamma, beta and moving statistics (variances positive)."""
    weights = layer.get_weights()
    weights = [
        rng.uniform(0.5, 2.0, w.shape)
        if v.name in ("gamma", "moving_variance")
        else rng.normal(size=w.shape)
        for v, w in zip(layer.weights, weights, strict=True)
    ]
    layer.set_weights(weights)


def test_training_normalizes_with_biased_batch_statistics(rng: np.random.Generator) -> None:
    x = rng.normal(3.0, 2.0, (8, 5)).astype(np.float32)
    layer = BatchNormalization(epsilon=1e-3)
    y = layer(x, training=True)
    expected = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3)  # ddof=0, as jnp.var
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


def test_training_updates_moving_statistics_with_momentum(rng: np.random.Generator) -> None:
    x = rng.normal(1.0, 3.0, (6, 4, 4, 3))
    layer = BatchNormalization(momentum=0.9, dtype="float64")
    layer(x, training=True)
    mean, var = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))
    np.testing.assert_allclose(layer.moving_mean.value, 0.9 * 0 + 0.1 * mean)
    np.testing.assert_allclose(layer.moving_variance.value, 0.9 * 1 + 0.1 * var)
    layer(x, training=True)
    np.testing.assert_allclose(layer.moving_mean.value, 0.9 * 0.1 * mean + 0.1 * mean)


def test_inference_uses_moving_statistics_and_changes_nothing(rng: np.random.Generator) -> None:
    x = rng.normal(size=(4, 3))
    layer = BatchNormalization(dtype="float64")
    layer.build((None, 3))
    _randomize(layer, rng)
    gamma, beta, mean, var = layer.get_weights()
    y = layer(x)
    np.testing.assert_allclose(y, gamma * (x - mean) / np.sqrt(var + 1e-3) + beta)
    np.testing.assert_array_equal(layer.get_weights()[2], mean)


def test_frozen_layer_runs_in_inference_mode(rng: np.random.Generator) -> None:
    """As Keras: `trainable=False` means inference, even when called with training=True."""
    x = rng.normal(size=(4, 3))
    layer = BatchNormalization(dtype="float64")
    layer.build((None, 3))
    _randomize(layer, rng)
    expected = layer(x)
    layer.trainable = False
    before = layer.get_weights()
    out, cache = layer.forward(x, training=True)
    np.testing.assert_allclose(out, expected)
    for a, b in zip(before, layer.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert layer.backward(cache, np.ones_like(out)).weights == []


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize(
    ("shape", "axis"),
    [((5, 3), -1), ((5, 3), 1), ((3, 2, 3, 4), -1), ((2, 3, 2, 3), 1)],
)
@pytest.mark.parametrize(
    ("center", "scale"), [(True, True), (False, True), (True, False), (False, False)]
)
def test_gradients(
    shape: tuple[int, ...],
    axis: int,
    center: bool,
    scale: bool,
    training: bool,
    rng: np.random.Generator,
) -> None:
    layer = BatchNormalization(axis=axis, center=center, scale=scale, dtype="float64")
    layer.build((None, *shape[1:]))
    _randomize(layer, rng)
    x = rng.normal(1.0, 2.0, shape)
    assert_layer_gradients(layer, x, rng, training=training)


def test_backward_skips_what_is_not_asked(rng: np.random.Generator) -> None:
    layer = BatchNormalization()
    x = rng.normal(size=(4, 3)).astype(np.float32)
    layer(x)
    out, cache = layer.forward(x, training=True)
    grads = layer.backward(cache, np.ones_like(out), weights=False)
    assert grads.weights is None and grads.inputs.shape == x.shape
    assert grads.inputs.dtype == np.float32
    grads = layer.backward(cache, np.ones_like(out), inputs=False)
    assert grads.inputs is None and len(grads.weights) == 2


def test_weights_are_in_keras_order() -> None:
    layer = BatchNormalization(axis=1)
    layer.build((None, 3, 8, 8))
    assert [v.name for v in layer.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [v.name for v in layer.trainable_weights] == ["gamma", "beta"]
    assert [v.shape for v in layer.weights] == [(3,)] * 4
    assert layer.count_params() == 12
    gamma, beta, mean, var = layer.get_weights()
    np.testing.assert_array_equal(gamma, 1)
    np.testing.assert_array_equal(beta, 0)
    np.testing.assert_array_equal(mean, 0)
    np.testing.assert_array_equal(var, 1)
    bare = BatchNormalization(center=False, scale=False)
    bare.build((None, 4))
    assert [v.name for v in bare.weights] == ["moving_mean", "moving_variance"]
    assert bare.trainable_weights == []


def test_initializers_regularizers_and_constraints_are_used() -> None:
    layer = BatchNormalization(
        gamma_initializer="zeros",
        moving_variance_initializer="zeros",
        gamma_regularizer="l2",
        beta_constraint="non_neg",
    )
    layer.build((None, 2))
    assert not layer.gamma.value.any() and not layer.moving_variance.value.any()
    layer.set_weights([np.ones(2), -np.ones(2), np.zeros(2), np.ones(2)])
    penalty, grads = layer.regularization()
    assert penalty == pytest.approx(0.01 * 2) and id(layer.gamma) in grads
    layer.apply_constraints()
    np.testing.assert_array_equal(layer.beta.value, 0)


def test_output_shape_and_dtype(rng: np.random.Generator) -> None:
    layer = BatchNormalization(axis=1)
    assert layer.compute_output_shape((None, 3, 4)) == (None, 3, 4)
    y = layer(rng.normal(size=(2, 3, 4)).astype(np.float32), training=True)
    assert y.dtype == np.float32 and y.shape == (2, 3, 4)


def test_config_has_keras_keys_and_round_trips() -> None:
    layer = BatchNormalization(axis=1, momentum=0.9, epsilon=1e-5, center=False)
    config = layer.get_config()
    assert list(config) == [
        "name",
        "trainable",
        "dtype",
        "axis",
        "momentum",
        "epsilon",
        "center",
        "scale",
        "beta_initializer",
        "gamma_initializer",
        "moving_mean_initializer",
        "moving_variance_initializer",
        "beta_regularizer",
        "gamma_regularizer",
        "beta_constraint",
        "gamma_constraint",
        "synchronized",
        "renorm",
        "renorm_clipping",
        "renorm_momentum",
    ]
    assert config["axis"] == 1 and config["momentum"] == 0.9 and config["center"] is False
    assert config["gamma_initializer"]["class_name"] == "Ones"
    assert_config_round_trip(layer)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"axis": "channels"}, ValueError, "axis='channels'"),
        ({"axis": 1.5}, ValueError, "axis=1.5"),
        ({"momentum": "high"}, ValueError, "momentum='high'"),
        ({"epsilon": float("nan")}, ValueError, "epsilon=nan"),
        ({"renorm": True}, NotImplementedError, "renorm=True"),
        ({"synchronized": True}, NotImplementedError, "synchronized=True"),
        ({"gamma_initializer": "no_such_initializer"}, ValueError, "no_such_initializer"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        BatchNormalization(**kwargs)  # type: ignore[arg-type]


def test_bad_inputs(rng: np.random.Generator) -> None:
    with pytest.raises(ValueError, match=r"Axis 3 is out of bounds.*axis=3"):
        BatchNormalization(axis=3)(rng.normal(size=(2, 3)))
    with pytest.raises(ValueError, match=r"axis 0 .* known size"):
        BatchNormalization(axis=0)(rng.normal(size=(2, 3)))  # the batch size is not a feature
    layer = BatchNormalization()
    layer(rng.normal(size=(2, 3)))
    with pytest.raises(ValueError, match=r"axis -1 of size 3.*\(None, 4\)"):
        layer(rng.normal(size=(2, 4)))
    with pytest.raises(ValueError, match=r"expected ndim=2"):
        layer(rng.normal(size=(2, 5, 3)))
