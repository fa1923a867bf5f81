"""`resize` and `resize_vjp`: any lengths, up and down, antialias, and bad arguments.

Keras parity (random sizes, every interpolation, antialias) is in
tests/parity/test_resizing_parity.py; here are hand-computed examples, the
identities that tie `resize` to `upsample`, and finite differences.
"""

from __future__ import annotations

import numpy as np
import pytest

from support.gradcheck import assert_adjoint, assert_vjp_matches_numerical
from upsample.ops.resampling import reference, resize, resize_vjp, upsample

METHODS = ["nearest", "bilinear", "bicubic", "lanczos3", "lanczos5"]
ROUTES = ["reference", None]


@pytest.mark.parametrize("route", ROUTES)
def test_antialiased_linear_halving_by_hand(route: str | None) -> None:
    """4 -> 2, antialias: the triangle is stretched to half-width 2 around s = 0.5 and 2.5.

    Output 0: inputs -1, 0, 1, 2 at distances 1.5, 0.5, 0.5, 1.5 weigh 1/4, 3/4, 3/4,
    1/4; input -1 is dropped, so [3, 3, 1, 0] / 7.  Output 1 mirrors it: [0, 1, 3, 3] / 7.
    """
    x = np.array([7.0, 7.0, 0.0, 7.0]).reshape(1, 4, 1)
    out = resize(x, size=2, interpolation="bilinear", antialias=True, route=route)
    np.testing.assert_allclose(out.ravel(), [6.0, 4.0], rtol=0, atol=1e-12)
    plain = resize(x, size=2, interpolation="bilinear", route=route)  # s = 0.5, 2.5: two taps
    np.testing.assert_allclose(plain.ravel(), [7.0, 3.5], rtol=0, atol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_antialias_changes_nothing_when_enlarging_nor_for_nearest(
    method: str, rng: np.random.Generator
) -> None:
    x = rng.standard_normal((2, 5, 4, 3))
    np.testing.assert_array_equal(
        resize(x, size=(9, 8), interpolation=method, antialias=True),
        resize(x, size=(9, 8), interpolation=method),
    )
    shrunk = resize(x, size=(2, 3), interpolation="nearest", antialias=True)
    np.testing.assert_array_equal(shrunk, resize(x, size=(2, 3), interpolation="nearest"))


@pytest.mark.parametrize("coordinates", ["half_pixel", "align_corners", "asymmetric"])
@pytest.mark.parametrize("method", METHODS[1:])
def test_integer_multiples_are_upsampling(
    method: str, coordinates: str, rng: np.random.Generator
) -> None:
    x = rng.standard_normal((2, 3, 4, 2))
    arguments = dict(interpolation=method, coordinates=coordinates)
    np.testing.assert_allclose(
        resize(x, size=(6, 12), **arguments),  # type: ignore[arg-type]
        upsample(x, size=(2, 3), **arguments),  # type: ignore[arg-type]
        rtol=0,
        atol=1e-12,
    )


@pytest.mark.parametrize("method", METHODS)
def test_the_same_size_is_a_copy(method: str, rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 5, 4, 3)).astype(np.float32)
    out = resize(x, size=(5, 4), interpolation=method, antialias=True)
    np.testing.assert_array_equal(out, x)
    assert out is not x


def test_antialiased_rows_sum_to_one_and_widen_with_the_scale() -> None:
    for method in METHODS[1:]:
        for n, m in ((12, 5), (20, 3), (9, 8)):
            operator = reference.matrix(method, n, m, "half_pixel", True)
            np.testing.assert_allclose(operator.sum(axis=1), 1.0, rtol=0, atol=1e-12)
            plain = reference.matrix(method, n, m, "half_pixel", False)
            assert np.count_nonzero(operator) >= np.count_nonzero(plain)


@pytest.mark.parametrize(
    ("size", "coordinates", "antialias", "method"),
    [
        ((3, 5), "half_pixel", True, "bilinear"),
        ((7, 2), "align_corners", True, "bicubic"),
        ((2, 6), "asymmetric", False, "lanczos3"),
        ((4, 3), "half_pixel", False, "nearest"),
    ],
)
def test_vjp_matches_finite_differences(
    size: tuple[int, int], coordinates: str, antialias: bool, method: str, rng: np.random.Generator
) -> None:
    x = rng.standard_normal((1, 5, 4, 2))
    arguments = dict(interpolation=method, coordinates=coordinates, antialias=antialias)
    assert_vjp_matches_numerical(
        lambda a: resize(a, size=size, **arguments),  # type: ignore[arg-type]
        lambda g, a: [resize_vjp(g, input_size=(5, 4), **arguments)],  # type: ignore[arg-type]
        [x],
        rng,
    )


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("route", ["reference", "gather"])
def test_vjp_is_the_adjoint_in_one_two_and_three_dimensions(
    data_format: str, route: str, rng: np.random.Generator
) -> None:
    for spatial, size in (((7,), (3,)), ((5, 4), (3, 9)), ((4, 3, 5), (6, 2, 5))):
        first = data_format == "channels_first"
        shape = (2, 3, *spatial) if first else (2, *spatial, 3)
        arguments = dict(interpolation="lanczos3", antialias=True, data_format=data_format)
        assert_adjoint(
            lambda x: resize(x, size=size, route=route, **arguments),  # type: ignore[arg-type]  # noqa: B023
            lambda g: resize_vjp(g, input_size=spatial, route=route, **arguments),  # type: ignore[arg-type]  # noqa: B023
            shape,
            rng,
        )


def test_dtype_and_layout(rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 3, 5, 4)).astype(np.float32)
    last = resize(np.moveaxis(x, 1, -1), size=(7, 2))
    first = resize(x, size=(7, 2), data_format="channels_first")
    assert first.dtype == np.float32 and first.shape == (2, 3, 7, 2)
    np.testing.assert_allclose(first, np.moveaxis(last, -1, 1), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda x: resize(x, size=(0, 3)),
            r"`size` argument .*positive ints\. Received: size=\(0, 3\)",
        ),
        (lambda x: resize(x, size=(-2, 3)), r"size=\(-2, 3\)"),
        (lambda x: resize(x, size=(2, 3, 4)), r"size=\(2, 3, 4\)"),
        (lambda x: resize(x, size=3, antialias="yes"), r"antialias='yes'"),
        (lambda x: resize(x, size=3, interpolation="area"), r"interpolation='area'"),
        (lambda x: resize(x[0, 0], size=3), r"Received: x.shape=\(4, 1\)"),
        (lambda x: resize_vjp(x, input_size=(2,)), r"input_size=\(2,\)"),
        (lambda x: resize_vjp(x, input_size=(2, 0)), r"input_size=\(2, 0\)"),
    ],
)
def test_bad_arguments_name_the_argument_and_value(call: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call(np.zeros((1, 4, 4, 1), np.float32))  # type: ignore[operator]
