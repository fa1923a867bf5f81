"""The comparison autoencoders: one encoder, identical at start; only the upsampling differs."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from upsample.analysis import upsampling_factors
from upsample.initializers import ICNR
from upsample.layers import Conv2D, Conv2DTranspose, Layer, SubPixelConv2D, UpSampling2D
from upsample.models import Sequential
from upsample.utils import clear_session, set_random_seed
from upsample.zoo import comparison

NAMES = list(comparison.DECODERS)
SHARED_LAYERS = len(comparison.ENCODER_FILTERS) + 1  # the encoder and the bottleneck


def _build(name: str, seed: int = 0) -> Sequential:
    clear_session()
    return comparison.comparison_autoencoder(name, seed=seed)


def _config(layer: Layer) -> dict[str, Any]:
    config = layer.get_config()
    del config["name"]
    return config


def test_the_six_decoders_are_named_in_the_issues_order() -> None:
    assert NAMES == [
        "nearest+conv",
        "bilinear+conv",
        "transpose-k3s2",
        "transpose-k4s2",
        "sub-pixel-icnr",
        "transpose-bilinear-init",
    ]


@pytest.mark.parametrize("name", NAMES)
def test_shapes_bottleneck_and_stride_upsampling(name: str) -> None:
    model = _build(name)
    assert model.input_shape == (None, 28, 28, 1)
    assert model.output_shapes == [(None, 28, 28, 1)]
    bottleneck = model.layers[SHARED_LAYERS - 1]
    assert bottleneck.output.shape == (None, 7, 7, 8)
    assert 7 * 7 * 8 < 28 * 28  # narrower than the input, unlike seed 004's 22x22x8
    hidden = model.layers[:-1]
    assert min(math.prod(layer.output.shape[1:]) for layer in hidden) == 392
    # Every step really upsamples by a stride of 2: 7 -> 14 -> 28.
    steps = [layer for layer in model.layers if upsampling_factors(layer) is not None]
    assert [upsampling_factors(layer) for layer in steps] == [(2, 2), (2, 2)]
    assert [layer.input.shape[1] for layer in steps] == [7, 14]


def _steps(model: Sequential, name: str) -> list[list[Layer]]:
    """The layers of `model` between encoder and output, cut into its decoder's steps."""
    middle, steps = model.layers[SHARED_LAYERS:-1], []
    for step in comparison.decoder_steps(name, seed=0):
        steps.append(middle[: len(step)])
        middle = middle[len(step) :]
    assert not middle
    return steps


def test_only_the_upsampling_steps_differ() -> None:
    """The encoder and output layers have the same configs in every model; each step maps
    to the same shape with exactly one upsampling layer, and any other layer of a step is
    nearest+conv's convolution of that step, config for config."""
    models = {name: _build(name) for name in NAMES}
    reference = models["nearest+conv"]
    reference_convs = [step[1] for step in _steps(reference, "nearest+conv")]
    for name, model in models.items():
        shared = zip(model.layers[:SHARED_LAYERS], reference.layers[:SHARED_LAYERS], strict=True)
        for mine, theirs in shared:
            assert _config(mine) == _config(theirs), name
        assert _config(model.layers[-1]) == _config(reference.layers[-1]), name
        shapes = [(None, 14, 14, 16), (None, 28, 28, 8)]
        for step, shape, conv in zip(_steps(model, name), shapes, reference_convs, strict=True):
            assert step[-1].output.shape == shape, name
            upsamplers = [layer for layer in step if upsampling_factors(layer) is not None]
            assert len(upsamplers) == 1, name
            for other in step:
                if other not in upsamplers:
                    assert _config(other) == _config(conv), name


def test_the_step_layers_are_what_the_names_say() -> None:
    first_step = {name: comparison.decoder_steps(name, seed=0)[0] for name in NAMES}
    nearest, conv = first_step["nearest+conv"]
    assert isinstance(nearest, UpSampling2D) and nearest.interpolation == "nearest"
    assert isinstance(conv, Conv2D) and conv.kernel_size == (3, 3) and conv.strides == (1, 1)
    assert first_step["bilinear+conv"][0].interpolation == "bilinear"
    for name, kernel in (("transpose-k3s2", (3, 3)), ("transpose-k4s2", (4, 4))):
        (transpose,) = first_step[name]
        assert isinstance(transpose, Conv2DTranspose)
        assert (transpose.kernel_size, transpose.strides, transpose.padding) == (
            kernel,
            (2, 2),
            "same",
        )
    (sub_pixel,) = first_step["sub-pixel-icnr"]
    assert isinstance(sub_pixel, SubPixelConv2D) and isinstance(sub_pixel.kernel_initializer, ICNR)
    bilinear, after = first_step["transpose-bilinear-init"]
    assert isinstance(bilinear, Conv2DTranspose) and isinstance(after, Conv2D)
    assert (bilinear.filters, bilinear.kernel_size) == (comparison.BOTTLENECK_CHANNELS, (4, 4))


def test_parameter_counts_by_hand() -> None:
    # Encoder: 3*3*1*16+16, 3*3*16*32+32, 3*3*32*8+8; output: 3*3*8*1+1.
    shared = 160 + 4_640 + 2_312 + 73
    three_by_three = (9 * 8 * 16 + 16) + (9 * 16 * 8 + 8)
    expected_steps = {
        "nearest+conv": three_by_three,
        "bilinear+conv": three_by_three,
        "transpose-k3s2": three_by_three,
        "transpose-k4s2": (16 * 8 * 16 + 16) + (16 * 16 * 8 + 8),
        "sub-pixel-icnr": (9 * 8 * 64 + 64) + (9 * 16 * 32 + 32),
        "transpose-bilinear-init": three_by_three + (16 * 8 * 8 + 8) + (16 * 16 * 16 + 16),
    }
    for name, steps in expected_steps.items():
        model = _build(name)
        assert model.count_params() == shared + steps, name
        assert comparison.upsampling_parameters(model) == steps, name


def test_the_shared_parts_start_identical_whatever_the_global_generator() -> None:
    """Seeded per layer: the encoder, bottleneck and output weights are the same in every
    decoder, even when the package's global generator is in another state."""
    weights = {}
    for index, name in enumerate(NAMES):
        set_random_seed(100 + index)  # a different global state for each build
        model = _build(name, seed=3)
        shared = model.layers[:SHARED_LAYERS] + model.layers[-1:]
        weights[name] = [w for layer in shared for w in layer.get_weights()]
    reference = weights["nearest+conv"]
    for name in NAMES:
        assert len(weights[name]) == len(reference) == 8
        for mine, theirs in zip(weights[name], reference, strict=True):
            np.testing.assert_array_equal(mine, theirs)
    other_seed = _build("nearest+conv", seed=4).layers[0].get_weights()[0]
    assert not np.array_equal(other_seed, reference[0])


def test_decoders_that_share_a_convolution_start_with_it_identical() -> None:
    nearest, bilinear, bilinear_init = (
        _build(name).get_weights()
        for name in ("nearest+conv", "bilinear+conv", "transpose-bilinear-init")
    )
    for mine, theirs in zip(nearest, bilinear, strict=True):
        np.testing.assert_array_equal(mine, theirs)  # identical but for the interpolation
    convs = [
        step[-1] for step in _steps(_build("transpose-bilinear-init"), "transpose-bilinear-init")
    ]
    reference = [step[-1] for step in _steps(_build("bilinear+conv"), "bilinear+conv")]
    for mine, theirs in zip(convs, reference, strict=True):
        np.testing.assert_array_equal(mine.get_weights()[0], theirs.get_weights()[0])
    assert len(bilinear_init) == len(nearest) + 4  # two bilinear kernels and their biases


def test_an_unknown_decoder_is_named() -> None:
    with pytest.raises(ValueError, match="decoder='nearest'"):
        comparison.comparison_autoencoder("nearest")
