"""Per-phase DC gains against the phase means of the actual transposed convolution."""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import pytest

from analysis.geometries import layer_arguments, one_axis, several_axes
from upsample.analysis import dc_imbalance, layer_phase_dc_gains, overlap_map, phase_dc_gains
from upsample.layers import Conv2DTranspose
from upsample.ops import conv_transpose


def interior_phase_values(geometry: dict[str, Any], kernel: np.ndarray) -> np.ndarray:
    """Run conv_transpose on ones; read the interior outputs of each phase: ``(*strides, out)``."""
    rank = len(geometry["strides"])
    long = {**geometry, "input_shape": (12,) * rank}
    ones = np.ones((1, *long["input_shape"], kernel.shape[-1]))
    out = conv_transpose(ones, kernel, **layer_arguments(long))[0]
    overlap = overlap_map(
        long["input_shape"], kernel_size=kernel.shape[:-2], **layer_arguments(long)
    )
    values = np.empty((*geometry["strides"], kernel.shape[-2]))
    for phase in np.ndindex(*geometry["strides"]):
        of_phase = functools.reduce(
            np.logical_and.outer,
            [np.arange(n) % s == a for n, s, a in zip(out.shape[:-1], geometry["strides"], phase)],
        )
        found = out[of_phase & overlap.interior]
        assert len(found) > 0, "every phase has an interior output on 12 pixels"
        # Every interior output of a phase is the same.
        np.testing.assert_allclose(found, np.broadcast_to(found[0], found.shape), atol=1e-12)
        values[phase] = found[0]
    return values


def test_gains_are_the_interior_outputs_for_ones(rng: np.random.Generator) -> None:
    for geometry in [*one_axis(), *several_axes(rng, 30)]:
        kernel = rng.standard_normal((*geometry["kernel_size"], 3, 2))
        gains = phase_dc_gains(kernel, **layer_arguments(geometry))
        np.testing.assert_allclose(
            gains, interior_phase_values(geometry, kernel), atol=1e-12, err_msg=str(geometry)
        )


def test_gains_by_hand() -> None:
    """k3 s2 'same': output 0 (phase 0) gets taps 0 and 2, phase 1 tap 1 (crop 0 at the start)."""
    kernel = np.array([1.0, 10.0, 100.0]).reshape(3, 1, 1)
    np.testing.assert_array_equal(
        phase_dc_gains(kernel, strides=2, padding="same")[:, 0], [101.0, 10.0]
    )
    # 'valid' with k4 s2: taps 0, 2 and 1, 3.
    kernel = np.array([1.0, 2.0, 4.0, 8.0]).reshape(4, 1, 1)
    np.testing.assert_array_equal(phase_dc_gains(kernel, strides=2)[:, 0], [5.0, 10.0])


def test_input_channels_add_up() -> None:
    kernel = np.zeros((1, 1, 2, 3))
    kernel[0, 0, 1] = [1.0, 2.0, 3.0]
    np.testing.assert_array_equal(phase_dc_gains(kernel)[0, 0], [0.0, 6.0])


@pytest.mark.parametrize("stride", [2, 3])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_icnr_kernels_constant_over_stride_blocks_have_equal_gains(
    rng: np.random.Generator, stride: int, padding: str
) -> None:
    """ICNR for a transposed convolution repeats a small kernel over s x s blocks."""
    w0 = rng.standard_normal((2, 2, 4, 3))
    kernel = np.repeat(np.repeat(w0, stride, axis=0), stride, axis=1)
    gains = phase_dc_gains(kernel, strides=stride, padding=padding)
    np.testing.assert_allclose(
        gains, np.broadcast_to(w0.sum(axis=(0, 1, 3)), gains.shape), atol=1e-12
    )
    np.testing.assert_allclose(dc_imbalance(gains), 0.0, atol=1e-12)


def test_random_three_by_three_stride_two_is_unbalanced(rng: np.random.Generator) -> None:
    kernel = rng.uniform(0.5, 1.5, (3, 3, 4, 4))
    assert (dc_imbalance(phase_dc_gains(kernel, strides=2, padding="same")) > 0.1).all()


def test_imbalance_is_std_over_mean_abs() -> None:
    """Gains 1 and 3 in one channel: std 1, mean 2; -1 and -3: the same; flat gains: 0."""
    gains = np.array([[1.0, -1.0, 2.0], [3.0, -3.0, 2.0]])
    np.testing.assert_allclose(dc_imbalance(gains), [0.5, 0.5, 0.0])


def test_zero_mean_gains_are_an_infinite_imbalance_and_zero_gains_none() -> None:
    gains = np.array([[1.0, 0.0, 1.0], [-1.0, 0.0, -1.0 + 1e-9]])
    scores = dc_imbalance(gains)
    assert scores[0] == math.inf
    assert scores[1] == 0.0
    assert scores[2] == math.inf  # |mean| = 5e-10, below a millionth of the largest gain


def test_layer_gains_read_the_layer_kernel(rng: np.random.Generator) -> None:
    layer = Conv2DTranspose(3, 3, strides=2, padding="same")
    layer.build((None, 4, 4, 2))
    kernel = rng.standard_normal((3, 3, 3, 2))
    layer.set_weights([kernel, np.zeros(3)])
    expected = phase_dc_gains(kernel.astype(np.float32), strides=2, padding="same")
    np.testing.assert_allclose(layer_phase_dc_gains(layer), expected)


@pytest.mark.parametrize(
    ("kernel", "arguments", "error", "message"),
    [
        (np.ones((3, 1)), {}, ValueError, r"kernel.shape=\(3, 1\)"),
        (np.array([["a"]]), {}, TypeError, "dtype=<U1"),
        (np.full((3, 1, 1), np.nan), {}, ValueError, "NaN"),
        (np.ones((3, 1, 1)), {"strides": 2, "output_padding": 2}, ValueError, "output_padding"),
        (np.ones((3, 1, 1)), {"padding": "full"}, ValueError, "padding='full'"),
        (np.ones((3, 3, 1, 1)), {"strides": (2, 2, 2)}, ValueError, r"strides=\(2, 2, 2\)"),
    ],
)
def test_bad_kernels_and_arguments_are_named(
    kernel: np.ndarray, arguments: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        phase_dc_gains(kernel, **arguments)


def test_bad_gains_are_named() -> None:
    with pytest.raises(ValueError, match=r"gains.shape=\(3,\)"):
        dc_imbalance(np.ones(3))


def test_layer_gains_refuse_other_layers_and_unbuilt_ones() -> None:
    from upsample.layers import UpSampling2D

    with pytest.raises(TypeError, match="layer=<UpSampling2D"):
        layer_phase_dc_gains(UpSampling2D())
    with pytest.raises(ValueError, match=r"'conv2d_transpose.*' is not built"):
        layer_phase_dc_gains(Conv2DTranspose(1, 3))
