"""Whole-model records: upsampling layers, periods, and the measures on known models."""

from __future__ import annotations

import numpy as np
import pytest

from upsample.analysis import total_factor, upsampling_layers
from upsample.analysis.model_scores import artifact_scores, describe_upsampling, spectral_period
from upsample.layers import Conv1DTranspose, Conv2D, Conv2DTranspose, Input, UpSampling2D
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
    with pytest.raises(ValueError, match="no UpSampling or Conv"):
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
