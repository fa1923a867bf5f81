"""Convolution and transposed convolution: seed examples, adjointness, gradients, errors."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator

import numpy as np
import pytest

from support.conv_routes import ROUTES, route
from support.gradcheck import assert_adjoint, assert_vjp_matches_numerical
from upsample.ops import _flat_shift
from upsample.ops import conv as conv_ops
from upsample.ops.conv import conv, conv_transpose, conv_transpose_vjp, conv_vjp
from upsample.ops.shapes import (
    ConvGeometry,
    conv_geometry,
    conv_transpose_geometry,
    unit_stride_transpose,
)
from upsample.runtime import tuning

SEED_IMAGE = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32).reshape(1, 2, 2, 1)


@pytest.fixture(params=ROUTES)
def conv_route(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every test that asks runs once on each route of the small stride-1 problems."""
    with route(request.param):
        yield request.param


# --------------------------------------------------------------------------- the seeds' examples


def test_one_by_one_stride_two_transposed_convolution_inserts_zeros() -> None:
    """Seed 001/003: weight 1, bias 0, 1x1 kernel, strides 2 spaces the input out."""
    kernel = np.ones((1, 1, 1, 1), np.float32)
    out = conv_transpose(SEED_IMAGE, kernel, np.zeros(1, np.float32), strides=2)
    expected = [[1, 0, 2, 0], [0, 0, 0, 0], [3, 0, 4, 0], [0, 0, 0, 0]]
    np.testing.assert_array_equal(out[0, :, :, 0], expected)


def test_two_by_two_stride_two_transposed_convolution_tiles_the_kernel() -> None:
    """Seed 001's reader comment: each input value scales a copy of the kernel [[a, b], [c, d]]."""
    a, b, c, d = 0.5, -1.25, 2.0, 3.0
    kernel = np.array([[a, b], [c, d]], np.float32).reshape(2, 2, 1, 1)
    out = conv_transpose(SEED_IMAGE, kernel, strides=2, padding="valid")[0, :, :, 0]
    expected = [
        [a, b, 2 * a, 2 * b],
        [c, d, 2 * c, 2 * d],
        [3 * a, 3 * b, 4 * a, 4 * b],
        [3 * c, 3 * d, 4 * c, 4 * d],
    ]
    np.testing.assert_allclose(out, expected, rtol=0, atol=0)


def test_same_padding_doubles_exactly_with_a_three_by_three_kernel() -> None:
    """Seed 001/003: a 3x3 kernel with strides 2 would give 11x11 from 5x5; 'same' gives 10x10."""
    x = np.ones((1, 5, 5, 128), np.float32)
    kernel = np.ones((3, 3, 1, 128), np.float32)
    assert conv_transpose(x, kernel, strides=2, padding="valid").shape == (1, 11, 11, 1)
    assert conv_transpose(x, kernel, strides=2, padding="same").shape == (1, 10, 10, 1)


def test_same_transposed_convolution_crops_the_extra_row_at_the_bottom_right() -> None:
    """Keras crops the odd extra row/column at the end, mirroring SAME padding."""
    x = np.zeros((1, 2, 2, 1), np.float32)
    x[0, 0, 0, 0] = 1.0
    kernel = np.arange(1, 10, dtype=np.float32).reshape(3, 3, 1, 1)
    out = conv_transpose(x, kernel, strides=2, padding="same")[0, :, :, 0]
    # The full 5x5 scatter of the single pixel is the kernel at the top-left; "same"
    # keeps rows/columns 0..3, so the kernel's last row and column survive whole.
    np.testing.assert_array_equal(out[:3, :3], kernel[:, :, 0, 0])
    assert out.shape == (4, 4)
    assert not out[3:, :].any() and not out[:, 3:].any()


def test_convolution_of_the_seed_image_by_hand() -> None:
    kernel = np.array([[1.0, 10.0], [100.0, 1000.0]], np.float32).reshape(2, 2, 1, 1)
    out = conv(SEED_IMAGE, kernel, padding="same")[0, :, :, 0]
    # "same" pads one row and one column at the bottom/right.
    expected = [[1 + 20 + 300 + 4000, 2 + 400], [3 + 40, 4]]
    np.testing.assert_array_equal(out, expected)


# --------------------------------------------------------------------------- adjointness


def random_geometries(rng: np.random.Generator, count: int) -> list[dict[str, object]]:
    cases = []
    for _ in range(count):
        ndim = int(rng.integers(1, 4))
        strides = tuple(int(s) for s in rng.integers(1, 4, ndim))
        cases.append(
            dict(
                ndim=ndim,
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


def _assert_correlations_are_adjoint(geo: ConvGeometry, rng: np.random.Generator) -> None:
    """<_correlate(x), y> == <x, _correlate_adjoint(y)> for a random 3 -> 2 channel kernel."""
    kernel = rng.standard_normal((*geo.kernel_size, 3, 2))
    assert_adjoint(
        lambda x: conv_ops._correlate(np.ascontiguousarray(x), kernel, geo),
        lambda y: conv_ops._correlate_adjoint(np.ascontiguousarray(y), kernel, geo),
        (2, *geo.wide, 3),
        rng,
    )


@pytest.mark.parametrize("case", random_geometries(np.random.default_rng(7), 60))
def test_transposed_convolution_is_the_adjoint_of_convolution(
    case: dict[str, object], rng: np.random.Generator, conv_route: str
) -> None:
    """<conv(x), y> == <x, conv_transpose(y)> over any geometry, including Keras's crops."""
    geo = conv_transpose_geometry(
        case["narrow"],  # type: ignore[arg-type]
        kernel_size=case["kernel_size"],  # type: ignore[arg-type]
        strides=case["strides"],  # type: ignore[arg-type]
        padding=case["padding"],  # type: ignore[arg-type]
        output_padding=case["output_padding"],  # type: ignore[arg-type]
        dilation=case["dilation"],  # type: ignore[arg-type]
    )
    _assert_correlations_are_adjoint(geo, rng)


@pytest.mark.parametrize(
    ("kernel_size", "strides", "padding"),
    [
        (3, 2, "same"),
        (4, 2, "same"),
        (2, 3, "same"),
        (5, 1, "same"),
        (3, 2, "valid"),
        (2, 3, "valid"),
    ],
)
def test_conv_input_gradient_is_the_transposed_convolution(
    kernel_size: int, strides: int, padding: str, rng: np.random.Generator
) -> None:
    """The seeds' central lesson, on the public functions: conv's backward is conv_transpose."""
    narrow = 5
    geo = conv_transpose_geometry(
        (narrow, narrow),
        kernel_size=(kernel_size,) * 2,
        strides=(strides,) * 2,
        padding=padding,
        output_padding=None,
        dilation=(1, 1),  # type: ignore[arg-type]
    )
    x = rng.standard_normal((2, *geo.wide, 3)).astype(np.float32)
    kernel = rng.standard_normal((kernel_size, kernel_size, 3, 4)).astype(np.float32)
    y = conv(x, kernel, strides=strides, padding=padding)
    assert y.shape[1:3] == (narrow, narrow)
    grad = rng.standard_normal(y.shape).astype(np.float32)
    through_vjp = conv_vjp(grad, x, kernel, strides=strides, padding=padding).inputs
    through_transpose = conv_transpose(grad, kernel, strides=strides, padding=padding)
    np.testing.assert_array_equal(through_vjp, through_transpose)


def test_conv_geometry_and_transposed_geometry_agree_for_same_padding() -> None:
    for n, k, s in itertools.product(range(1, 7), range(1, 6), range(1, 4)):
        forward = conv_geometry(
            (n * s,), kernel_size=(k,), strides=(s,), padding="same", dilation=(1,)
        )
        backward = conv_transpose_geometry(
            (n,), kernel_size=(k,), strides=(s,), padding="same", output_padding=None, dilation=(1,)
        )
        assert forward == backward, (n, k, s)


@pytest.mark.parametrize("case", random_geometries(np.random.default_rng(11), 40))
def test_unit_stride_transpose_maps_the_narrow_side_back_to_the_wide_side(
    case: dict[str, object], rng: np.random.Generator, conv_route: str
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
    _assert_correlations_are_adjoint(geo, rng)


def test_only_a_stride_one_geometry_has_a_unit_stride_transpose() -> None:
    geo = conv_geometry((8, 8), kernel_size=(3, 3), strides=(1, 2), padding="same", dilation=(1, 1))
    with pytest.raises(ValueError, match=r"strides=\(1, 2\)"):
        unit_stride_transpose(geo)


# --------------------------------------------------------------------------- gradients


CASES = [
    dict(kernel=(3,), strides=2, padding="same", dilation_rate=1, data_format="channels_last"),
    dict(
        kernel=(2, 3),
        strides=(2, 1),
        padding="valid",
        dilation_rate=1,
        data_format="channels_first",
    ),
    dict(kernel=(3, 3), strides=1, padding="same", dilation_rate=2, data_format="channels_last"),
    dict(kernel=(2, 2, 2), strides=2, padding="same", dilation_rate=1, data_format="channels_last"),
    dict(
        kernel=(3, 2), strides=(3, 2), padding="valid", dilation_rate=1, data_format="channels_last"
    ),
]


def _spatial(case: dict[str, object], size: int) -> tuple[int, ...]:
    return (size,) * len(case["kernel"])  # type: ignore[arg-type]


def _arrange(shape: tuple[int, ...], channels: int, data_format: str) -> tuple[int, ...]:
    return (2, channels, *shape) if data_format == "channels_first" else (2, *shape, channels)


@pytest.mark.parametrize("case", CASES)
def test_conv_vjp_matches_finite_differences(
    case: dict[str, object], rng: np.random.Generator, conv_route: str
) -> None:
    kwargs = {k: v for k, v in case.items() if k != "kernel"}
    x = rng.standard_normal(_arrange(_spatial(case, 5), 2, case["data_format"]))  # type: ignore[arg-type]
    kernel = rng.standard_normal((*case["kernel"], 2, 3))  # type: ignore[misc]
    bias = rng.standard_normal(3)

    def forward(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
        out = conv(x, kernel, **kwargs)  # type: ignore[arg-type]
        axis = 1 if case["data_format"] == "channels_first" else -1
        return out + np.expand_dims(bias, [a for a in range(out.ndim) if a != axis % out.ndim])

    def vjp(g: np.ndarray, x: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> tuple:
        return tuple(conv_vjp(g, x, kernel, bias, **kwargs))  # type: ignore[arg-type]

    assert_vjp_matches_numerical(forward, vjp, [x, kernel, bias], rng)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("output_padding", [None, 0])
def test_conv_transpose_vjp_matches_finite_differences(
    case: dict[str, object], output_padding: int | None, rng: np.random.Generator, conv_route: str
) -> None:
    kwargs = {k: v for k, v in case.items() if k != "kernel"}
    x = rng.standard_normal(_arrange(_spatial(case, 3), 3, case["data_format"]))  # type: ignore[arg-type]
    kernel = rng.standard_normal((*case["kernel"], 2, 3))  # type: ignore[misc]
    bias = rng.standard_normal(2)
    if output_padding is not None and case["padding"] == "same" and case["kernel"][0] % 2 == 0:  # type: ignore[index]
        output_padding = 1  # an even 'same' kernel with output_padding 0 shrinks 3 -> 4 only

    def forward(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
        out = conv_transpose(x, kernel, output_padding=output_padding, **kwargs)  # type: ignore[arg-type]
        axis = 1 if case["data_format"] == "channels_first" else -1
        return out + np.expand_dims(bias, [a for a in range(out.ndim) if a != axis % out.ndim])

    def vjp(g: np.ndarray, x: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> tuple:
        return tuple(
            conv_transpose_vjp(g, x, kernel, bias, output_padding=output_padding, **kwargs)  # type: ignore[arg-type]
        )

    assert_vjp_matches_numerical(forward, vjp, [x, kernel, bias], rng)


def test_bias_gradient_is_only_returned_with_a_bias(rng: np.random.Generator) -> None:
    x = rng.standard_normal((1, 4, 4, 2)).astype(np.float32)
    kernel = rng.standard_normal((3, 3, 2, 2)).astype(np.float32)
    grads = conv_vjp(np.ones((1, 4, 4, 2), np.float32), x, kernel, padding="same")
    assert grads.bias is None
    with_bias = conv_vjp(np.ones((1, 4, 4, 2), np.float32), x, kernel, np.zeros(2), padding="same")
    np.testing.assert_allclose(with_bias.bias, [16.0, 16.0])


def test_float32_in_float32_out(rng: np.random.Generator) -> None:
    x = rng.standard_normal((1, 6, 6, 2)).astype(np.float32)
    kernel = rng.standard_normal((3, 3, 2, 2)).astype(np.float32)
    assert conv(x, kernel).dtype == np.float32
    assert conv_transpose(x, kernel, strides=2).dtype == np.float32
    assert conv(x.astype(np.int64), kernel).dtype == np.float32


def _all_maps(x: np.ndarray, kernel: np.ndarray) -> list[np.ndarray]:
    y = conv(x, kernel, strides=2, padding="same")
    up = conv_transpose(y, kernel, strides=2, padding="same")
    return [
        y,
        up,
        *conv_vjp(y, x, kernel, strides=2, padding="same")[:2],
        *conv_transpose_vjp(up, y, kernel, strides=2, padding="same")[:2],
    ]


@contextlib.contextmanager
def _chunks_of(nbytes: int) -> Iterator[None]:
    """Plan kernels with chunks of `nbytes` of patches (instead of about 1 MiB)."""
    plans = (conv_ops._wide_plan, conv_ops._row_plan, conv_ops._narrow_plan)
    default = tuning.CONV_CHUNK_BYTES
    try:
        tuning.CONV_CHUNK_BYTES = nbytes
        for plan in plans:
            plan.cache_clear()
        yield
    finally:
        tuning.CONV_CHUNK_BYTES = default
        for plan in plans:
            plan.cache_clear()


def test_splitting_into_blocks_does_not_change_the_numbers(rng: np.random.Generator) -> None:
    """Chunking (and the threads that run the chunks) must not change any result."""
    x = rng.standard_normal((3, 70, 33, 5)).astype(np.float32)
    kernel = rng.standard_normal((3, 3, 5, 5)).astype(np.float32)
    whole = _all_maps(x, kernel)
    with _chunks_of(1 << 12):
        chunked = _all_maps(x, kernel)
    for a, b in zip(chunked, whole, strict=True):
        # Sums are regrouped, so agreement is to float32 rounding of the largest terms.
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5 * np.abs(b).max())


def _shifted_sums(
    x: np.ndarray, kernel: np.ndarray, grad: np.ndarray, dilation: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """A 'same' 2-D convolution and its kernel gradient, one shifted slice per tap (float64)."""
    (kh, kw), (dh, dw) = kernel.shape[:2], dilation
    top, left = (kh - 1) * dh // 2, (kw - 1) * dw // 2
    padded = np.pad(
        x.astype(np.float64),
        [(0, 0), (top, (kh - 1) * dh - top), (left, (kw - 1) * dw - left), (0, 0)],
    )
    height, width = x.shape[1:3]
    y = np.zeros((*x.shape[:3], kernel.shape[-1]))
    dkernel = np.zeros(kernel.shape)
    for i, j in itertools.product(range(kh), range(kw)):
        window = padded[:, i * dh : i * dh + height, j * dw : j * dw + width]
        y += window @ kernel[i, j]
        dkernel[i, j] = np.einsum("nhwc,nhwf->cf", window, grad)
    return y, dkernel


@pytest.mark.parametrize("chunk_bytes", [1 << 20, 1 << 12])
@pytest.mark.parametrize("dilation", [(1, 1), (2, 1)])
def test_stride_one_kernels_reuse_patches_across_the_first_axis_taps(
    rng: np.random.Generator, chunk_bytes: int, dilation: tuple[int, int], conv_route: str
) -> None:
    """Stride 1 along rows: patches of the column taps are shared by every row tap.

    Whole items per chunk and a few rows per chunk (with the halo of rows the
    row taps read, zero-padded at the borders) give the plain sums; so does the
    flat-shift route (one matmul per tap on shifted rows of the padded batch).
    """
    x = rng.standard_normal((3, 40, 21, 6)).astype(np.float32)
    kernel = rng.standard_normal((3, 3, 6, 4)).astype(np.float32)
    grad = rng.standard_normal((3, 40, 21, 4)).astype(np.float32)
    y_expected, dkernel_expected = _shifted_sums(x, kernel, grad, dilation)
    with _chunks_of(chunk_bytes):
        y = conv(x, kernel, padding="same", dilation_rate=dilation)
        dkernel = conv_vjp(grad, x, kernel, padding="same", dilation_rate=dilation).kernel
    np.testing.assert_allclose(y, y_expected, rtol=0, atol=1e-5 * np.abs(y_expected).max())
    np.testing.assert_allclose(
        dkernel, dkernel_expected, rtol=0, atol=1e-5 * np.abs(dkernel_expected).max()
    )


@pytest.mark.parametrize(("channels_in", "channels_out"), [(6, 1), (1, 4), (1, 1)])
@pytest.mark.parametrize("dilation", [(1, 1), (1, 2)])
def test_stride_one_kernels_from_or_into_one_channel(
    rng: np.random.Generator,
    channels_in: int,
    channels_out: int,
    dilation: tuple[int, int],
    conv_route: str,
) -> None:
    """One-channel sides gather tap-major; into one channel, the kernel gradient is computed
    through the transposed geometry (gathering the gradient instead of the input)."""
    x = rng.standard_normal((3, 17, 12, channels_in)).astype(np.float32)
    kernel = rng.standard_normal((3, 3, channels_in, channels_out)).astype(np.float32)
    grad = rng.standard_normal((3, 17, 12, channels_out)).astype(np.float32)
    y_expected, dkernel_expected = _shifted_sums(x, kernel, grad, dilation)
    y = conv(x, kernel, padding="same", dilation_rate=dilation)
    dkernel = conv_vjp(grad, x, kernel, padding="same", dilation_rate=dilation).kernel
    np.testing.assert_allclose(y, y_expected, rtol=0, atol=1e-5 * np.abs(y_expected).max())
    np.testing.assert_allclose(
        dkernel, dkernel_expected, rtol=0, atol=1e-5 * np.abs(dkernel_expected).max()
    )
    assert dkernel.flags.c_contiguous


def _correlation_reference(x: np.ndarray, kernel: np.ndarray, geo: ConvGeometry) -> np.ndarray:
    """A stride-1 correlation by shifted slices of the zero-padded input."""
    padded = np.pad(x, [(0, 0), *zip(geo.pad_before, geo.pad_after), (0, 0)])
    y = np.zeros((x.shape[0], *geo.narrow, kernel.shape[-1]))
    for tap in itertools.product(*(range(k) for k in geo.kernel_size)):
        window = tuple(
            slice(t * d, t * d + n) for t, d, n in zip(tap, geo.dilation, geo.narrow, strict=True)
        )
        y += padded[(slice(None), *window)] @ kernel[tap]
    return y


@pytest.mark.parametrize("seed", range(20))
def test_into_one_channel_in_chunks_matches_the_shifted_sums(seed: int) -> None:
    """Stride-1 correlations into one channel (one matmul, then shifted window sums) over
    chunks of one or two items, a partial last one included, in 1 to 3 dimensions."""
    rng = np.random.default_rng(seed)
    ndim = int(rng.integers(1, 4))
    kernel_size = tuple(int(k) for k in rng.integers(1, 4, ndim))
    dilation = tuple(int(d) for d in rng.integers(1, 3, ndim))
    geo = conv_geometry(
        tuple((k - 1) * d + int(rng.integers(1, 6)) for k, d in zip(kernel_size, dilation)),
        kernel_size=kernel_size,
        strides=(1,) * ndim,
        padding=str(rng.choice(["valid", "same"])),  # type: ignore[arg-type]
        dilation=dilation,
    )
    channels = int(rng.integers(2, 7))
    x = rng.standard_normal((5, *geo.wide, channels))
    kernel = rng.standard_normal((*geo.kernel_size, channels, 1))
    item = x[0].nbytes
    with _one_channel_chunks_of(item * int(rng.integers(1, 3))):
        y = conv_ops._correlate(x, kernel, geo)
    np.testing.assert_allclose(y, _correlation_reference(x, kernel, geo), rtol=0, atol=1e-12)


@contextlib.contextmanager
def _one_channel_chunks_of(nbytes: int) -> Iterator[None]:
    default = tuning.ONE_CHANNEL_CHUNK_BYTES
    try:
        tuning.ONE_CHANNEL_CHUNK_BYTES = nbytes
        yield
    finally:
        tuning.ONE_CHANNEL_CHUNK_BYTES = default


def test_gradients_accept_views_that_are_not_contiguous(rng: np.random.Generator) -> None:
    """A slice of the channel axis (a grouped layer's share) is a valid `grad`."""
    kernel = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    x = rng.standard_normal((2, 6, 6, 3)).astype(np.float32)
    wide_grad = rng.standard_normal((2, 4, 4, 8)).astype(np.float32)[..., :4]
    narrow_grad = rng.standard_normal((2, 8, 8, 6)).astype(np.float32)[..., :3]
    y = rng.standard_normal((2, 6, 6, 4)).astype(np.float32)
    for got, expected in (
        (conv_vjp(wide_grad, x, kernel), conv_vjp(wide_grad.copy(), x, kernel)),
        (
            conv_transpose_vjp(narrow_grad, y, kernel),
            conv_transpose_vjp(narrow_grad.copy(), y, kernel),
        ),
    ):
        np.testing.assert_array_equal(got.inputs, expected.inputs)
        np.testing.assert_array_equal(got.kernel, expected.kernel)


def _stride_one_sums(
    x: np.ndarray, kernel: np.ndarray, g: np.ndarray, geo: ConvGeometry
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A stride-1 convolution, its input and kernel gradients: one shifted window per tap."""
    pads = [(0, 0), *zip(geo.pad_before, geo.pad_after), (0, 0)]
    padded = np.pad(x.astype(np.float64), pads)
    y = np.zeros((x.shape[0], *geo.narrow, kernel.shape[-1]))
    dpadded = np.zeros_like(padded)
    dkernel = np.zeros(kernel.shape)
    for tap in itertools.product(*(range(k) for k in geo.kernel_size)):
        window = (
            slice(None),
            *(slice(t * d, t * d + n) for t, d, n in zip(tap, geo.dilation, geo.narrow)),
        )
        y += padded[window] @ kernel[tap]
        dpadded[window] += g @ kernel[tap].T
        dkernel[tap] = np.tensordot(padded[window], g, axes=(range(geo.ndim + 1),) * 2)
    interior = (slice(None), *(slice(p, p + n) for p, n in zip(geo.pad_before, geo.wide)))
    return y, dpadded[interior], dkernel


def _flat_shift_problems(rng: np.random.Generator, count: int) -> list[dict[str, object]]:
    cases = []
    while len(cases) < count:
        ndim = int(rng.integers(1, 4))
        case = dict(
            kernel=tuple(int(k) for k in rng.integers(1, 4, ndim)),
            dilation=tuple(int(d) for d in rng.integers(1, 3, ndim)),
            padding=str(rng.choice(["valid", "same"])),
            spatial=tuple(int(n) for n in rng.integers(3, 8 if ndim < 3 else 5, ndim)),
            channels=(int(rng.integers(2, 6)), int(rng.integers(1, 6))),
        )
        reach = [(k - 1) * d + 1 for k, d in zip(case["kernel"], case["dilation"])]  # type: ignore[call-overload]
        if case["padding"] == "same" or all(r <= n for r, n in zip(reach, case["spatial"])):  # type: ignore[call-overload]
            cases.append(case)
    return cases


@pytest.mark.parametrize("case", _flat_shift_problems(np.random.default_rng(21), 30), ids=str)
def test_flat_shift_route_gives_the_shifted_sums(
    case: dict[str, object], rng: np.random.Generator
) -> None:
    """Every map of a small stride-1 problem on the flat-shift route against the naive sums."""
    geo = conv_geometry(
        case["spatial"],  # type: ignore[arg-type]
        kernel_size=case["kernel"],  # type: ignore[arg-type]
        strides=(1,) * len(case["kernel"]),  # type: ignore[arg-type]
        padding=case["padding"],  # type: ignore[arg-type]
        dilation=case["dilation"],  # type: ignore[arg-type]
    )
    a, b = case["channels"]  # type: ignore[misc]
    assert _flat_shift.applies(geo, 2, max(a, b), 4)
    x = rng.standard_normal((2, *geo.wide, a)).astype(np.float32)
    kernel = rng.standard_normal((*geo.kernel_size, a, b)).astype(np.float32)
    g = rng.standard_normal((2, *geo.narrow, b)).astype(np.float32)
    expected, expected_dx, expected_dk = _stride_one_sums(x, kernel, g, geo)
    for ours, want in [
        (_flat_shift.correlate(x, kernel, geo), expected),
        (_flat_shift.correlate_adjoint(g, kernel, geo), expected_dx),
        (_flat_shift.correlate_kernel_grad(x, g, geo), expected_dk),
    ]:
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours, want, rtol=0, atol=1e-5 * max(np.abs(want).max(), 1))
