"""BatchNormalization, Dropout, ReLU, LeakyReLU, padding, cropping and merging layers
against real Keras 3, on seeded random configurations.

Each case builds the same layer (same config, same weights) in Keras and compares
the output, the output shape, the input and weight gradients and the
non-trainable weights after the call (BatchNormalization's moving statistics).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from support.layer_checks import assert_matches_keras
from support.reference import KerasReference, KerasRejected
from upsample.layers.activations import LeakyReLU, ReLU
from upsample.layers.layer import Layer
from upsample.layers.merging import (
    Add,
    Average,
    Concatenate,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
)
from upsample.layers.normalization import BatchNormalization
from upsample.layers.padding import (
    Cropping1D,
    Cropping2D,
    Cropping3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)
from upsample.layers.regularization import Dropout

# --------------------------------------------------------------------------- BatchNormalization


def batch_norm_case(seed: int) -> tuple[BatchNormalization, np.ndarray, bool]:
    rng = np.random.default_rng(seed)
    if rng.random() < 0.6:
        shape = (int(rng.integers(2, 5)), *(int(n) for n in rng.integers(1, 6, 2)), 3)
        axis = int(rng.choice([-1, 3, 1, 2, -3]))  # 1: channels_first style
    else:
        shape = (int(rng.integers(3, 9)), int(rng.integers(1, 7)))
        axis = int(rng.choice([-1, 1]))
    layer = BatchNormalization(
        axis=axis,
        momentum=float(rng.choice([0.99, 0.9, 0.5, float(rng.uniform(0, 1))])),
        epsilon=float(rng.choice([1e-3, 1e-5, 0.1])),
        center=bool(rng.random() < 0.7),
        scale=bool(rng.random() < 0.7),
    )
    # An offset of the order of the spread: Keras computes ``x * inv + (beta - mean * inv)``,
    # which cancels when |mean| >> std, and then both sides are only as exact as one ulp
    # of ``x * inv`` (their rsqrt and ours may differ in the last bit).
    spread = rng.uniform(0.5, 4)
    x = (spread * (rng.normal(size=shape) + rng.normal())).astype(np.float32)
    layer.build((None, *shape[1:]))
    layer.set_weights(
        [
            rng.uniform(0.3, 3, w.shape)
            if v.name in ("gamma", "moving_variance")
            else rng.normal(size=w.shape)
            for v, w in zip(layer.weights, layer.get_weights(), strict=True)
        ]
    )
    return layer, x, bool(rng.random() < 0.6)


@pytest.mark.parametrize("seed", range(40))
def test_batch_normalization(seed: int, keras_reference: KerasReference) -> None:
    layer, x, training = batch_norm_case(seed)
    assert_matches_keras(keras_reference, layer, x, np.random.default_rng(seed), training=training)


def test_batch_normalization_channels_first_training(keras_reference: KerasReference) -> None:
    rng = np.random.default_rng(0)
    layer = BatchNormalization(axis=1, momentum=0.8)
    x = rng.normal(2.0, 3.0, (4, 3, 5, 5)).astype(np.float32)
    theirs = assert_matches_keras(keras_reference, layer, x, rng, training=True)
    # The moving statistics moved from (0, 1) towards the batch's.
    assert not np.allclose(theirs["non_trainable"][0], 0)


# --------------------------------------------------------------------------- Dropout


@pytest.mark.parametrize("seed", range(5))
def test_dropout_inference(seed: int, keras_reference: KerasReference) -> None:
    """Keras's Dropout keeps its seed generator's state among its non-trainable variables,
    which `assert_matches_keras` would compare with our (absent) ones: compare directly."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(3, 4, 5)).astype(np.float32)
    layer = Dropout(float(rng.uniform(0.05, 0.95)), noise_shape=(None, 1, 5), seed=seed)
    layer(x)
    out, cache = layer.forward(x, training=False)
    cotangent = rng.normal(size=x.shape).astype(np.float32)
    theirs = keras_reference(
        "support.keras_side:layer_vjp", "Dropout", layer.get_config(), [], x, cotangent, False
    ).output
    np.testing.assert_array_equal(out, theirs["output"])
    np.testing.assert_array_equal(layer.backward(cache, cotangent).inputs, theirs["input_grads"])


# --------------------------------------------------------------------------- ReLU and LeakyReLU


def relu_case(seed: int) -> tuple[Layer, np.ndarray]:
    rng = np.random.default_rng(seed)
    max_value = None if rng.random() < 0.4 else float(rng.choice([6.0, 0.0, rng.uniform(0.5, 3)]))
    negative_slope = 0.0 if rng.random() < 0.4 else float(rng.uniform(0, 1))
    threshold = 0.0 if rng.random() < 0.5 else float(rng.uniform(0, 1.5))
    layer: Layer
    if rng.random() < 0.25:
        layer = LeakyReLU(negative_slope=negative_slope)
    else:
        layer = ReLU(max_value=max_value, negative_slope=negative_slope, threshold=threshold)
    shape = (2, *(int(n) for n in rng.integers(1, 5, int(rng.integers(1, 4)))))
    x = (rng.normal(size=shape) * 3).astype(np.float32)
    # Exactly at the kinks, where the derivative is a convention (JAX's).
    kinks = np.array([0.0, threshold, max_value or 0.0, 6.0], np.float32)
    x.flat[: min(x.size, 4)] = kinks[: min(x.size, 4)]
    return layer, x


@pytest.mark.parametrize("seed", range(30))
def test_relu_and_leaky_relu(seed: int, keras_reference: KerasReference) -> None:
    layer, x = relu_case(seed)
    assert_matches_keras(keras_reference, layer, x, np.random.default_rng(seed))


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"max_value": 6.0},
        {"max_value": 2.0},
        {"negative_slope": 0.5},
        {"negative_slope": 0.5, "max_value": 8.0},
        {"threshold": 1.0, "negative_slope": 0.5},
        {"threshold": 1.0, "max_value": 1.0},
    ],
)
def test_relu_at_its_kinks(kwargs: dict[str, float], keras_reference: KerasReference) -> None:
    x = np.array([[-3, -1, -0.5, 0, 0.5, 1, 2, 6, 8]], np.float32)
    assert_matches_keras(keras_reference, ReLU(**kwargs), x, np.random.default_rng(0))


# --------------------------------------------------------------------------- padding and cropping


def _widths_argument(rng: np.random.Generator, rank: int, low: int, high: int) -> Any:
    """One of Keras's forms: an int, one int per axis, or one pair per axis."""
    if rank == 1:
        return (
            int(rng.integers(low, high))
            if rng.random() < 0.4
            else tuple(int(v) for v in rng.integers(low, high, 2))
        )
    form = rng.integers(3)
    if form == 0:
        return int(rng.integers(low, high))
    if form == 1:
        return tuple(int(v) for v in rng.integers(low, high, rank))
    return tuple(tuple(int(v) for v in rng.integers(low, high, 2)) for _ in range(rank))


def padding_case(seed: int) -> tuple[Layer, np.ndarray]:
    rng = np.random.default_rng(seed)
    rank = int(rng.integers(1, 4))
    crop = bool(rng.random() < 0.5)
    data_format = str(rng.choice(["channels_last", "channels_first"]))
    if crop and rank == 1:
        data_format = "channels_last"  # Keras's Cropping1D has no data_format
    spatial = [int(n) for n in rng.integers(5 if crop else 1, 7, rank)]
    channels = int(rng.integers(1, 3))
    shape = (2, *spatial, channels) if data_format == "channels_last" else (2, channels, *spatial)
    widths = _widths_argument(rng, rank, 0, 3)
    cls = [[ZeroPadding1D, ZeroPadding2D, ZeroPadding3D], [Cropping1D, Cropping2D, Cropping3D]][
        crop
    ][rank - 1]
    kwargs: dict[str, Any] = {"cropping" if crop else "padding": widths}
    if not (crop and rank == 1):
        kwargs["data_format"] = data_format
    return cls(**kwargs), rng.normal(size=shape).astype(np.float32)


@pytest.mark.parametrize("seed", range(30))
def test_padding_and_cropping(seed: int, keras_reference: KerasReference) -> None:
    layer, x = padding_case(seed)
    assert_matches_keras(keras_reference, layer, x, np.random.default_rng(seed))


# --------------------------------------------------------------------------- merging

ELEMENTWISE = [Add, Subtract, Multiply, Average, Maximum, Minimum]


def merge_case(seed: int) -> tuple[Layer, list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    count = int(rng.integers(2, 4))
    full = [int(n) for n in rng.integers(2, 5, int(rng.integers(1, 4)))]
    if rng.random() < 0.25:
        axis = int(rng.integers(-len(full), len(full) + 1))
        shapes = []
        for _ in range(count):
            shape = list(full)
            if axis != 0:
                shape[axis - 1 if axis > 0 else axis] = int(rng.integers(1, 4))
            shapes.append(shape)
        layer: Layer = Concatenate(axis=axis)
    else:
        cls = ELEMENTWISE[int(rng.integers(len(ELEMENTWISE)))]
        count = 2 if cls is Subtract else count
        shapes = []
        for _ in range(count):
            shape = [1 if rng.random() < 0.25 else n for n in full]  # broadcast size-1 axes
            drop = int(rng.integers(0, len(shape) + 1)) if rng.random() < 0.3 else 0
            shapes.append(shape[drop:])  # lower rank: Keras aligns after the batch axis
        layer = cls()
    inputs = [rng.normal(size=(3, *s)).astype(np.float32) for s in shapes]
    if isinstance(layer, Maximum | Minimum) and inputs[0].shape == inputs[1].shape:
        # Ties, where JAX splits the gradient in halves.
        inputs[1] = np.where(rng.random(inputs[1].shape) < 0.5, inputs[0], inputs[1])
    return layer, inputs


@pytest.mark.parametrize("seed", range(40))
def test_merging(seed: int, keras_reference: KerasReference) -> None:
    layer, inputs = merge_case(seed)
    assert_matches_keras(keras_reference, layer, inputs, np.random.default_rng(seed))


def test_maximum_ties(keras_reference: KerasReference) -> None:
    """JAX splits the gradient of a tied maximum in halves; so do we."""
    x = np.array([[1.0, 2.0, -1.0], [0.0, 0.0, 3.0]], np.float32)
    y = np.array([[1.0, 1.0, -1.0], [0.0, 5.0, 3.0]], np.float32)
    for cls in (Maximum, Minimum):
        assert_matches_keras(keras_reference, cls(), [x, y, x.copy()], np.random.default_rng(1))


# --------------------------------------------------------------------------- configs and errors


CONFIG_CASES: list[tuple[str, dict[str, Any]]] = [
    ("BatchNormalization", {"axis": 1, "momentum": 0.9, "epsilon": 1e-5, "center": False}),
    ("Dropout", {"rate": 0.3, "noise_shape": [None, 1, 4], "seed": 3}),
    ("ReLU", {"max_value": 6.0, "negative_slope": 0.1, "threshold": 0.5}),
    ("ReLU", {}),
    ("LeakyReLU", {"negative_slope": 0.2}),
    ("ZeroPadding1D", {"padding": (1, 2)}),
    ("ZeroPadding2D", {"padding": ((1, 2), (3, 4)), "data_format": "channels_first"}),
    ("ZeroPadding3D", {"padding": 2}),
    ("Cropping1D", {"cropping": 2}),
    ("Cropping2D", {"cropping": (1, 2)}),
    ("Cropping3D", {"cropping": ((1, 0), (0, 1), (2, 2))}),
    ("Concatenate", {"axis": 1}),
    ("Add", {}),
    ("Subtract", {}),
    ("Multiply", {}),
    ("Average", {}),
    ("Maximum", {}),
    ("Minimum", {}),
]

CLASSES: dict[str, type[Layer]] = {
    cls.__name__: cls
    for cls in (
        BatchNormalization,
        Dropout,
        ReLU,
        LeakyReLU,
        ZeroPadding1D,
        ZeroPadding2D,
        ZeroPadding3D,
        Cropping1D,
        Cropping2D,
        Cropping3D,
        Concatenate,
        *ELEMENTWISE,
    )
}


def _jsonable(value: Any) -> Any:
    """Tuples as lists, as a config reads back from a `.keras` file."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


@pytest.mark.parametrize(("class_name", "kwargs"), CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_config_matches_keras(
    class_name: str, kwargs: dict[str, Any], keras_reference: KerasReference
) -> None:
    theirs = keras_reference(
        "support.keras_side:layer_config", class_name, {"name": "layer", **kwargs}
    ).output
    ours = CLASSES[class_name](name="layer", **kwargs).get_config()
    assert _jsonable(ours) == _jsonable(theirs)


ERROR_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("Dropout", {"rate": 1.5}, "rate=1.5"),
    ("Dropout", {"rate": -0.5}, "rate=-0.5"),
    ("ReLU", {"max_value": -1.0}, "max_value=-1.0"),
    ("ReLU", {"threshold": -1.0}, "threshold=-1.0"),
    ("LeakyReLU", {"negative_slope": -1.0}, "negative_slope=-1.0"),
    ("Cropping2D", {"cropping": -1}, "cropping=-1"),
    ("Cropping2D", {"cropping": ((1, -1), (0, 0))}, "1st entry of cropping"),
    ("Cropping3D", {"cropping": (1, 2)}, "cropping"),
    ("ZeroPadding1D", {"padding": -2}, "padding"),
    ("ZeroPadding2D", {"padding": (1, 2, 3)}, "padding"),
]


@pytest.mark.parametrize(("class_name", "kwargs", "match"), ERROR_CASES)
def test_keras_refuses_what_we_refuse(
    class_name: str, kwargs: dict[str, Any], match: str, keras_reference: KerasReference
) -> None:
    with pytest.raises(ValueError, match=match):
        CLASSES[class_name](**kwargs)
    message = keras_reference("support.keras_side:layer_error", class_name, kwargs).output
    assert message is not None and message.startswith("ValueError"), message
    assert match.split("=")[0] in message


def test_keras_refuses_mismatched_concatenation(keras_reference: KerasReference) -> None:
    shapes = [(2, 3, 4), (2, 2, 4)]
    with pytest.raises(ValueError, match="matching shapes"):
        Concatenate().compute_output_shape(shapes)
    with pytest.raises(KerasRejected, match="matching shapes"):
        keras_reference(
            "support.keras_side:layer_vjp",
            "Concatenate",
            Concatenate().get_config(),
            [],
            [np.zeros(s, np.float32) for s in shapes],
            np.zeros((2, 5, 4), np.float32),
        )
