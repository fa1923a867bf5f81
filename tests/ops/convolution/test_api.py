"""The public convolution kernels: gradients (finite differences), layouts, dtypes, arguments.

The hand-computed examples and the adjoint identity are in test_reference.py;
every fast route against the reference in test_routes.py.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from support.gradcheck import assert_vjp_matches_numerical
from upsample.ops.convolution import conv, conv_transpose, conv_transpose_vjp, conv_vjp
from upsample.ops.shapes import conv_geometry, conv_transpose_geometry, unit_stride_transpose

ROUTES = ["reference", None]  # None: the route table's choice


def test_same_padding_doubles_exactly_with_a_three_by_three_kernel() -> None:
    """Seed 001/003: a 3x3 kernel with strides 2 would give 11x11 from 5x5; 'same' gives 10x10."""
    x = np.ones((1, 5, 5, 128), np.float32)
    kernel = np.ones((3, 3, 1, 128), np.float32)
    assert conv_transpose(x, kernel, strides=2, padding="valid").shape == (1, 11, 11, 1)
    assert conv_transpose(x, kernel, strides=2, padding="same").shape == (1, 10, 10, 1)


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
@pytest.mark.parametrize("route", ROUTES)
def test_conv_vjp_matches_finite_differences(
    case: dict[str, object], route: str | None, rng: np.random.Generator
) -> None:
    kwargs = {**{k: v for k, v in case.items() if k != "kernel"}, "route": route}
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
@pytest.mark.parametrize("route", ROUTES)
def test_conv_transpose_vjp_matches_finite_differences(
    case: dict[str, object], output_padding: int | None, route: str | None, rng: np.random.Generator
) -> None:
    kwargs = {**{k: v for k, v in case.items() if k != "kernel"}, "route": route}
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
