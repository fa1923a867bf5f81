"""Whole-model records: upsampling layers, periods, and the measures on known models."""

from __future__ import annotations

import numpy as np
import pytest

from upsample.analysis import (
    initializations,
    layer_phase_dc_gains,
    total_factor,
    upsampling_factors,
    upsampling_layers,
)
from upsample.analysis.model_scores import artifact_scores, describe_upsampling, spectral_period
from upsample.layers import (
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    DepthToSpace,
    Input,
    ResizeConv2D,
    SubPixelConv2D,
    UpSampling2D,
)
from upsample.models import Model, Sequential


def test_spectral_period_is_the_largest_divisor_that_fits() -> None:
    assert spectral_period((8, 8), (28, 28)) == (4, 4)  # 8 needs 40 pixels, 4 needs 20
    assert spectral_period((3, 2), (28, 9)) == (3, 1)
    assert spectral_period((2, 2), (9, 9)) is None
    assert spectral_period((1, 1), (28, 28)) is None


def test_layers_and_the_total_factor_of_nested_models() -> None:
    inner = Sequential([UpSampling2D((2, 3), input_shape=(4, 4, 1), name="inner_up")])
    outer = Sequential([inner, Conv2DTranspose(1, 3, strides=2, padding="same", name="t")])
    assert [layer.name for layer in upsampling_layers(outer)] == ["inner_up", "t"]
    assert total_factor(outer) == (4, 6)
    mixed = Sequential([Conv1DTranspose(1, 3, strides=2, input_shape=(4, 1))])
    inputs = Input((4, 4, 1))
    two = Model(inputs, UpSampling2D()(inputs))
    assert total_factor(mixed) == (2,) and total_factor(two) == (2, 2)
    with pytest.raises(ValueError, match="has no upsampling layer"):
        total_factor(Sequential([Conv2D(1, 3, input_shape=(4, 4, 1))]))


def test_describe_upsampling() -> None:
    model = Sequential(
        [
            UpSampling2D(interpolation="bilinear", input_shape=(4, 4, 2), name="up"),
            Conv2DTranspose(1, 3, strides=2, padding="same", name="t"),
        ]
    )
    up, t = describe_upsampling(model)
    assert (up.kind, up.description, up.input_shape, up.overlap_imbalance) == (
        "UpSampling2D",
        "size 2x2, bilinear",
        (4, 4),
        None,
    )
    assert (t.description, t.input_shape, t.overlap_imbalance) == (
        "kernel 3x3, strides 2x2, same",
        (8, 8),
        4.0,
    )


def test_descriptions_name_a_convention_other_than_keras() -> None:
    model = Sequential(
        [
            UpSampling2D(
                interpolation="bilinear", coordinates="align_corners", input_shape=(4, 4, 1)
            ),
            ResizeConv2D(1, 3, size=2, coordinates="asymmetric"),
            UpSampling2D(interpolation="bicubic", coordinates="half_pixel"),
        ]
    )
    descriptions = [found.description for found in describe_upsampling(model)]
    assert descriptions == [
        "size 2x2, bilinear, align_corners",
        "size 2x2, nearest, asymmetric, then kernel 3x3",
        "size 2x2, bicubic",
    ]


def test_scores_of_a_balanced_and_an_unbalanced_decoder(rng: np.random.Generator) -> None:
    """Nearest + conv and an ICNR-style transposed convolution leave a flat input flat."""
    resize = Sequential([UpSampling2D(input_shape=(10, 10, 2)), Conv2D(1, 3, padding="same")])
    transpose = Sequential(
        [Conv2DTranspose(1, 4, strides=2, padding="same", input_shape=(10, 10, 2), name="t")]
    )
    images = rng.random((3, 10, 10, 2)).astype(np.float32)
    scores = artifact_scores(resize, images)
    assert scores["flat/phase_imbalance"] == pytest.approx(0.0, abs=1e-6)
    assert scores["inputs/border"] is None
    w0 = rng.standard_normal((2, 2, 1, 2))
    transpose.set_weights([np.repeat(np.repeat(w0, 2, axis=0), 2, axis=1), np.zeros(1)])
    scores = artifact_scores(transpose, images, reference=images)
    assert scores["t/dc_imbalance"] == pytest.approx(0.0, abs=1e-6)
    assert scores["flat/phase_imbalance"] == pytest.approx(0.0, abs=1e-6)
    assert scores["inputs/border"] == pytest.approx(_band_mean(images, 2))
    transpose.set_weights([rng.standard_normal((4, 4, 1, 2)), np.zeros(1)])
    assert artifact_scores(transpose, images)["flat/phase_imbalance"] > 0.05


def _band_mean(images: np.ndarray, width: int) -> float:
    inside = np.zeros(images.shape[1:3], dtype=bool)
    inside[width:-width, width:-width] = True
    return float(np.abs(images[:, ~inside]).mean())


def test_a_stride_one_model_has_no_phase_measures(rng: np.random.Generator) -> None:
    model = Sequential([Conv2DTranspose(1, 3, input_shape=(8, 8, 1), name="t")])
    scores = artifact_scores(model, rng.random((2, 8, 8, 1)))
    for key in ("t/dc_imbalance", "outputs/phase_imbalance", "outputs/spectral_amplitude"):
        assert scores[key] is None
    assert scores["flat/phase_imbalance"] is None


def test_the_beyond_keras_upsamplers_are_upsampling_layers() -> None:
    model = Sequential(
        [
            SubPixelConv2D(8, 3, scale=(2, 3), input_shape=(4, 4, 2), name="sub"),
            ResizeConv2D(4, 3, size=2, name="resize"),
            DepthToSpace(2, name="shuffle"),
        ]
    )
    assert [upsampling_factors(layer) for layer in model.layers] == [(2, 3), (2, 2), (2, 2)]
    assert total_factor(model) == (8, 12)
    sub, resize, shuffle = describe_upsampling(model)
    assert (sub.description, sub.overlap_imbalance, sub.phases) == (
        "kernel 3x3, scale 2x3, DCR",
        None,
        None,
    )
    assert resize.description == "size 2x2, nearest, then kernel 3x3"
    assert resize.phases is not None and "a flat input stays flat" in resize.phases
    assert (shuffle.description, shuffle.input_shape) == ("block 2x2, DCR", (16, 24))


@pytest.mark.parametrize("order", ["DCR", "CRD"])
def test_sub_pixel_dc_gains_are_the_interior_of_its_flat_response(
    order: str, rng: np.random.Generator
) -> None:
    """A ones input reaches an interior output of phase p through phase p's kernel only."""
    layer = SubPixelConv2D(3, 3, scale=(2, 3), order=order, kernel_initializer="glorot_uniform")
    model = Sequential([Input((6, 6, 2)), layer])
    kernel = rng.standard_normal(layer.kernel.shape)
    layer.set_weights([kernel, np.zeros(layer.bias.shape)])
    response = np.asarray(model(np.ones((1, 6, 6, 2), np.float32)))[0]  # (12, 18, 3)
    gains = layer_phase_dc_gains(layer)
    assert gains.shape == (2, 3, 3)
    # Interior low-resolution pixel (2, 2): output rows 4..5, columns 6..8.
    np.testing.assert_allclose(response[4:6, 6:9], gains, rtol=1e-5, atol=1e-5)


def _sub_pixel_decoder() -> Sequential:
    return Sequential(
        [
            SubPixelConv2D(4, 3, scale=2, activation="relu", input_shape=(12, 12, 3), name="s1"),
            SubPixelConv2D(1, 3, scale=2, activation="sigmoid", name="s2"),
        ]
    )


def test_icnr_sub_pixel_at_initialisation_is_artifact_free(rng: np.random.Generator) -> None:
    """ICNR's phases share one sub-kernel: equal DC gains, and a flat input stays flat."""
    model = _sub_pixel_decoder()
    images = rng.random((2, 12, 12, 3)).astype(np.float32)
    for _ in initializations(model, draws=3, seed=rng):
        scores = artifact_scores(model, images)
        assert scores["s1/dc_imbalance"] == pytest.approx(0.0, abs=1e-6)
        assert scores["s2/dc_imbalance"] == pytest.approx(0.0, abs=1e-6)
        assert scores["flat/phase_imbalance"] == pytest.approx(0.0, abs=1e-6)
    # Any other kernel has unequal phases.
    model.layers[0].set_weights([rng.standard_normal((3, 3, 3, 16)), np.zeros(16)])
    scores = artifact_scores(model, images)
    assert scores["s1/dc_imbalance"] > 0.05 and scores["flat/phase_imbalance"] > 0.01


def test_nearest_resize_convolution_is_phase_balanced_on_a_flat_input(
    rng: np.random.Generator,
) -> None:
    model = Sequential(
        [
            ResizeConv2D(4, 3, activation="relu", input_shape=(12, 12, 3)),
            ResizeConv2D(1, 3, activation="sigmoid"),
        ]
    )
    for layer in model.layers:  # any weights, not only initial ones
        kernel, bias = layer.get_weights()
        layer.set_weights([rng.standard_normal(kernel.shape), rng.standard_normal(bias.shape)])
    scores = artifact_scores(model, rng.random((2, 12, 12, 3)))
    assert not any(key.endswith("dc_imbalance") for key in scores)  # no phase weights
    assert scores["flat/phase_imbalance"] == pytest.approx(0.0, abs=1e-6)
