"""dtype policies against Keras: per-layer dtypes and the casting of inputs.

What Keras 3 does (and upsample matches), checked here on a few layers of each kind:

* a layer computes and returns its compute dtype, whatever float type it is given
  (Keras's autocast in ``Layer.__call__``), and keeps its weights in its dtype;
* in a model, each layer casts its floating inputs the same way, so a ``"float16"``
  layer in a float32 model returns float16 and the next float32 layer casts back;
  ``model(x)`` and `predict_on_batch` convert `x` to the `Input`'s dtype, while
  `predict` (like `fit` and `evaluate`) first casts float data to `floatx`, so a
  float64 model's `predict` sees float64 inputs rounded to float32;
* gradients flow back through each cast in the dtype of the value cast.

The Keras side runs with JAX's 64-bit types enabled (support/keras_side_dtypes.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import upsample.layers as L
from support.reference import KerasReference
from upsample.layers.layer import Layer
from upsample.models import Model, Sequential
from upsample.optimizers import SGD
from upsample.saving.serialize import serialize_layer

MODULE = "support.keras_side_dtypes"
DTYPES = ["float16", "float32", "float64"]
# Relative to the largest magnitude compared: a few units in the last place of each type.
TOLERANCE = {"float16": 4e-3, "float32": 2e-6, "float64": 1e-13}


def assert_same(ours: np.ndarray, theirs: np.ndarray, what: str, precision: str = "") -> None:
    """Same dtype and shape, and values within a few ulps of `precision` (default: the dtype's)."""
    assert ours.dtype == theirs.dtype, f"{what}: ours {ours.dtype}, Keras {theirs.dtype}"
    assert ours.shape == theirs.shape, what
    scale = max(1.0, float(np.abs(theirs.astype(np.float64)).max()))
    tolerance = TOLERANCE[precision or str(theirs.dtype)] * scale
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=tolerance, err_msg=what)


def inputs(rng: np.random.Generator, shape: tuple[int, ...]) -> list[np.ndarray]:
    """The same values as float16, float32 and float64 (float64 with bits below float32)."""
    x = rng.standard_normal(shape)
    return [x.astype(np.float16), x.astype(np.float32), x]


LAYERS: dict[str, Any] = {
    "Dense": lambda dtype: L.Dense(3, activation="tanh", dtype=dtype),
    "Conv2D": lambda dtype: L.Conv2D(3, 3, padding="same", dtype=dtype),
    "Conv2DTranspose": lambda dtype: L.Conv2DTranspose(2, 3, strides=2, dtype=dtype),
    "UpSampling2D-nearest": lambda dtype: L.UpSampling2D(2, dtype=dtype),
    "UpSampling2D-bilinear": lambda dtype: L.UpSampling2D(2, interpolation="bilinear", dtype=dtype),
    "BatchNormalization": lambda dtype: L.BatchNormalization(dtype=dtype),
    "MaxPooling2D": lambda dtype: L.MaxPooling2D(dtype=dtype),
    "Activation": lambda dtype: L.Activation("sigmoid", dtype=dtype),
}


# Where Keras on JAX does not follow a float64 policy, ours does (as Keras on TensorFlow):
# Keras's type promotion (`backend.result_type`) turns any 64-bit result into a 32-bit one
# on JAX and PyTorch, so its `ops.matmul` (Dense) returns float32, and BatchNormalization,
# which computes in ``result_type(inputs, "float32")``, computes in float32 and returns
# float64.  There the values agree to float32 precision.
KERAS_JAX_FLOAT32 = {("Dense", "float64"): np.float32}
KERAS_JAX_FLOAT32_INSIDE = {("BatchNormalization", "float64")}


def random_weights(layer: Layer, rng: np.random.Generator) -> list[np.ndarray]:
    """Weights of order one (variances positive), in the layer's dtype."""
    weights = []
    for variable in layer.weights:
        w = rng.uniform(0.5, 1.5, variable.shape) if "variance" in variable.name else None
        w = rng.standard_normal(variable.shape) * 0.5 if w is None else w
        weights.append(w.astype(variable.dtype))
    return weights


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_a_layer_computes_in_its_dtype_whatever_it_is_given(
    kind: str, dtype: str, keras_reference: KerasReference
) -> None:
    rng = np.random.default_rng([len(kind), DTYPES.index(dtype)])
    xs = inputs(rng, (2, 5, 4, 3))
    layer = LAYERS[kind](dtype)
    layer.build(xs[0].shape)
    layer.set_weights(random_weights(layer, rng))
    training = kind == "BatchNormalization" and dtype != "float32"  # batch statistics too
    theirs = keras_reference(
        f"{MODULE}:layer_outputs",
        serialize_layer(layer),
        layer.get_weights(),
        xs,
        training,
    ).output
    assert [str(v.dtype) for v in layer.weights] == theirs["weight_dtypes"]
    assert all(str(v.dtype) == dtype for v in layer.weights)
    for x, expected in zip(xs, theirs["outputs"], strict=True):
        ours = layer(x, training=training)
        what = f"{kind} ({dtype}) on {x.dtype} inputs"
        assert ours.dtype == dtype, what  # the layer's dtype, whatever the input's
        if (kind, dtype) in KERAS_JAX_FLOAT32:
            assert expected.dtype == KERAS_JAX_FLOAT32[kind, dtype], what
            assert_same(ours.astype(expected.dtype), expected, what, "float32")
        else:
            precision = "float32" if (kind, dtype) in KERAS_JAX_FLOAT32_INSIDE else ""
            assert_same(ours, expected, what, precision)


# --------------------------------------------------------------------------- models


def float16_inside_float32() -> Model:
    """A float16 convolution between float32 ones (the output is float32 again)."""
    inputs = L.Input((6, 6, 2))
    h = L.Conv2D(3, 3, padding="same", activation="relu")(inputs)
    h = L.Conv2D(3, 3, padding="same", activation="relu", dtype="float16")(h)
    h = L.UpSampling2D(2, interpolation="bilinear")(h)
    return Model(inputs, L.Conv2D(1, 3, activation="sigmoid")(h))


def float16_output() -> Model:
    """A float32 model whose last layer is float16: it returns float16."""
    inputs = L.Input((6, 6, 2))
    h = L.Conv2D(3, 3, padding="same")(inputs)
    return Model(inputs, L.Conv2DTranspose(2, 2, strides=2, dtype="float16")(h))


def float64_model() -> Sequential:
    """Every layer float64, from a float64 Input: `predict` rounds inputs to float32 first."""
    return Sequential(
        [
            L.Input((6, 6, 2), dtype="float64"),
            # relu: XLA's float64 tanh is only as exact as float32.
            L.Conv2D(3, 3, activation="relu", dtype="float64"),
            L.UpSampling2D(2, dtype="float64"),
            L.Conv2D(1, 3, dtype="float64"),
        ]
    )


def float64_inside_float32() -> Sequential:
    """A float64 layer in a float32 Sequential model (whose Input is float32)."""
    return Sequential(
        [
            L.Input((6, 6, 2)),
            L.Conv2D(3, 3, dtype="float64"),
            L.BatchNormalization(),
            L.Dense(2),
        ]
    )


MODELS = {
    "float16_inside_float32": float16_inside_float32,
    "float16_output": float16_output,
    "float64_model": float64_model,
    "float64_inside_float32": float64_inside_float32,
}
# The precision of each model's outputs and updated weights: float32 results computed
# from float16 ones carry float16's rounding, and float64 weights updated with gradients
# that went through float32 layers carry float32's.
PRECISION = {
    "float16_inside_float32": "float16",
    "float16_output": "float16",
    "float64_inside_float32": "float32",
}


def random_model_weights(model: Model, rng: np.random.Generator) -> list[np.ndarray]:
    weights = random_weights(model, rng)
    model.set_weights(weights)
    return weights


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_call_predict_and_predict_on_batch(
    name: str, keras_reference: KerasReference
) -> None:
    rng = np.random.default_rng(len(name))
    model = MODELS[name]()
    weights = random_model_weights(model, rng)
    xs = inputs(rng, (3, 6, 6, 2))
    theirs = keras_reference(f"{MODULE}:model_outputs", serialize_layer(model), weights, xs).output
    assert [str(v.dtype) for v in model.weights] == theirs["weight_dtypes"]
    assert model.outputs[0].dtype == theirs["symbolic"]
    for x, call, predict, on_batch in zip(
        xs, theirs["call"], theirs["predict"], theirs["predict_on_batch"], strict=True
    ):
        what, precision = f"{name} on {x.dtype}", PRECISION.get(name, "")
        assert_same(model(x), call, f"model(x): {what}", precision)
        assert_same(model.predict(x, verbose=0), predict, f"predict: {what}", precision)
        assert_same(model.predict_on_batch(x), on_batch, f"predict_on_batch: {what}", precision)


def test_predict_rounds_float64_inputs_to_floatx(keras_reference: KerasReference) -> None:
    """The one place where `predict` and ``model(x)`` differ: a float64 model on float64 data."""
    model = float64_model()
    random_model_weights(model, np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((3, 6, 6, 2))
    called, predicted = model(x), model.predict(x, verbose=0)
    assert called.dtype == predicted.dtype == np.float64
    assert np.abs(called - predicted).max() > 1e-9  # float32 rounding of the inputs
    np.testing.assert_array_equal(predicted, model(x.astype(np.float32)))


@pytest.mark.parametrize("name", ["float16_inside_float32", "float64_inside_float32"])
def test_one_training_step_through_the_casts(name: str, keras_reference: KerasReference) -> None:
    """Gradients cross each cast in the dtype of the value cast; weights keep their dtypes."""
    rng = np.random.default_rng(len(name))
    model = MODELS[name]()
    weights = random_model_weights(model, rng)
    x = rng.standard_normal((4, 6, 6, 2)).astype(np.float32)
    y = rng.uniform(0, 1, (4, *model.output_shape[1:])).astype(np.float32)
    theirs = keras_reference(
        f"{MODULE}:model_train_step", serialize_layer(model), weights, x, y
    ).output
    model.compile(optimizer=SGD(0.1), loss="mse")
    loss = model.train_on_batch(x, y)
    np.testing.assert_allclose(loss, theirs["loss"], rtol=1e-3)
    for i, (ours, expected) in enumerate(zip(model.get_weights(), theirs["weights"], strict=True)):
        assert_same(ours, expected, f"weight {i} after one step", PRECISION.get(name, ""))
