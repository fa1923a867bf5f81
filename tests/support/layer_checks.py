"""Checks every layer goes through: gradients, config round trip, parity with Keras."""

from __future__ import annotations

from typing import Any

import numpy as np

from upsample.layers.layer import Layer


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def assert_layer_gradients(
    layer: Layer,
    inputs: Any,
    rng: np.random.Generator,
    *,
    training: bool = False,
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-7,
) -> None:
    """`layer.backward` equals central finite differences, for inputs and trainable weights.

    Build the layer with ``dtype="float64"`` so that the differences are accurate.
    """
    xs = [np.asarray(x, dtype=np.float64) for x in _as_list(inputs)]
    multiple = isinstance(inputs, list | tuple)

    def run() -> np.ndarray:
        out, _ = layer.forward(xs if multiple else xs[0], training=training)
        return np.asarray(out)

    layer(xs if multiple else xs[0])  # build
    out, cache = layer.forward(xs if multiple else xs[0], training=training)
    cotangent = rng.standard_normal(np.shape(out))
    result = layer.backward(cache, cotangent, weights=True, inputs=True)
    analytic_inputs = _as_list(result.inputs)
    targets: list[tuple[str, np.ndarray, np.ndarray]] = [
        (f"input {i}", x, g) for i, (x, g) in enumerate(zip(xs, analytic_inputs, strict=True))
    ]
    weights = layer.trainable_weights
    assert result.weights is not None and len(result.weights) == len(weights)
    targets += [(v.path, v.value, g) for v, g in zip(weights, result.weights, strict=True)]
    for what, array, analytic in targets:
        numeric = np.zeros_like(array)
        flat, out_flat = array.reshape(-1), numeric.reshape(-1)
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + eps
            plus = float(np.sum(run() * cotangent))
            flat[i] = original - eps
            minus = float(np.sum(run() * cotangent))
            flat[i] = original
            out_flat[i] = (plus - minus) / (2 * eps)
        np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol, err_msg=what)


def assert_config_round_trip(layer: Layer) -> None:
    config = layer.get_config()
    rebuilt = type(layer).from_config(config)
    assert rebuilt.get_config() == config


def assert_matches_keras(
    reference: Any,
    layer: Layer,
    inputs: Any,
    rng: np.random.Generator,
    *,
    training: bool = False,
    rtol: float = 1e-5,
) -> dict[str, Any]:
    """Run the same layer (same config, same weights) in Keras and compare everything.

    Compares the output, the symbolic output shape, the input gradient(s), the
    gradient of every trainable weight and the non-trainable weights after the
    call (BatchNormalization's moving statistics in training).
    """
    xs = [np.asarray(x, dtype=np.float32) for x in _as_list(inputs)]
    multiple = isinstance(inputs, list | tuple)
    x_arg = xs if multiple else xs[0]
    layer(x_arg)  # build
    weights = layer.get_weights()
    out, cache = layer.forward(x_arg, training=training)
    cotangent = rng.standard_normal(np.shape(out)).astype(np.float32)
    result = layer.backward(cache, cotangent, weights=True, inputs=True)
    theirs = reference(
        "support.keras_side:layer_vjp",
        type(layer).__name__,
        layer.get_config(),
        weights,
        x_arg,
        cotangent,
        training,
    ).output

    def close(ours: Any, keras_value: Any, what: str) -> None:
        ours, keras_value = np.asarray(ours), np.asarray(keras_value)
        assert ours.shape == keras_value.shape, f"{what}: {ours.shape} != Keras {keras_value.shape}"
        scale = max(1.0, float(np.abs(keras_value).max(initial=0.0)))
        np.testing.assert_allclose(
            ours, keras_value, rtol=rtol, atol=2e-6 * scale, err_msg=f"{what} differs from Keras"
        )

    close(out, theirs["output"], "output")
    symbolic = layer.compute_output_shape(
        [(None, *x.shape[1:]) for x in xs] if multiple else (None, *xs[0].shape[1:])
    )
    keras_shape = theirs["output_shape"]
    assert tuple(symbolic)[1:] == tuple(keras_shape)[1:], (symbolic, keras_shape)
    for i, (ours, keras_grad) in enumerate(
        zip(_as_list(result.inputs), _as_list(theirs["input_grads"]), strict=True)
    ):
        close(ours, keras_grad, f"input gradient {i}")
    assert result.weights is not None
    assert len(result.weights) == len(theirs["weight_grads"])
    for variable, ours, keras_grad in zip(
        layer.trainable_weights, result.weights, theirs["weight_grads"], strict=True
    ):
        close(ours, keras_grad, f"gradient of {variable.path}")
    for variable, keras_value in zip(
        layer.non_trainable_weights, theirs["non_trainable"], strict=True
    ):
        close(variable.value, keras_value, f"non-trainable {variable.path} after the call")
    return theirs
