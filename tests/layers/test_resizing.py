"""`Resizing`: shapes, Keras's crop and pad windows by hand, gradients, config, bad input.

Keras parity (random sizes, interpolations, antialias, crop/pad, both data
formats, gradients, Keras loading our files) is in tests/parity/test_resizing_parity.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from support.layer_checks import assert_config_round_trip, assert_layer_gradients
from upsample.layers import Input, Resizing
from upsample.models import Sequential, load_model
from upsample.ops.resampling import resize
from upsample.ops.shapes import AspectWindow, aspect_ratio_window


@pytest.mark.parametrize(
    ("shape", "data_format", "expected"),
    [
        ((2, 5, 7, 3), "channels_last", (2, 4, 9, 3)),
        ((5, 7, 3), "channels_last", (4, 9, 3)),
        ((2, 3, 5, 7), "channels_first", (2, 3, 4, 9)),
        ((3, 5, 7), "channels_first", (3, 4, 9)),
    ],
)
def test_batches_and_single_images_in_both_layouts(
    shape: tuple[int, ...], data_format: str, expected: tuple[int, ...], rng: np.random.Generator
) -> None:
    layer = Resizing(4, 9, data_format=data_format)
    x = rng.standard_normal(shape).astype(np.float32)
    out = layer(x)
    assert out.shape == expected == layer.compute_output_shape(shape)
    batch = x if len(shape) == 4 else x[None]
    whole = resize(batch, size=(4, 9), data_format=data_format)
    np.testing.assert_array_equal(out, whole if len(shape) == 4 else whole[0])


@pytest.mark.parametrize(
    ("height", "width", "target", "mode", "expected"),
    [
        # crop: the largest centred window of the target's ratio (truncations as Keras's)
        (4, 10, (5, 5), "crop", AspectWindow(0, 3, 4, 4)),
        (9, 4, (2, 3), "crop", AspectWindow(3, 0, 2, 4)),  # 4 * 2 / 3 = 2.67 -> 2 rows
        (3, 3, (1, 100), "crop", AspectWindow(1, 0, 1, 3)),  # at least one row
        # pad: 4 rows -> int(10 * 29 / 25) = 11; (11 - 4) // 2 = 3 on each side: 10 rows
        (4, 10, (29, 25), "pad", AspectWindow(-3, 0, 10, 10)),
        (6, 2, (3, 4), "pad", AspectWindow(0, -3, 6, 8)),
        (4, 4, (8, 8), "pad", AspectWindow(0, 0, 4, 4)),
        (4, 10, (5, 5), None, AspectWindow(0, 0, 4, 10)),
    ],
)
def test_aspect_ratio_windows_by_hand(
    height: int,
    width: int,
    target: tuple[int, int],
    mode: Any,
    expected: AspectWindow,
) -> None:
    assert aspect_ratio_window(height, width, target, mode) == expected


def test_crop_to_aspect_ratio_by_hand() -> None:
    """A 4x6 image to 2x2: the centred 4x4 window (columns 1-4), then nearest picks
    rows floor((o + 0.5) * 2) = 1, 3 and window columns 1, 3, i.e. image columns 2, 4."""
    image = np.arange(24.0).reshape(1, 4, 6, 1)
    out = Resizing(2, 2, interpolation="nearest", crop_to_aspect_ratio=True)(image)
    np.testing.assert_array_equal(out[0, :, :, 0], [[8, 10], [20, 22]])


def test_pad_to_aspect_ratio_by_hand() -> None:
    """A 2x4 image to 4x4: one row of fill above and below, then an identity resize."""
    image = np.arange(1.0, 9.0).reshape(1, 1, 2, 4)
    layer = Resizing(4, 4, pad_to_aspect_ratio=True, fill_value=-1.5, data_format="channels_first")
    out = layer(image)[0, 0]
    np.testing.assert_array_equal(out, [[-1.5] * 4, [1, 2, 3, 4], [5, 6, 7, 8], [-1.5] * 4])


@pytest.mark.parametrize(
    ("shape", "kwargs"),
    [
        ((2, 5, 7, 2), dict(height=3, width=9, interpolation="bicubic", antialias=True)),
        ((5, 7, 2), dict(height=4, width=4, crop_to_aspect_ratio=True, interpolation="lanczos3")),
        (
            (2, 2, 3, 8),
            dict(height=6, width=5, pad_to_aspect_ratio=True, data_format="channels_first"),
        ),
        ((1, 4, 6, 1), dict(height=7, width=3, coordinates="align_corners")),
        ((1, 6, 5, 2), dict(height=4, width=3, interpolation="nearest", coordinates="asymmetric")),
    ],
)
def test_gradients(
    shape: tuple[int, ...], kwargs: dict[str, Any], rng: np.random.Generator
) -> None:
    layer = Resizing(dtype="float64", fill_value=0.5, **kwargs)
    assert_layer_gradients(layer, rng.standard_normal(shape), rng)


def test_config_is_keras_and_lists_a_convention_only_when_not_keras() -> None:
    config = Resizing(5, 7).get_config()
    assert list(config) == [
        "name",
        "trainable",
        "dtype",
        "data_format",
        "height",
        "width",
        "interpolation",
        "crop_to_aspect_ratio",
        "pad_to_aspect_ratio",
        "fill_mode",
        "fill_value",
        "antialias",
    ]
    assert (config["interpolation"], config["fill_value"], config["antialias"]) == (
        "bilinear",
        0.0,
        False,
    )
    beyond = Resizing(5, 7, interpolation="bicubic", coordinates="align_corners", antialias=True)
    assert beyond.get_config()["coordinates"] == "align_corners"
    for layer in (Resizing(5, 7, crop_to_aspect_ratio=True, fill_value=2), beyond):
        assert_config_round_trip(layer)


def test_in_a_model_and_a_keras_file(tmp_path: Path, rng: np.random.Generator) -> None:
    model = Sequential(
        [
            Input((9, 6, 3)),
            Resizing(4, 4, crop_to_aspect_ratio=True, antialias=True, name="crop"),
            Resizing(7, 5, interpolation="lanczos5", coordinates="asymmetric", name="beyond"),
        ]
    )
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    assert "crop (Resizing)" in "\n".join(lines) and "(None, 7, 5, 3)" in "\n".join(lines)
    path = tmp_path / "resizing.keras"
    model.save(path)
    loaded = load_model(path)
    x = rng.standard_normal((2, 9, 6, 3)).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.layers[1].get_config() == model.layers[1].get_config()


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Resizing(0, 5), r"`height`.*height=0"),
        (lambda: Resizing(5, -1), r"`width`.*width=-1"),
        (lambda: Resizing(5, 2.5), r"width=2.5"),
        (
            lambda: Resizing(5, 5, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True),
            r"Only one of `pad_to_aspect_ratio`.*Received: crop_to_aspect_ratio=True",
        ),
        (lambda: Resizing(5, 5, fill_mode="reflect"), r"fill_mode='reflect'"),
        (lambda: Resizing(5, 5, fill_value="white"), r"fill_value='white'"),
        (lambda: Resizing(5, 5, interpolation="area"), r"interpolation='area'"),
        (lambda: Resizing(5, 5, coordinates="corner"), r"coordinates='corner'"),
        (
            lambda: Resizing(5, 5, interpolation="nearest", coordinates="align_corners"),
            r"'align_corners' needs an interpolating kernel",
        ),
        (lambda: Resizing(5, 5, data_format="NHWC"), r"data_format='NHWC'"),
    ],
)
def test_bad_arguments(make: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("shape", [(2, 3), (1, 2, 3, 4, 5)])
def test_bad_input_ranks(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"expected rank 3 \(single image\) or rank 4"):
        Resizing(3, 3)(np.zeros(shape, np.float32))
