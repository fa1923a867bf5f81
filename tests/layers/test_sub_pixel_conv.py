"""SubPixelConv1D/2D/3D: what it computes, gradients, shapes, config, summary, errors.

That ICNR makes it a convolution followed by nearest upsampling is proved in
tests/initializers/test_upsampling_initializers.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from support.layer_checks import assert_config_round_trip, assert_layer_gradients
from upsample.initializers import ICNR, GlorotUniform, HeUniform
from upsample.layers import Input, SubPixelConv1D, SubPixelConv2D, SubPixelConv3D
from upsample.models import Sequential
from upsample.ops import conv
from upsample.ops.pixel_shuffle import depth_to_space

CLASSES = {1: SubPixelConv1D, 2: SubPixelConv2D, 3: SubPixelConv3D}

CASES = [
    # (rank, kwargs, narrow input shape without the batch, channels_last)
    (1, {"scale": 3}, (4, 2)),
    (1, {"scale": 2, "order": "CRD", "padding": "valid", "activation": "tanh"}, (5, 2)),
    (2, {"scale": 2}, (3, 4, 2)),
    (2, {"scale": (3, 2), "order": "CRD", "activation": "relu", "dilation_rate": 2}, (4, 3, 2)),
    (2, {"scale": 2, "data_format": "channels_first", "activation": "sigmoid"}, (2, 3, 3)),
    (3, {"scale": (2, 1, 2), "order": "CRD", "padding": "valid"}, (3, 3, 2, 2)),
    (3, {"scale": 2, "data_format": "channels_first", "use_bias": False}, (2, 2, 2, 3)),
]


@pytest.mark.parametrize(("rank", "kwargs", "shape"), CASES)
def test_is_a_convolution_then_depth_to_space(
    rank: int, kwargs: dict[str, object], shape: tuple[int, ...], rng: np.random.Generator
) -> None:
    layer = CLASSES[rank](3, 2, bias_initializer="random_normal", dtype="float64", **kwargs)
    x = rng.standard_normal((2, *shape))
    y = layer(x)
    fmt = layer.data_format
    bias = layer.bias.value if layer.use_bias else None
    z = conv(
        x,
        layer.kernel.value,
        bias,
        padding=layer.padding,
        data_format=fmt,
        dilation_rate=layer.dilation_rate,
    )
    expected = layer.activation.forward(
        depth_to_space(z, block_size=layer.scale, order=layer.order, data_format=fmt)
    )
    np.testing.assert_allclose(y, expected, rtol=1e-14, atol=1e-15)
    assert y.shape == layer.compute_output_shape(x.shape)
    assert layer.compute_output_shape((None, *shape)) == (None, *y.shape[1:])
    channels = shape[-1] if fmt == "channels_last" else shape[0]
    phases = int(np.prod(layer.scale))
    assert layer.kernel.shape == (*(2,) * rank, channels, 3 * phases)
    assert layer.count_params() == 2**rank * channels * 3 * phases + (3 * phases) * layer.use_bias


@pytest.mark.parametrize(("rank", "kwargs", "shape"), CASES)
def test_gradients(
    rank: int, kwargs: dict[str, object], shape: tuple[int, ...], rng: np.random.Generator
) -> None:
    layer = CLASSES[rank](2, 2, bias_initializer="random_normal", dtype="float64", **kwargs)
    assert_layer_gradients(layer, rng.standard_normal((2, *shape)), rng)


def test_the_default_initializer_is_icnr_for_the_layer() -> None:
    layer = SubPixelConv2D(4, 3, scale=(2, 3), order="CRD")
    assert isinstance(layer.kernel_initializer, ICNR)
    assert layer.kernel_initializer.get_config()["scale"] == (2, 3)
    assert layer.kernel_initializer.order == "CRD"
    # Any other initializer is the user's choice.
    assert isinstance(
        SubPixelConv2D(4, 3, kernel_initializer="glorot_uniform").kernel_initializer, GlorotUniform
    )


def test_config() -> None:
    layer = SubPixelConv2D(
        8, (3, 3), scale=3, kernel_initializer=ICNR(3, initializer=HeUniform(seed=1))
    )
    config = layer.get_config()
    assert list(config) == [
        "name",
        "trainable",
        "dtype",
        "filters",
        "kernel_size",
        "scale",
        "order",
        "padding",
        "data_format",
        "dilation_rate",
        "activation",
        "use_bias",
        "kernel_initializer",
        "bias_initializer",
        "kernel_regularizer",
        "bias_regularizer",
        "activity_regularizer",
        "kernel_constraint",
        "bias_constraint",
    ]
    assert (config["filters"], config["scale"], config["order"], config["padding"]) == (
        8,
        (3, 3),
        "DCR",
        "same",
    )
    assert config["kernel_initializer"]["class_name"] == "ICNR"
    assert config["kernel_initializer"]["registered_name"] == "upsample>ICNR"
    assert_config_round_trip(layer)
    assert_config_round_trip(SubPixelConv1D(2, 3))


def test_summary_row() -> None:
    model = Sequential([Input((7, 7, 8)), SubPixelConv2D(4, (2, 2), scale=2, name="sub_pixel")])
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "sub_pixel (SubPixelConv2D)" in text
    assert "(None, 14, 14, 4)" in text
    params = 2 * 2 * 8 * 16 + 16
    assert model.count_params() == params and f"{params:,}" in text


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: SubPixelConv2D(0, 3), "filters=0"),
        (lambda: SubPixelConv2D(4, 0), "kernel_size=0"),
        (lambda: SubPixelConv2D(4, 3, scale=0), "scale=0"),
        (lambda: SubPixelConv2D(4, 3, scale=(2, 2, 2)), r"scale=\(2, 2, 2\)"),
        (lambda: SubPixelConv1D(4, 3, order="RDC"), "order='RDC'"),
        (lambda: SubPixelConv3D(4, 3, padding="full"), "padding='full'"),
        (lambda: SubPixelConv2D(4, 3, data_format="nchw"), "data_format='nchw'"),
        (lambda: SubPixelConv2D(4, 3, activation="nope"), "nope"),
        (lambda: SubPixelConv2D(4, 3, strides=2), "strides"),
        (
            lambda: SubPixelConv2D(4, 3, scale=3, kernel_initializer=ICNR(2)),
            r"does not fit.*scale=\(3, 3\)",
        ),
        (
            lambda: SubPixelConv2D(4, 3, order="CRD", kernel_initializer=ICNR(2)),
            r"does not fit.*order='CRD'",
        ),
        (
            lambda: SubPixelConv2D(4, 3, kernel_initializer=ICNR(2, transposed=True)),
            "transposed=False",
        ),
    ],
)
def test_bad_arguments(make: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("shape", "match"),
    [
        ((1, 4, 4), r"expected ndim=4, found ndim=3"),
        ((1, 2, 2, 2, 2), r"expected ndim=4, found ndim=5"),
        ((1, 2, 2, 3), r"too small.*kernel_size=3"),
    ],
)
def test_bad_inputs(shape: tuple[int, ...], match: str) -> None:
    layer = SubPixelConv2D(4, 3, padding="valid")
    with pytest.raises(ValueError, match=match):
        layer(np.zeros(shape, np.float32))


def test_input_channels_must_match_the_built_kernel() -> None:
    layer = SubPixelConv2D(4, 3)
    layer(np.zeros((1, 4, 4, 3), np.float32))
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 3"):
        layer(np.zeros((1, 4, 4, 2), np.float32))
