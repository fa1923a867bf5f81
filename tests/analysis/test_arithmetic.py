"""The explainer's arithmetic: shapes, the zero-inserted view and the scatter view."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from analysis.geometries import layer_arguments, one_axis, several_axes
from upsample.analysis import (
    conv_transpose_arithmetic,
    overlap_map,
    scatter_map,
    zero_inserted_input,
)
from upsample.ops import conv, conv_transpose


def axes_of(geometry: dict[str, Any]) -> Any:
    return conv_transpose_arithmetic(
        geometry["input_shape"], kernel_size=geometry["kernel_size"], **layer_arguments(geometry)
    )


def test_output_lengths_follow_relationship_14_and_keras() -> None:
    """o = s(i - 1) + k^ - crops, and the op's output has that length."""
    for geometry in one_axis():
        (axis,) = axes_of(geometry)
        x = np.ones((1, axis.input_length, 1))
        kernel = np.ones((axis.kernel_size, 1, 1))
        length = conv_transpose(x, kernel, **layer_arguments(geometry)).shape[1]
        assert axis.output_length == length
        k_hat = axis.dilation * (axis.kernel_size - 1) + 1
        assert (
            axis.output_length
            == axis.stride * (axis.input_length - 1) + k_hat - axis.crop_start - axis.crop_end
        )
        assert axis.relationship().endswith(f"= {length}")
        assert axis.keras_rule().endswith(f"= {length}")


def test_keras_rules_by_hand() -> None:
    (same,) = conv_transpose_arithmetic(4, kernel_size=3, strides=2, padding="same")
    assert same.keras_rule() == "'same', no output_padding: o = i*s = 4*2 = 8"
    assert (same.crop_start, same.crop_end, same.scatter_length) == (0, 1, 9)
    (valid,) = conv_transpose_arithmetic(4, kernel_size=1, strides=2)
    assert (
        valid.keras_rule() == "'valid', no output_padding: o = (i - 1)*s + max(k^, s) = 3*2 + 2 = 8"
    )
    (padded,) = conv_transpose_arithmetic(4, kernel_size=3, strides=2, output_padding=1)
    assert padded.keras_rule().endswith("= 3*2 + 3 + 1 = 10")
    (dilated,) = conv_transpose_arithmetic(
        4, kernel_size=3, dilation_rate=2, padding="same", output_padding=0
    )
    assert dilated.kernel_extent == 5
    assert dilated.keras_rule().endswith("= 3*1 + 1 + 0 = 4")


def test_zero_inserted_view_by_hand() -> None:
    """k3 s2 'same' on 4 pixels: 2 zeros before, a zero between pixels, 1 after."""
    axes = conv_transpose_arithmetic(4, kernel_size=3, strides=2, padding="same")
    np.testing.assert_array_equal(zero_inserted_input(axes), [0, 0, 1, 0, 2, 0, 3, 0, 4, 0])
    # k2 s2 'valid' on 2x2: 4x4 outputs, so 4 + 2 - 1 = 5 rows: a zero at each end.
    grid = zero_inserted_input(conv_transpose_arithmetic((2, 2), kernel_size=2, strides=2))
    zeros = [0, 0, 0, 0, 0]
    np.testing.assert_array_equal(grid, [zeros, [0, 1, 0, 2, 0], zeros, [0, 3, 0, 4, 0], zeros])


def _stride_one_view(geometry: dict[str, Any], x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Relationship 14's view: the zero-inserted input, stride-1 convolved, kernel flipped."""
    axes = axes_of(geometry)
    labels = zero_inserted_input(axes)
    values = np.concatenate([[0.0], x.ravel()])[labels]
    flipped = kernel[tuple(slice(None, None, -1) for _ in axes)]
    # `conv` takes (in, out); the transposed kernel is (out, in): one channel each here.
    dilation = tuple(axis.dilation for axis in axes)
    return conv(values[None, ..., None], flipped, dilation_rate=dilation)[0, ..., 0]


def test_zero_inserted_view_gives_the_transposed_convolution(rng: np.random.Generator) -> None:
    geometries = [*one_axis(), *several_axes(rng, 30)]
    for geometry in geometries:
        x = rng.standard_normal(geometry["input_shape"])
        kernel = rng.standard_normal((*geometry["kernel_size"], 1, 1))
        expected = conv_transpose(x[None, ..., None], kernel, **layer_arguments(geometry))[
            0, ..., 0
        ]
        np.testing.assert_allclose(
            _stride_one_view(geometry, x, kernel), expected, atol=1e-12, err_msg=str(geometry)
        )


def test_scatter_view_gives_the_overlap_and_the_transposed_convolution(
    rng: np.random.Generator,
) -> None:
    for geometry in [*one_axis(), *several_axes(rng, 30)]:
        axes = axes_of(geometry)
        taps = scatter_map(axes)
        rank = len(axes)
        overlap = overlap_map(
            geometry["input_shape"],
            kernel_size=geometry["kernel_size"],
            **layer_arguments(geometry),
        )
        np.testing.assert_array_equal((taps > 0).sum(axis=tuple(range(rank))), overlap.counts)
        x = rng.standard_normal(geometry["input_shape"])
        kernel = rng.standard_normal(geometry["kernel_size"])
        weights = np.concatenate([[0.0], kernel.ravel()])[taps]
        painted = np.tensordot(x, weights, axes=rank)
        expected = conv_transpose(
            x[None, ..., None], kernel[..., None, None], **layer_arguments(geometry)
        )
        np.testing.assert_allclose(painted, expected[0, ..., 0], atol=1e-12, err_msg=str(geometry))


def test_scatter_lists_cropped_positions() -> None:
    (axis,) = conv_transpose_arithmetic(4, kernel_size=3, strides=2, padding="same")
    assert axis.scatter()[0] == [(0, 0), (1, 1), (2, 2)]
    assert axis.scatter()[3] == [(6, 0), (7, 1), (8, 2)]  # 8 is past the 8 outputs: cropped


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match=r"strides=\(2, 0\)"):
        conv_transpose_arithmetic((4, 4), kernel_size=3, strides=(2, 0))
    with pytest.raises(ValueError, match="padding='causal'"):
        conv_transpose_arithmetic(4, kernel_size=3, padding="causal")
