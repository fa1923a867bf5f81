"""ResizeConv1D/2D/3D: UpSampling then Conv in one layer; gradients, config, summary, errors."""

from __future__ import annotations

import numpy as np
import pytest

from support.layer_checks import assert_config_round_trip, assert_layer_gradients
from upsample.layers import (
    Conv1D,
    Conv2D,
    Conv3D,
    Input,
    ResizeConv1D,
    ResizeConv2D,
    ResizeConv3D,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
)
from upsample.models import Sequential

CLASSES = {1: ResizeConv1D, 2: ResizeConv2D, 3: ResizeConv3D}
PARTS = {1: (UpSampling1D, Conv1D), 2: (UpSampling2D, Conv2D), 3: (UpSampling3D, Conv3D)}

CASES = [
    # (rank, kwargs, input shape without the batch)
    (1, {"size": 3}, (4, 2)),
    (1, {"size": 2, "interpolation": "linear", "padding": "valid"}, (3, 2)),
    (2, {"size": 2}, (3, 3, 2)),
    (2, {"size": (2, 3), "interpolation": "bilinear", "activation": "relu"}, (3, 2, 2)),
    (2, {"size": 2, "interpolation": "bicubic", "data_format": "channels_first"}, (2, 3, 3)),
    (2, {"size": 3, "interpolation": "lanczos3", "activation": "tanh"}, (2, 2, 1)),
    (2, {"size": 2, "interpolation": "lanczos5", "dilation_rate": 2}, (3, 3, 1)),
    (3, {"size": (1, 2, 2), "interpolation": "trilinear", "padding": "valid"}, (2, 2, 2, 2)),
    (3, {"size": 2, "data_format": "channels_first", "use_bias": False}, (2, 2, 1, 2)),
]


@pytest.mark.parametrize(("rank", "kwargs", "shape"), CASES)
def test_is_upsampling_then_a_convolution(
    rank: int, kwargs: dict[str, object], shape: tuple[int, ...], rng: np.random.Generator
) -> None:
    layer = CLASSES[rank](3, 2, bias_initializer="random_normal", dtype="float64", **kwargs)
    x = rng.standard_normal((2, *shape))
    y = layer(x)
    upsampling_class, conv_class = PARTS[rank]
    resize_arguments = {k: v for k, v in kwargs.items() if k in ("size", "interpolation")}
    conv_arguments = {k: v for k, v in kwargs.items() if k not in resize_arguments}
    data_format = {"data_format": kwargs["data_format"]} if "data_format" in kwargs else {}
    upsampling = upsampling_class(**resize_arguments, **data_format, dtype="float64")
    convolution = conv_class(3, 2, **{"padding": "same", **conv_arguments, "dtype": "float64"})
    resized = upsampling(x)
    convolution(resized)
    convolution.set_weights(layer.get_weights())
    np.testing.assert_array_equal(y, convolution(resized))
    assert y.shape == layer.compute_output_shape(x.shape)
    assert layer.compute_output_shape((None, *shape)) == (None, *y.shape[1:])
    assert layer.count_params() == convolution.count_params()


@pytest.mark.parametrize(("rank", "kwargs", "shape"), CASES)
def test_gradients(
    rank: int, kwargs: dict[str, object], shape: tuple[int, ...], rng: np.random.Generator
) -> None:
    layer = CLASSES[rank](2, 2, bias_initializer="random_normal", dtype="float64", **kwargs)
    assert_layer_gradients(layer, rng.standard_normal((2, *shape)), rng)


def test_config() -> None:
    layer = ResizeConv2D(8, 3, size=(2, 3), interpolation="Bilinear", activation="relu")
    config = layer.get_config()
    assert list(config)[:10] == [
        "name",
        "trainable",
        "dtype",
        "filters",
        "kernel_size",
        "size",
        "interpolation",
        "padding",
        "data_format",
        "dilation_rate",
    ]
    assert "strides" not in config and "groups" not in config
    assert (config["size"], config["interpolation"], config["padding"]) == (
        (2, 3),
        "bilinear",
        "same",
    )
    assert ResizeConv1D(2, 3).get_config()["interpolation"] == "nearest"  # Odena's choice
    assert_config_round_trip(layer)
    assert_config_round_trip(ResizeConv3D(2, 1, size=(1, 2, 3), interpolation="tricubic"))


def test_summary_row() -> None:
    model = Sequential([Input((7, 7, 8)), ResizeConv2D(4, (3, 3), name="resize")])
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "resize (ResizeConv2D)" in text and "(None, 14, 14, 4)" in text
    params = 3 * 3 * 8 * 4 + 4
    assert model.count_params() == params and f"{params:,}" in text


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: ResizeConv2D(0, 3), "filters=0"),
        (lambda: ResizeConv2D(4, 3, size=0), "size=0"),
        (lambda: ResizeConv1D(4, 3, size=(2, 2)), r"size=\(2, 2\)"),
        (lambda: ResizeConv2D(4, 3, interpolation="area"), "interpolation='area'"),
        (lambda: ResizeConv2D(4, 3, padding="causal"), "padding='causal'"),
        (lambda: ResizeConv3D(4, 3, dilation_rate=-1), "dilation_rate=-1"),
        (lambda: ResizeConv2D(4, 3, groups=2), "groups=2"),
        (lambda: ResizeConv2D(4, 3, strides=(2, 2)), r"strides=\(2, 2\)"),
    ],
)
def test_bad_arguments(make: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()  # type: ignore[operator]


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match=r"expected ndim=5, found ndim=4"):
        ResizeConv3D(2, 2)(np.zeros((1, 3, 3, 1), np.float32))
    # 'valid' after resizing: the resized input (2x2) is too small for a 3x3 kernel.
    with pytest.raises(ValueError, match=r"length 2 is too small.*kernel_size=3"):
        ResizeConv2D(2, 3, size=2, padding="valid")(np.zeros((1, 1, 1, 1), np.float32))
