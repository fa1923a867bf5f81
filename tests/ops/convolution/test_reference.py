"""The reference route by hand: the seeds' small examples, and the adjoint identity.

Each example runs on the reference route and on the route table's choice, so
the fast routes meet the same hand-computed numbers.
"""

from __future__ import annotations

import numpy as np
import pytest

from support.gradcheck import assert_adjoint
from upsample.ops.convolution import conv, conv_transpose, conv_vjp, routes
from upsample.ops.shapes import conv_geometry, conv_transpose_geometry, unit_stride_transpose

SEED_IMAGE = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 2, 1)
ROUTES = ["reference", None]  # None: the route table's choice


@pytest.mark.parametrize("route", ROUTES)
def test_one_by_one_stride_two_transposed_convolution_inserts_zeros(route: str | None) -> None:
    """Seed 001/003: weight 1, bias 0, 1x1 kernel, strides 2 spaces the input out."""
    kernel = np.ones((1, 1, 1, 1))
    out = conv_transpose(SEED_IMAGE, kernel, np.zeros(1), strides=2, route=route)
    expected = [[1, 0, 2, 0], [0, 0, 0, 0], [3, 0, 4, 0], [0, 0, 0, 0]]
    np.testing.assert_array_equal(out[0, :, :, 0], expected)


@pytest.mark.parametrize("route", ROUTES)
def test_two_by_two_stride_two_transposed_convolution_tiles_the_kernel(route: str | None) -> None:
    """Seed 001's reader comment: each input value scales a copy of the kernel [[a, b], [c, d]]."""
    a, b, c, d = 0.5, -1.25, 2.0, 3.0
    kernel = np.array([[a, b], [c, d]]).reshape(2, 2, 1, 1)
    out = conv_transpose(SEED_IMAGE, kernel, strides=2, padding="valid", route=route)[0, :, :, 0]
    expected = [
        [a, b, 2 * a, 2 * b],
        [c, d, 2 * c, 2 * d],
        [3 * a, 3 * b, 4 * a, 4 * b],
        [3 * c, 3 * d, 4 * c, 4 * d],
    ]
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("route", ROUTES)
def test_same_transposed_convolution_crops_the_extra_row_at_the_bottom_right(
    route: str | None,
) -> None:
    """Keras crops the odd extra row/column at the end, mirroring SAME padding."""
    x = np.zeros((1, 2, 2, 1))
    x[0, 0, 0, 0] = 1.0
    kernel = np.arange(1.0, 10.0).reshape(3, 3, 1, 1)
    out = conv_transpose(x, kernel, strides=2, padding="same", route=route)[0, :, :, 0]
    # The full 5x5 scatter of the single pixel is the kernel at the top-left; "same"
    # keeps rows/columns 0..3, so the kernel's last row and column survive whole.
    np.testing.assert_array_equal(out[:3, :3], kernel[:, :, 0, 0])
    assert out.shape == (4, 4)
    assert not out[3:, :].any() and not out[:, 3:].any()


@pytest.mark.parametrize("route", ROUTES)
def test_convolution_of_the_seed_image_by_hand(route: str | None) -> None:
    kernel = np.array([[1.0, 10.0], [100.0, 1000.0]]).reshape(2, 2, 1, 1)
    out = conv(SEED_IMAGE, kernel, padding="same", route=route)[0, :, :, 0]
    # "same" pads one row and one column at the bottom/right.
    expected = [[1 + 20 + 300 + 4000, 2 + 400], [3 + 40, 4]]
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("route", ROUTES)
def test_strided_dilated_convolution_and_its_gradients_by_hand(route: str | None) -> None:
    """1-D, kernel [1, 10] dilated by 2, stride 3, 'valid', over x = 0..7: outputs at 0 and 3
    read x[0] + 10 x[2] and x[3] + 10 x[5]; the gradients scatter back to the same taps."""
    x = np.arange(8.0).reshape(1, 8, 1)
    kernel = np.array([1.0, 10.0]).reshape(2, 1, 1)
    arguments = dict(strides=3, dilation_rate=2, route=route)
    np.testing.assert_array_equal(conv(x, kernel, **arguments).ravel(), [20, 53])  # type: ignore[arg-type]
    grads = conv_vjp(np.array([1.0, 2.0]).reshape(1, 2, 1), x, kernel, **arguments)  # type: ignore[arg-type]
    np.testing.assert_array_equal(grads.inputs.ravel(), [1, 0, 10, 2, 0, 20, 0, 0])  # type: ignore[union-attr]
    np.testing.assert_array_equal(grads.kernel.ravel(), [0 + 2 * 3, 2 + 2 * 5])  # type: ignore[union-attr]


def random_geometries(rng: np.random.Generator, count: int) -> list[dict[str, object]]:
    cases = []
    for _ in range(count):
        ndim = int(rng.integers(1, 4))
        strides = tuple(int(s) for s in rng.integers(1, 4, ndim))
        cases.append(
            dict(
                kernel_size=tuple(int(k) for k in rng.integers(1, 5, ndim)),
                strides=strides,
                dilation=tuple(int(d) for d in rng.integers(1, 3, ndim)),
                padding=str(rng.choice(["valid", "same"])),
                output_padding=(
                    None if rng.random() < 0.5 else tuple(int(rng.integers(0, s)) for s in strides)
                ),
                narrow=tuple(int(n) for n in rng.integers(2, 7, ndim)),
            )
        )
    return cases


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("case", random_geometries(np.random.default_rng(7), 40))
def test_transposed_convolution_is_the_adjoint_of_convolution(
    case: dict[str, object], route: str | None, rng: np.random.Generator
) -> None:
    """<conv(x), y> == <x, conv_transpose(y)> over any geometry, including Keras's crops."""
    arguments = {key: value for key, value in case.items() if key != "narrow"}
    geo = conv_transpose_geometry(case["narrow"], **arguments)  # type: ignore[arg-type]
    kernel = rng.standard_normal((*geo.kernel_size, 3, 2))
    assert_adjoint(
        lambda x: routes.correlate(x, kernel, geo, route),
        lambda y: routes.correlate_adjoint(y, kernel, geo, route),
        (2, *geo.wide, 3),
        rng,
    )


@pytest.mark.parametrize("case", random_geometries(np.random.default_rng(11), 40))
def test_unit_stride_transpose_maps_the_narrow_side_back_to_the_wide_side(
    case: dict[str, object], rng: np.random.Generator
) -> None:
    """The flipped convolution reads the narrow side and yields the wide one; twice is identity.

    Stride-1 transposed convolutions are computed through it, so the adjoint
    identity is checked here on stride-1 geometries only.
    """
    geo = conv_transpose_geometry(
        case["narrow"],  # type: ignore[arg-type]
        kernel_size=case["kernel_size"],  # type: ignore[arg-type]
        strides=(1,) * len(case["narrow"]),  # type: ignore[arg-type]
        padding=case["padding"],  # type: ignore[arg-type]
        output_padding=None,
        dilation=case["dilation"],  # type: ignore[arg-type]
    )
    flipped = unit_stride_transpose(geo)
    assert (flipped.wide, flipped.narrow) == (geo.narrow, geo.wide)
    for n, out, k, d, lo, hi in zip(
        flipped.wide,
        flipped.narrow,
        flipped.kernel_size,
        flipped.dilation,
        flipped.pad_before,
        flipped.pad_after,
        strict=True,
    ):
        assert n + lo + hi - (k - 1) * d == out
    assert unit_stride_transpose(flipped) == geo
    kernel = rng.standard_normal((*geo.kernel_size, 3, 2))
    assert_adjoint(
        lambda x: routes.correlate(x, kernel, geo),
        lambda y: routes.correlate_adjoint(y, kernel, geo),
        (2, *geo.wide, 3),
        rng,
    )


def test_kernel_gradient_is_the_adjoint_in_the_kernel(rng: np.random.Generator) -> None:
    """<conv(x, w), g> == <w, kernel_grad(x, g)>: the reference's third map transposes the first
    in the kernel."""
    geo = conv_geometry((7, 6), kernel_size=(3, 2), strides=(2, 1), padding="same", dilation=(1, 2))
    x = rng.standard_normal((2, *geo.wide, 3))
    assert_adjoint(
        lambda w: routes.correlate(x, w, geo, "reference"),
        lambda g: routes.correlate_kernel_grad(x, g, geo, "reference"),
        (*geo.kernel_size, 3, 4),
        rng,
    )
