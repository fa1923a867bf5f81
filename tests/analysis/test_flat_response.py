"""Flat inputs through models: resize-convolution stays flat, transposed convolution does not."""

from __future__ import annotations

import numpy as np
import pytest

from upsample.analysis import (
    flat_response,
    flat_response_imbalance,
    phase_dc_gains,
    phase_means,
)
from upsample.layers import Conv2D, Conv2DTranspose, Dense, Reshape, UpSampling2D
from upsample.models import Sequential


def randomise(model: Sequential, rng: np.random.Generator) -> None:
    model.set_weights([rng.standard_normal(w.shape) for w in model.get_weights()])


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_upsampling_then_convolutions_stay_flat_at_any_weights(
    rng: np.random.Generator, interpolation: str
) -> None:
    model = Sequential(
        [
            UpSampling2D(2, interpolation=interpolation, input_shape=(8, 8, 3)),
            Conv2D(4, 3, padding="same", activation="relu"),
            UpSampling2D(2, interpolation=interpolation),
            Conv2D(2, 3, padding="same"),
        ]
    )
    for _ in range(5):
        randomise(model, rng)
        # The first 'same' convolution's edge pixel reaches 2 (nearest) or 3 (bilinear reads
        # a neighbour) pixels in after upsampling, and the second convolution adds 1.
        assert flat_response_imbalance(model, border=4) == pytest.approx(0.0, abs=1e-6)


def test_the_phase_means_of_a_transposed_convolution_are_its_gains_plus_bias(
    rng: np.random.Generator,
) -> None:
    model = Sequential([Conv2DTranspose(3, 3, strides=2, padding="same", input_shape=(8, 8, 2))])
    randomise(model, rng)
    kernel, bias = model.get_weights()
    means = phase_means(flat_response(model, value=2.0), stride=2, border=2)
    np.testing.assert_allclose(
        means, 2.0 * phase_dc_gains(kernel, strides=2, padding="same") + bias, atol=1e-5
    )
    assert flat_response_imbalance(model, border=2) > 0.05


def test_a_transposed_convolution_constant_over_stride_blocks_stays_flat(
    rng: np.random.Generator,
) -> None:
    """ICNR for transposed convolutions: ``np.repeat(w0, s, axis)`` (here 2x2 -> 4x4, stride 2)."""
    model = Sequential([Conv2DTranspose(3, 4, strides=2, padding="same", input_shape=(8, 8, 2))])
    w0 = rng.standard_normal((2, 2, 3, 2))
    model.set_weights([np.repeat(np.repeat(w0, 2, axis=0), 2, axis=1), rng.standard_normal(3)])
    assert flat_response_imbalance(model, border=2) == pytest.approx(0.0, abs=1e-6)


def test_start_feeds_the_flat_input_to_a_later_layer(rng: np.random.Generator) -> None:
    """A generator's input is a latent vector: the flat map enters at its upsampling layer."""
    model = Sequential(
        [
            Dense(4 * 4 * 8, input_dim=10),
            Reshape((4, 4, 8)),
            UpSampling2D(name="up"),
            Conv2D(1, 3, padding="same", name="conv"),
        ]
    )
    randomise(model, rng)
    response = flat_response(model, start="up")
    assert response.shape == (1, 8, 8, 1)
    kernel, bias = model.get_layer("conv").get_weights()
    assert response[0, 3, 3, 0] == pytest.approx(kernel.sum() + bias[0], rel=1e-5)
    assert flat_response_imbalance(model, start="up", border=1) == pytest.approx(0.0, abs=1e-6)


def test_bad_arguments_are_named() -> None:
    model = Sequential([UpSampling2D(2, input_shape=(4, 4, 1))])
    with pytest.raises(ValueError, match="value=nan"):
        flat_response(model, value=float("nan"))
    with pytest.raises(ValueError, match="value='1'"):
        flat_response(model, value="1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="start='decoder'"):
        flat_response(model, start="decoder")
    with pytest.raises(ValueError, match="has no upsampling layer"):
        flat_response_imbalance(Sequential([Conv2D(1, 3, input_shape=(4, 4, 1))]))
