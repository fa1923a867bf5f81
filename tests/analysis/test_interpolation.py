"""Interpolation weights against hand-computed kernels (Keras 3: half-pixel centres)."""

from __future__ import annotations

import numpy as np
import pytest

from upsample.analysis import interpolation_weights, source_positions
from upsample.ops import upsample


def test_nearest_repeats_each_pixel() -> None:
    weights = interpolation_weights(3, factor=2, interpolation="nearest")
    np.testing.assert_array_equal(weights.matrix, np.repeat(np.eye(3), 2, axis=0))


def test_bilinear_by_two_by_hand() -> None:
    """Output 1 samples x = 0.25: 0.75 of input 0, 0.25 of input 1; output 0 at x = -0.25
    has only input 0 inside, renormalised to 1."""
    weights = interpolation_weights(4, factor=2, interpolation="bilinear")
    assert weights.taps(0) == [(0, 1.0)]
    assert weights.taps(1) == [(0, 0.75), (1, 0.25)]
    assert weights.taps(2) == [(0, 0.25), (1, 0.75)]
    assert weights.taps(7) == [(3, 1.0)]
    np.testing.assert_allclose(weights.positions, [-0.25, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3.25])


def test_bilinear_by_three_reproduces_linear_ramps() -> None:
    """Inside, linear interpolation returns the sample position: sum_j w_j j = x_o."""
    weights = interpolation_weights(6, factor=3, interpolation="bilinear")
    inside = (weights.positions >= 0) & (weights.positions <= 5)
    np.testing.assert_allclose((weights.matrix @ np.arange(6.0))[inside], weights.positions[inside])


def test_bicubic_by_two_inside_by_hand() -> None:
    """Keys a = -0.5 at distances 1.25, 0.25, 0.75, 1.75 (output 5 samples x = 2.25):
    W(x) = 1.5|x|^3 - 2.5|x|^2 + 1 below 1, -0.5|x|^3 + 2.5|x|^2 - 4|x| + 2 below 2."""
    weights = interpolation_weights(8, factor=2, interpolation="bicubic")
    columns, values = zip(*weights.taps(5))
    assert columns == (1, 2, 3, 4)
    np.testing.assert_allclose(values, [-0.0703125, 0.8671875, 0.2265625, -0.0234375], atol=1e-15)


def test_lanczos3_inside_by_hand() -> None:
    """sinc(x) sinc(x / 3) at the six distances of x = 5.25, normalised by their sum."""
    weights = interpolation_weights(12, factor=2, interpolation="lanczos3")
    distances = 5.25 - np.arange(3, 9)
    kernel = np.sinc(distances) * np.sinc(distances / 3)
    columns, values = zip(*weights.taps(11))
    assert columns == tuple(range(3, 9))
    np.testing.assert_allclose(values, kernel / kernel.sum(), atol=1e-15)


@pytest.mark.parametrize(
    "interpolation", ["nearest", "bilinear", "bicubic", "lanczos3", "lanczos5"]
)
def test_rows_sum_to_one_and_apply_as_the_op(interpolation: str, rng: np.random.Generator) -> None:
    weights = interpolation_weights(7, factor=3, interpolation=interpolation)
    np.testing.assert_allclose(weights.matrix.sum(axis=1), 1.0, atol=1e-12)
    x = rng.standard_normal(7)
    expected = upsample(x[None, :, None], size=3, interpolation=interpolation)[0, :, 0]
    np.testing.assert_allclose(weights.matrix @ x, expected, atol=1e-12)


def test_align_corners_and_asymmetric_by_hand() -> None:
    """2 -> 4: align_corners samples 0, 1/3, 2/3, 1; asymmetric 0, 0.5, 1, 1.5 (the last
    reads pixel 1 alone: the tap at 2 is outside)."""
    corners = interpolation_weights(2, factor=2, coordinates="align_corners")
    np.testing.assert_allclose(corners.positions, [0, 1 / 3, 2 / 3, 1])
    np.testing.assert_allclose([w for _, w in corners.taps(1)], [2 / 3, 1 / 3])
    shifted = interpolation_weights(2, factor=2, coordinates="asymmetric")
    np.testing.assert_allclose(shifted.positions, [0, 0.5, 1, 1.5])
    assert shifted.taps(1) == [(0, 0.5), (1, 0.5)] and shifted.taps(3) == [(1, 1.0)]


def test_source_positions_are_half_pixel_centres() -> None:
    np.testing.assert_allclose(source_positions(3, factor=3), [-1 / 3, 0.0, 1 / 3])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"input_length": 0, "factor": 2}, "input_length=0"),
        ({"input_length": 4, "factor": 0}, "factor=0"),
        ({"input_length": 4, "factor": 2.0}, "factor=2.0"),
        ({"input_length": 4, "factor": 2, "interpolation": "area"}, "interpolation='area'"),
        ({"input_length": 4, "factor": 2, "coordinates": "pixel"}, "coordinates='pixel'"),
    ],
)
def test_bad_arguments_are_named(arguments: dict[str, object], message: str) -> None:
    length = arguments.pop("input_length")
    with pytest.raises(ValueError, match=message):
        interpolation_weights(length, **arguments)  # type: ignore[arg-type]
