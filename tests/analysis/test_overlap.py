"""Overlap maps against brute force: an all-ones kernel scattering ones IS the overlap map."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from analysis.geometries import layer_arguments, one_axis, several_axes
from upsample.analysis import layer_overlap, overlap_map
from upsample.layers import Conv2DTranspose
from upsample.ops import conv_transpose


def brute_force(geometry: dict[str, Any]) -> np.ndarray:
    """Scatter ones through an all-ones kernel: the output counts the taps at each position."""
    ones = np.ones((1, *geometry["input_shape"], 1))
    kernel = np.ones((*geometry["kernel_size"], 1, 1))
    return conv_transpose(ones, kernel, **layer_arguments(geometry))[0, ..., 0]


def overlap_of(geometry: dict[str, Any]) -> Any:
    return overlap_map(
        geometry["input_shape"], kernel_size=geometry["kernel_size"], **layer_arguments(geometry)
    )


def test_every_small_one_axis_geometry_matches_brute_force() -> None:
    checked = 0
    for geometry in one_axis():
        np.testing.assert_array_equal(
            overlap_of(geometry).counts, brute_force(geometry), str(geometry)
        )
        checked += 1
    assert checked > 500


def test_random_two_and_three_axis_geometries_match_brute_force(rng: np.random.Generator) -> None:
    for geometry in several_axes(rng, 40):
        np.testing.assert_array_equal(
            overlap_of(geometry).counts, brute_force(geometry), str(geometry)
        )


def test_phase_counts_are_the_counts_of_a_long_input() -> None:
    """Away from the borders of a long input every output of a phase has the phase's count."""
    for geometry in one_axis():
        k, s, d = geometry["kernel_size"][0], geometry["strides"][0], geometry["dilation_rate"][0]
        long = {**geometry, "input_shape": (40,)}
        counts = brute_force(long)
        middle = np.arange(2 * k * d, len(counts) - 2 * k * d)
        overlap = overlap_of(geometry)
        np.testing.assert_array_equal(
            counts[middle], overlap.phase_counts[middle % s], str(geometry)
        )


def test_interior_is_where_the_count_reaches_its_phase_count(rng: np.random.Generator) -> None:
    for geometry in several_axes(rng, 20):
        overlap = overlap_of(geometry)
        strides = geometry["strides"]
        expected = overlap.phase_counts[
            np.ix_(*[np.arange(n) % s for n, s in zip(overlap.counts.shape, strides)])
        ]
        np.testing.assert_array_equal(overlap.interior, overlap.counts == expected)


def test_three_by_three_stride_two_is_four_times_uneven_in_two_dimensions() -> None:
    """Odena et al.: twice as many inputs for some outputs per axis, a factor of four in 2-D."""
    overlap = overlap_map((6, 6), kernel_size=3, strides=2, padding="same")
    np.testing.assert_array_equal(overlap.axes[0].phase_counts, [2, 1])
    np.testing.assert_array_equal(overlap.phase_counts, [[4, 2], [2, 1]])
    assert overlap.imbalance == 4.0
    assert overlap_map(6, kernel_size=3, strides=2).imbalance == 2.0


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_four_by_four_stride_two_is_balanced(padding: str) -> None:
    overlap = overlap_map((5, 5), kernel_size=4, strides=2, padding=padding)
    np.testing.assert_array_equal(overlap.phase_counts, [[4, 4], [4, 4]])
    assert overlap.imbalance == 1.0


def test_three_by_three_same_stride_two_by_hand() -> None:
    """Keras crops nothing at the start: output 0 gets tap 0 of input 0 only; output 1 tap 1."""
    overlap = overlap_map(4, kernel_size=3, strides=2, padding="same")
    np.testing.assert_array_equal(overlap.counts, [1, 1, 2, 1, 2, 1, 2, 1])
    np.testing.assert_array_equal(overlap.axes[0].interior, [0, 1, 1, 1, 1, 1, 1, 1])


def test_a_phase_without_taps_is_an_infinite_imbalance() -> None:
    """A 1x1 stride-2 kernel inserts zeros (seed 001); dilation 2 with stride 2 skips odd phases."""
    assert overlap_map(3, kernel_size=1, strides=2).imbalance == math.inf
    overlap = overlap_map(3, kernel_size=3, strides=2, dilation_rate=2)
    np.testing.assert_array_equal(overlap.phase_counts, [3, 0])
    assert overlap.imbalance == math.inf


def test_layer_overlap_reads_the_layer_geometry() -> None:
    layer = Conv2DTranspose(2, (3, 4), strides=(2, 2), padding="same")
    layer.build((None, 5, 5, 3))
    expected = overlap_map((5, 5), kernel_size=(3, 4), strides=2, padding="same")
    np.testing.assert_array_equal(layer_overlap(layer, (5, 5)).counts, expected.counts)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"input_shape": 0, "kernel_size": 3}, "input_shape=0"),
        ({"input_shape": (4, 4, 4, 4), "kernel_size": 3}, "input_shape=(4, 4, 4, 4)"),
        ({"input_shape": "4", "kernel_size": 3}, "input_shape='4'"),
        ({"input_shape": (4, 4), "kernel_size": (3, 3, 3)}, "kernel_size=(3, 3, 3)"),
        ({"input_shape": 4, "kernel_size": 3, "strides": 0}, "strides=0"),
        ({"input_shape": 4, "kernel_size": 3, "padding": "full"}, "padding='full'"),
        (
            {"input_shape": 4, "kernel_size": 3, "strides": 2, "output_padding": 2},
            "output_padding=(2,)",
        ),
        ({"input_shape": 4, "kernel_size": 3, "dilation_rate": -1}, "dilation_rate=-1"),
        (
            {
                "input_shape": 1,
                "kernel_size": 2,
                "strides": 2,
                "padding": "same",
                "output_padding": 0,
            },
            "empty output",
        ),
    ],
)
def test_bad_geometry_is_named(arguments: dict[str, Any], message: str) -> None:
    shape = arguments.pop("input_shape")
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        overlap_map(shape, **arguments)


def test_layer_overlap_refuses_other_layers() -> None:
    from upsample.layers import Conv2D

    with pytest.raises(TypeError, match="Conv2DTranspose"):
        layer_overlap(Conv2D(1, 3), (4, 4))
    with pytest.raises(ValueError, match="not built"):
        layer_overlap(Conv2DTranspose(1, 3), (4, 4))
