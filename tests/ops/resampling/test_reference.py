"""The reference route by hand: the seeds' examples, worked examples, and the adjoint identity.

Each example runs on the reference route and on the route table's choice, so
the fast routes meet the same hand-computed numbers.
"""

from __future__ import annotations

import numpy as np
import pytest

from support.gradcheck import assert_adjoint
from upsample.ops.resampling import reference, upsample, upsample_vjp

METHODS = ["nearest", "bilinear", "bicubic", "lanczos3", "lanczos5"]
FORMATS = ["channels_last", "channels_first"]
ROUTES = ["reference", None]  # None: the route table's choice


@pytest.mark.parametrize("route", ROUTES)
def test_nearest_repeats_each_pixel_of_the_seed_image(route: str | None) -> None:
    """Seed: UpSampling2D() turns [[1, 2], [3, 4]] into 2x2 blocks."""
    x = np.array([[1, 2], [3, 4]], np.float32).reshape(1, 2, 2, 1)
    expected = [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]
    np.testing.assert_array_equal(upsample(x, size=2, route=route)[0, :, :, 0], expected)


@pytest.mark.parametrize("route", ROUTES)
def test_nearest_with_a_different_factor_per_axis(route: str | None) -> None:
    """Seed: size=(2, 3) turns a 2x2 image into 4x6."""
    x = np.array([[1, 2], [3, 4]], np.float32).reshape(1, 2, 2, 1)
    out = upsample(x, size=(2, 3), route=route)[0, :, :, 0]
    assert out.shape == (4, 6)
    np.testing.assert_array_equal(out, np.repeat(np.repeat(x[0, :, :, 0], 2, 0), 3, 1))


@pytest.mark.parametrize("route", ROUTES)
def test_bilinear_seed_image_by_hand(route: str | None) -> None:
    """Seed: [[0, 0.5], [1, 1.5]] by (32, 32), bilinear, gives 64x64.

    The image is linear, ``v(r, c) = r + c / 2``, so bilinear interpolation at the
    half-pixel sample ``s = (i + 0.5) / 32 - 0.5`` is ``v`` at ``s`` clamped to the
    input range: the edges are flat (dropped taps renormalise to the edge pixel).
    """
    x = np.array([[0.0, 0.5], [1.0, 1.5]], np.float32).reshape(1, 2, 2, 1)
    out = upsample(x, size=(32, 32), interpolation="bilinear", route=route)[0, :, :, 0]
    assert out.shape == (64, 64)
    assert out[0, 0] == 0.0 and out[0, -1] == 0.5 and out[-1, 0] == 1.0 and out[-1, -1] == 1.5
    assert out[16, 16] == pytest.approx(0.015625 + 0.5 * 0.015625)  # s = 16.5 / 32 - 0.5
    assert out[32, 0] == pytest.approx(0.515625)  # s = 32.5 / 32 - 0.5
    assert out[40, 50] == pytest.approx(0.765625 + 0.5 * 1.0)  # column 50 is past the last centre
    s = np.clip((np.arange(64) + 0.5) / 32 - 0.5, 0.0, 1.0)
    np.testing.assert_allclose(out, s[:, None] + 0.5 * s[None, :], rtol=0, atol=1e-7)


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("bilinear", [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3]),
        ("bicubic", [-0.0882, 0.1679, 0.7099, 1.25, 1.75, 2.2901, 2.8321, 3.0882]),
    ],
)
@pytest.mark.parametrize("route", ROUTES)
def test_one_dimensional_worked_example(
    method: str, expected: list[float], route: str | None
) -> None:
    """keras-semantics.md 1.3: [0, 1, 2, 3] by 2 (bicubic as JAX: dropped taps, renormalised)."""
    x = np.arange(4, dtype=np.float32).reshape(1, 4, 1)
    out = upsample(x, size=2, interpolation=method, route=route).ravel()
    np.testing.assert_allclose(out, expected, rtol=0, atol=5e-5)


@pytest.mark.parametrize("route", ROUTES)
def test_linear_x2_weights_by_hand(route: str | None) -> None:
    """1-D [0, 4, 8]: ends copied, then 3/4 of the nearer input and 1/4 of the farther."""
    x = np.array([0.0, 4.0, 8.0], np.float32).reshape(1, 3, 1)
    arguments = dict(size=2, interpolation="bilinear", route=route)
    np.testing.assert_array_equal(upsample(x, **arguments).ravel(), [0, 1, 3, 5, 7, 8])  # type: ignore[arg-type]
    g = np.array([1.0, 0, 0, 0, 0, 0], np.float32).reshape(1, 6, 1)
    np.testing.assert_array_equal(upsample_vjp(g, **arguments).ravel(), [1, 0, 0])  # type: ignore[arg-type]
    g = np.array([0, 0, 1.0, 0, 0, 0], np.float32).reshape(1, 6, 1)  # output 2 = x0/4 + 3 x1/4
    np.testing.assert_array_equal(upsample_vjp(g, **arguments).ravel(), [0.25, 0.75, 0])  # type: ignore[arg-type]


@pytest.mark.parametrize("route", ROUTES)
def test_nearest_vjp_sums_each_block_by_hand(route: str | None) -> None:
    g = np.arange(12.0).reshape(1, 2, 6, 1)  # rows [0..5], [6..11]; blocks of 2 x 3
    out = upsample_vjp(g, size=(2, 3), route=route)
    np.testing.assert_array_equal(out.ravel(), [0 + 1 + 2 + 6 + 7 + 8, 3 + 4 + 5 + 9 + 10 + 11])


def test_reference_matrices_interpolate_and_sum_to_one() -> None:
    """Each output row of an axis operator sums to 1 (dropped taps are renormalised), and a
    sample on an input centre (an odd factor's middle phase) copies that input."""
    for method in ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5"):
        for length, factor in ((1, 3), (4, 2), (7, 3), (9, 4)):
            operator = reference.matrix(method, length, factor * length)
            assert operator.shape == (factor * length, length)
            np.testing.assert_allclose(operator.sum(axis=1), 1.0, rtol=0, atol=1e-12)
            if factor == 3:
                np.testing.assert_allclose(operator[1::3], np.eye(length), rtol=0, atol=1e-12)


ADJOINT_CASES = [
    (method, fmt, spatial, factors)
    for method in METHODS
    for fmt in FORMATS
    for spatial, factors in [
        ((5,), (3,)),
        ((1,), (4,)),
        ((6, 5), (1, 3)),
        ((4, 7), (2, 2)),
        ((2, 3), (4, 1)),
        ((3, 4, 2), (2, 3, 1)),
        ((2, 1, 3), (1, 1, 1)),
    ]
]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("method", "data_format", "spatial", "factors"), ADJOINT_CASES)
def test_vjp_is_the_adjoint(
    method: str,
    data_format: str,
    spatial: tuple[int, ...],
    factors: tuple[int, ...],
    route: str | None,
    rng: np.random.Generator,
) -> None:
    """``<up(x), y> == <x, up_vjp(y)>``: the backward pass is the transposed operator."""
    arguments = dict(size=factors, interpolation=method, data_format=data_format, route=route)
    assert_adjoint(
        lambda x: upsample(x, **arguments),  # type: ignore[arg-type]
        lambda y: upsample_vjp(y, **arguments),  # type: ignore[arg-type]
        (2, *spatial, 3) if data_format == "channels_last" else (2, 3, *spatial),
        rng,
    )
