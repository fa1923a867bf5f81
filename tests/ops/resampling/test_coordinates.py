"""Coordinate conventions by hand: sample positions, weights and values worked out on paper.

Each value example runs on the reference route and on the route table's choice,
so the fast routes (segments for asymmetric, gather for align_corners) meet the
same hand-computed numbers.  Half-pixel is also checked against Keras (parity).
"""

from __future__ import annotations

import numpy as np
import pytest

from support.gradcheck import assert_adjoint, assert_vjp_matches_numerical
from upsample.ops.resampling import reference, resize, upsample, upsample_vjp
from upsample.ops.resampling.coordinates import nearest_indices, sample_positions

ROUTES = ["reference", None]  # None: the route table's choice
METHODS = ["bilinear", "bicubic", "lanczos3", "lanczos5"]


@pytest.mark.parametrize(
    ("coordinates", "expected"),
    [
        ("half_pixel", [-0.25, 0.25, 0.75, 1.25]),  # (o + 0.5) * 2 / 4 - 0.5
        ("align_corners", [0, 1 / 3, 2 / 3, 1]),  # o * (2 - 1) / (4 - 1)
        ("asymmetric", [0, 0.5, 1, 1.5]),  # o * 2 / 4
    ],
)
def test_sample_positions_of_two_pixels_resampled_to_four(
    coordinates: str, expected: list[float]
) -> None:
    np.testing.assert_allclose(sample_positions(coordinates, 2, 4), expected, rtol=0, atol=1e-15)


def test_align_corners_keeps_the_corners_and_samples_the_first_pixel_for_one_output() -> None:
    np.testing.assert_allclose(sample_positions("align_corners", 5, 9), np.arange(9) / 2)
    np.testing.assert_array_equal(sample_positions("align_corners", 5, 1), [0.0])
    np.testing.assert_array_equal(sample_positions("align_corners", 1, 3), [0.0, 0.0, 0.0])


@pytest.mark.parametrize(
    ("coordinates", "expected"),
    [
        ("half_pixel", [0, 1, 3, 4]),  # ends renormalised onto the edge pixels
        ("align_corners", [0, 1, 2, 3]),  # [0, 1/3, 2/3, 1] of the way from 0 to 3
        ("asymmetric", [0, 2, 4, 4]),  # the last sample (1.5) renormalised onto pixel 1
    ],
)
@pytest.mark.parametrize("route", ROUTES)
def test_linear_two_to_four_by_hand(
    coordinates: str, expected: list[float], route: str | None
) -> None:
    last = {"half_pixel": 4.0, "align_corners": 3.0, "asymmetric": 4.0}[coordinates]
    x = np.array([0.0, last]).reshape(1, 2, 1)
    out = upsample(x, size=2, interpolation="linear", coordinates=coordinates, route=route)
    np.testing.assert_allclose(out.ravel(), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("route", ROUTES)
def test_asymmetric_samples_past_the_last_centre_read_the_last_pixel(route: str | None) -> None:
    """2 -> 8: s = o / 4 reaches 1.75; the tap at 2 is dropped, as TF 1 clamps its edge
    (`jax.image.scale_and_translate` would zero the output at 1.75 > n - 0.5)."""
    x = np.array([0.0, 8.0]).reshape(1, 2, 1)
    out = upsample(x, size=4, interpolation="linear", coordinates="asymmetric", route=route)
    np.testing.assert_allclose(out.ravel(), [0, 2, 4, 6, 8, 8, 8, 8], rtol=0, atol=1e-12)


@pytest.mark.parametrize("route", ROUTES)
def test_align_corners_bicubic_by_hand(route: str | None) -> None:
    """Keys (a = -0.5) at distances 1/3 and 2/3: 7/9 and 1/3, renormalised to 0.7 and 0.3
    (the taps at distances 4/3 and 5/3 fall outside a 2-pixel input)."""
    x = np.array([0.0, 10.0]).reshape(1, 2, 1)
    out = upsample(x, size=2, interpolation="cubic", coordinates="align_corners", route=route)
    np.testing.assert_allclose(out.ravel(), [0, 3, 7, 10], rtol=0, atol=1e-12)


@pytest.mark.parametrize("route", ROUTES)
def test_asymmetric_bicubic_by_hand(route: str | None) -> None:
    """x2: even outputs copy input i (s = i), odd ones sample i + 1/2 with Keys weights
    -1/16, 9/16, 9/16, -1/16 on inputs i - 1 .. i + 2; taps outside are dropped and
    the rest renormalised (1 + 1/16 near the ends, 1/2 at the last output)."""
    x = np.array([0.0, 0.0, 16.0, 0.0, 0.0]).reshape(1, 5, 1)
    out = upsample(x, size=2, interpolation="bicubic", coordinates="asymmetric", route=route)
    expected = [0, -16 / 17, 0, 9, 16, 9, 0, -16 / 17, 0, 0]
    np.testing.assert_allclose(out.ravel(), expected, rtol=0, atol=1e-12)


def test_nearest_conventions_differ_when_shrinking_and_agree_when_enlarging() -> None:
    """5 -> 3: PyTorch's mode="nearest" floor(o * 5/3) = 0, 1, 3; "nearest-exact" and
    Keras floor((o + 0.5) * 5/3) = 0, 2, 4.  Integer factors repeat in both."""
    np.testing.assert_array_equal(nearest_indices("asymmetric", 5, 3), [0, 1, 3])
    np.testing.assert_array_equal(nearest_indices("half_pixel", 5, 3), [0, 2, 4])
    for coordinates in ("asymmetric", "half_pixel"):
        np.testing.assert_array_equal(nearest_indices(coordinates, 4, 12), np.arange(12) // 3)
    x = np.arange(5.0).reshape(1, 5, 1)
    for coordinates, expected in (("asymmetric", [0, 1, 3]), ("half_pixel", [0, 2, 4])):
        out = resize(x, size=3, interpolation="nearest", coordinates=coordinates)
        np.testing.assert_array_equal(out.ravel(), expected)


@pytest.mark.parametrize("coordinates", ["half_pixel", "align_corners", "asymmetric"])
@pytest.mark.parametrize("method", METHODS)
def test_rows_sum_to_one_and_align_corners_keeps_the_corners(method: str, coordinates: str) -> None:
    for n, m in ((1, 3), (2, 4), (5, 9), (7, 3), (9, 4)):
        operator = reference.matrix(method, n, m, coordinates)
        np.testing.assert_allclose(operator.sum(axis=1), 1.0, rtol=0, atol=1e-12)
        if coordinates != "half_pixel":  # the first sample sits on the first centre
            np.testing.assert_allclose(operator[0], np.eye(n)[0], rtol=0, atol=1e-12)
        if coordinates == "align_corners":
            np.testing.assert_allclose(operator[-1], np.eye(n)[-1], rtol=0, atol=1e-12)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    ("method", "coordinates"),
    [("nearest", "asymmetric")]
    + [(m, c) for m in METHODS for c in ("align_corners", "asymmetric")],
)
def test_vjp_is_the_adjoint_in_every_convention(
    method: str, coordinates: str, route: str | None, rng: np.random.Generator
) -> None:
    arguments = dict(size=(3, 2), interpolation=method, coordinates=coordinates, route=route)
    assert_adjoint(
        lambda x: upsample(x, **arguments),  # type: ignore[arg-type]
        lambda g: upsample_vjp(g, **arguments),  # type: ignore[arg-type]
        (2, 4, 5, 3),
        rng,
    )


@pytest.mark.parametrize("coordinates", ["align_corners", "asymmetric"])
def test_vjp_matches_finite_differences(coordinates: str, rng: np.random.Generator) -> None:
    arguments = dict(size=(2, 3), interpolation="bicubic", coordinates=coordinates)
    assert_vjp_matches_numerical(
        lambda a: upsample(a, **arguments),  # type: ignore[arg-type]
        lambda g, a: [upsample_vjp(g, **arguments)],  # type: ignore[arg-type]
        [rng.standard_normal((1, 3, 2, 2))],
        rng,
    )


@pytest.mark.parametrize(
    ("arguments", "match"),
    [
        (
            dict(coordinates="corners"),
            r"`coordinates` argument must be one of .*coordinates='corners'",
        ),
        (dict(coordinates="HALF_PIXEL"), r"coordinates='HALF_PIXEL'"),
        (
            dict(coordinates="align_corners"),
            r"'align_corners' needs an interpolating kernel.*'nearest-exact'.*mode='nearest'",
        ),
    ],
)
def test_bad_conventions(arguments: dict[str, str], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        upsample(np.zeros((1, 2, 2, 1)), size=2, **arguments)  # type: ignore[arg-type]
