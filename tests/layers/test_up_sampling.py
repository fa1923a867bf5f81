"""Coordinate conventions on `UpSampling1D/2D/3D` and `ResizeConv1D/2D/3D`.

The default keeps Keras's behaviour and Keras's config (parity tests of the
layers); another convention is computed by the resampling op (whose numbers are
checked by hand in tests/ops/resampling/test_coordinates.py), listed in the
config, and survives a `.keras` round trip.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from support.layer_checks import assert_config_round_trip, assert_layer_gradients
from upsample.layers import (
    Input,
    ResizeConv1D,
    ResizeConv2D,
    ResizeConv3D,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
)
from upsample.models import Sequential, load_model
from upsample.ops.resampling import upsample

UPSAMPLING = {1: UpSampling1D, 2: UpSampling2D, 3: UpSampling3D}
RESIZE_CONV = {1: ResizeConv1D, 2: ResizeConv2D, 3: ResizeConv3D}


@pytest.mark.parametrize("coordinates", ["align_corners", "asymmetric"])
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_upsampling_layers_compute_the_convention(
    rank: int, coordinates: str, rng: np.random.Generator
) -> None:
    layer = UPSAMPLING[rank](size=2, interpolation="linear", coordinates=coordinates)
    x = rng.standard_normal((2, *(3,) * rank, 2)).astype(np.float32)
    expected = upsample(x, size=2, interpolation="linear", coordinates=coordinates)
    np.testing.assert_array_equal(layer(x), expected)
    assert layer.get_config()["coordinates"] == coordinates
    assert_config_round_trip(layer)


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_the_default_convention_is_not_in_the_config(rank: int) -> None:
    """Keras-valid layers keep Keras's config, so that Keras can load their files."""
    for layer in (UPSAMPLING[rank](), RESIZE_CONV[rank](2, 3, interpolation="bicubic")):
        assert layer.coordinates == "half_pixel" and "coordinates" not in layer.get_config()


def test_nearest_is_the_same_repeat_in_both_nearest_conventions(rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 3, 4, 2)).astype(np.float32)
    asymmetric = UpSampling2D((2, 3), coordinates="asymmetric")(x)
    np.testing.assert_array_equal(asymmetric, UpSampling2D((2, 3))(x))


@pytest.mark.parametrize(
    ("layer", "shape"),
    [
        (UpSampling1D(3, interpolation="cubic", coordinates="align_corners"), (2, 4, 2)),
        (UpSampling2D((2, 3), interpolation="lanczos3", coordinates="asymmetric"), (1, 3, 2, 2)),
        (
            UpSampling3D(2, interpolation="trilinear", coordinates="align_corners"),
            (1, 2, 3, 2, 1),
        ),
    ],
)
def test_upsampling_gradients(layer: Any, shape: tuple[int, ...], rng: np.random.Generator) -> None:
    rebuilt = type(layer).from_config({**layer.get_config(), "dtype": "float64"})
    assert_layer_gradients(rebuilt, rng.standard_normal(shape), rng)


@pytest.mark.parametrize("coordinates", ["align_corners", "asymmetric"])
def test_resize_conv_resizes_in_the_convention(coordinates: str, rng: np.random.Generator) -> None:
    layer = ResizeConv2D(
        3, 1, size=(2, 3), interpolation="bilinear", coordinates=coordinates, dtype="float64"
    )
    x = rng.standard_normal((2, 3, 4, 2))
    out = layer(x)
    kernel, bias = layer.get_weights()
    resized = upsample(x, size=(2, 3), interpolation="bilinear", coordinates=coordinates)
    np.testing.assert_allclose(out, resized @ kernel[0, 0] + bias, rtol=1e-12, atol=1e-12)
    config = layer.get_config()
    assert list(config)[5:8] == ["size", "interpolation", "coordinates"]
    assert_config_round_trip(layer)
    assert_layer_gradients(layer, x, rng)


def test_a_keras_file_keeps_the_conventions(tmp_path: Path, rng: np.random.Generator) -> None:
    model = Sequential(
        [
            Input((4, 5, 2)),
            UpSampling2D(2, interpolation="bilinear", coordinates="align_corners"),
            ResizeConv2D(2, 3, size=3, interpolation="bicubic", coordinates="asymmetric"),
        ]
    )
    path = tmp_path / "conventions.keras"
    model.save(path)
    loaded = load_model(path)
    assert [layer.coordinates for layer in loaded.layers] == ["align_corners", "asymmetric"]
    x = rng.standard_normal((2, 4, 5, 2)).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: UpSampling2D(coordinates="corners"), r"coordinates='corners'"),
        (lambda: UpSampling1D(coordinates="align_corners"), r"'align_corners' needs"),
        (
            lambda: ResizeConv3D(2, 2, interpolation="nearest", coordinates="align_corners"),
            r"interpolation='nearest'",
        ),
        (lambda: ResizeConv1D(2, 2, coordinates=None), r"coordinates=None"),
    ],
)
def test_bad_conventions(make: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()
