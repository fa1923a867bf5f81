"""ICNR and BilinearUpsampling: the properties that define them, configs and errors.

The proofs are exact: the inner initializer draws multiples of 1/8 and the
inputs are multiples of 1/4 (in float64), so every sum is exact whatever the
order of summation, and "equal" means equal bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from support.layer_checks import assert_config_round_trip
from upsample import initializers
from upsample.initializers import ICNR, BilinearUpsampling, GlorotUniform, HeNormal, Initializer
from upsample.layers import (
    Conv1DTranspose,
    Conv2DTranspose,
    Conv3DTranspose,
    SubPixelConv1D,
    SubPixelConv2D,
    SubPixelConv3D,
)
from upsample.ops import conv, conv_transpose, upsample

SUB_PIXEL = {1: SubPixelConv1D, 2: SubPixelConv2D, 3: SubPixelConv3D}
TRANSPOSE = {1: Conv1DTranspose, 2: Conv2DTranspose, 3: Conv3DTranspose}


class Dyadic(Initializer):
    """Multiples of 1/8 in [-1, 1]: products and sums of them are exact in float64."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def __call__(self, shape: int | Sequence[int], dtype: Any = None) -> np.ndarray:
        rng = np.random.default_rng(self.seed)
        return (rng.integers(-8, 9, shape) / 8).astype(dtype or "float64")

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed}


def dyadic_inputs(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.integers(-8, 9, shape) / 4


def scales(rank: int) -> list[tuple[int, ...]]:
    """2, 3 and 4 along every axis, and one factor per axis."""
    return [(2,) * rank, (3,) * rank, (4,) * rank, (3, 2, 1)[:rank] if rank > 1 else (3,)]


SUB_PIXEL_CASES = [
    (rank, scale, order) for rank in (1, 2, 3) for scale in scales(rank) for order in ("DCR", "CRD")
]


def shared_sub_kernel(kernel: np.ndarray, phases: int, order: str) -> np.ndarray:
    """The sub-kernel of output phase 0 (channels 0..C-1 for DCR, every P-th for CRD)."""
    filters = kernel.shape[-1] // phases
    return kernel[..., :filters] if order == "DCR" else kernel[..., ::phases]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize(("rank", "scale", "order"), SUB_PIXEL_CASES)
def test_icnr_sub_pixel_convolution_is_a_convolution_then_nearest_upsampling(
    rank: int, scale: tuple[int, ...], order: str, data_format: str, rng: np.random.Generator
) -> None:
    """Aitken et al. 2017's "convolution NN resize", exactly, at initialisation."""
    layer = SUB_PIXEL[rank](
        2,
        3,
        scale=scale,
        order=order,
        data_format=data_format,
        kernel_initializer=ICNR(scale, order, Dyadic(seed=rank)),
        dtype="float64",
    )
    x = dyadic_inputs(rng, (2, *(3, 4, 2)[:rank], 3))
    if data_format == "channels_first":
        x = np.moveaxis(x, -1, 1)
    y = layer(x)
    sub = shared_sub_kernel(layer.kernel.value, math.prod(scale), order)
    low_resolution = conv(x, sub, padding="same", data_format=data_format)
    expected = upsample(low_resolution, size=scale, data_format=data_format)
    np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize(("rank", "scale", "order"), SUB_PIXEL_CASES)
def test_icnr_copies_one_sub_kernel_to_every_phase(
    rank: int, scale: tuple[int, ...], order: str
) -> None:
    phases, filters = math.prod(scale), 3
    kernel = ICNR(scale, order, GlorotUniform(seed=1))((*(2,) * rank, 4, filters * phases))
    sub = shared_sub_kernel(kernel, phases, order)
    for phase in range(phases):
        channels = (
            np.arange(filters) + phase * filters
            if order == "DCR"
            else (np.arange(filters) * phases + phase)
        )
        np.testing.assert_array_equal(kernel[..., channels], sub)
    # The sub-kernel is what the inner initializer draws for its own shape.
    np.testing.assert_array_equal(sub, GlorotUniform(seed=1)((*(2,) * rank, 4, filters)))


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_without_icnr_or_with_the_other_order_the_phases_differ(
    scale: int, rng: np.random.Generator
) -> None:
    """The negative controls: a plain initializer, or ICNR laid out for the other order.

    The second is the mistake of using a PyTorch (CRD) ICNR with Keras's
    ``depth_to_space`` (DCR).
    """
    x = dyadic_inputs(rng, (1, 4, 4, 2))
    for initializer, order in [
        (Dyadic(), "DCR"),
        (ICNR(scale, "CRD", Dyadic()), "DCR"),
        (ICNR(scale, "DCR", Dyadic()), "CRD"),
    ]:
        kernel = initializer((3, 3, 2, 2 * scale * scale), "float64")
        layer = SubPixelConv2D(2, 3, scale=scale, order=order, dtype="float64")
        layer.build(x.shape)
        layer.set_weights([kernel, np.zeros(2 * scale * scale)])
        y = layer(x)
        nearest = upsample(y[:, ::scale, ::scale], size=scale)
        assert not np.array_equal(y, nearest)


TRANSPOSED_CASES = [(rank, scale) for rank in (1, 2, 3) for scale in scales(rank)]


@pytest.mark.parametrize(("rank", "scale"), TRANSPOSED_CASES)
def test_icnr_transposed_convolution_is_nearest_upsampling_of_a_stride_one_one(
    rank: int, scale: tuple[int, ...], rng: np.random.Generator
) -> None:
    kernel_size = tuple(2 * s for s in scale)
    layer = TRANSPOSE[rank](
        2,
        kernel_size,
        strides=scale,
        kernel_initializer=ICNR(scale, initializer=Dyadic(seed=rank), transposed=True),
        dtype="float64",
    )
    x = dyadic_inputs(rng, (2, *(3, 2, 2)[:rank], 3))
    y = layer(x)
    kernel = layer.kernel.value
    sub = kernel[tuple(slice(None, None, s) for s in scale)]
    blocks = sub
    for axis, s in enumerate(scale):
        blocks = np.repeat(blocks, s, axis=axis)
    np.testing.assert_array_equal(kernel, blocks)  # constant over every stride block
    expected = upsample(conv_transpose(x, sub, padding="valid"), size=scale)
    np.testing.assert_array_equal(y, expected)


def triangle(size: int) -> list[float]:
    """Hand-computed FCN filters."""
    return {
        4: [1 / 4, 3 / 4, 3 / 4, 1 / 4],  # f = 2, c = 1.5
        5: [1 / 3, 2 / 3, 1, 2 / 3, 1 / 3],  # f = 3, c = 2
        8: [1 / 8, 3 / 8, 5 / 8, 7 / 8, 7 / 8, 5 / 8, 3 / 8, 1 / 8],  # f = 4, c = 3.5
        3: [1 / 2, 1, 1 / 2],  # f = 2, c = 1
    }[size]


@pytest.mark.parametrize("size", [3, 4, 5, 8])
def test_bilinear_filters_by_hand(size: int) -> None:
    kernel = BilinearUpsampling()((size, size, 2, 2), "float64")
    expected = np.outer(triangle(size), triangle(size))
    np.testing.assert_allclose(kernel[..., 0, 0], expected, rtol=1e-15)
    np.testing.assert_allclose(kernel[..., 1, 1], expected, rtol=1e-15)
    assert not kernel[..., 0, 1].any() and not kernel[..., 1, 0].any()  # diagonal in channels


def interior(length: int, factor: int) -> np.ndarray:
    """Outputs whose half-pixel source lies inside the input: no edge clamping there."""
    source = (np.arange(length * factor) + 0.5) / factor - 0.5
    return (source >= 0) & (source <= length - 1)


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("factor", [2, 3, 4])
def test_bilinear_transposed_convolution_is_half_pixel_bilinear_upsampling_inside(
    rank: int, factor: int, rng: np.random.Generator
) -> None:
    kernel_size = 2 * factor - factor % 2
    spatial = (7, 6)[:rank]
    layer = TRANSPOSE[rank](
        3,
        kernel_size,
        strides=factor,
        padding="same",
        use_bias=False,
        kernel_initializer=BilinearUpsampling(),
        dtype="float64",
    )
    x = rng.standard_normal((2, *spatial, 3))
    y = layer(x)
    expected = upsample(x, size=factor, interpolation="bilinear")
    assert y.shape == expected.shape == (2, *(n * factor for n in spatial), 3)
    inside = (slice(None), *np.ix_(*(interior(n, factor) for n in spatial)))
    np.testing.assert_allclose(y[inside], expected[inside], rtol=1e-13, atol=1e-14)
    # At the borders the transposed convolution sees zeros, bilinear repeats the edge.
    assert not np.allclose(y, expected)


# --------------------------------------------------------------------------- configs


@pytest.mark.parametrize(
    "initializer",
    [
        ICNR(),
        ICNR((2, 3), "CRD", HeNormal(seed=3)),
        ICNR(4, initializer="he_uniform", transposed=True),
        BilinearUpsampling(),
    ],
    ids=repr,
)
def test_config_round_trip_and_registered_name(initializer: Initializer) -> None:
    config = initializer.get_config()
    assert type(initializer).from_config(config).get_config() == config
    serialized = initializers.serialize(initializer)
    assert serialized is not None
    assert serialized["module"] == "upsample.initializers"
    assert serialized["registered_name"] == f"upsample>{type(initializer).__name__}"
    restored = initializers.deserialize(serialized)
    assert type(restored) is type(initializer)
    assert restored.get_config() == config


def test_names() -> None:
    assert type(initializers.get("icnr")) is ICNR
    assert type(initializers.get("ICNR")) is ICNR
    assert type(initializers.get("bilinear_upsampling")) is BilinearUpsampling
    assert initializers.icnr is ICNR


def test_icnr_draws_from_its_inner_initializer_seed() -> None:
    a = ICNR(2, initializer=GlorotUniform(seed=7))((3, 3, 2, 8))
    b = ICNR(2, initializer=GlorotUniform(seed=7))((3, 3, 2, 8))
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32
    assert ICNR(2, initializer=GlorotUniform(seed=7))((3, 3, 2, 8), "float64").dtype == np.float64


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: ICNR(0), "scale=0"),
        (lambda: ICNR((2, -1)), r"scale=\(2, -1\)"),
        (lambda: ICNR(2.5), "scale=2.5"),
        (lambda: ICNR(2, order="DRC"), "order='DRC'"),
        (lambda: ICNR(2, initializer="glorot"), "Unknown initializer: 'glorot'"),
        (lambda: ICNR(2, transposed="yes"), "transposed='yes'"),
        (lambda: ICNR(2)((3, 3, 2, 6)), r"multiple of prod\(scale\) = 4.*shape=\(3, 3, 2, 6\)"),
        (lambda: ICNR((2, 2))((3, 2, 8)), r"scale=\(2, 2\).*shape \(3, 2, 8\) has 1 spatial"),
        (lambda: ICNR(2)((3, 3)), r"at least 3 dimensions.*shape=\(3, 3\)"),
        (lambda: ICNR(2)((3, 2, 4), "int32"), "dtype"),
        (
            lambda: ICNR(2, transposed=True)((3, 3, 2, 2)),
            r"multiple of the stride.*kernel_size=\(3, 3\)",
        ),
        (lambda: BilinearUpsampling()((4, 4, 2, 3)), r"shape=\(4, 4, 2, 3\)"),
        (lambda: BilinearUpsampling()((4,)), r"shape=\(4,\)"),
    ],
)
def test_bad_arguments_name_the_argument_and_value(make: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()  # type: ignore[operator]


def test_config_of_layers_using_them() -> None:
    layer = Conv2DTranspose(2, 4, strides=2, kernel_initializer=BilinearUpsampling())
    assert layer.get_config()["kernel_initializer"]["class_name"] == "BilinearUpsampling"
    assert_config_round_trip(layer)
