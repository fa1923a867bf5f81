"""`Resizing` and the coordinate conventions against Keras 3 (JAX backend).

* `keras.ops.image.resize` (what ``keras.layers.Resizing`` calls) on seeded random
  sizes up and down, every interpolation, antialias, crop or pad to the aspect
  ratio, both data formats, batches and single images: our `Resizing` layer's
  forward and backward passes against the values and the `jax.vjp` of Keras's.
* align_corners and asymmetric against ``keras.ops.image.scale_and_translate``,
  which implements them with ``scale = (m - 1) / (n - 1)`` or ``m / n`` and
  ``translation = (1 - scale) / 2`` (its docstring's recipe for PyTorch's
  align_corners), for the interpolating kernels, up and down, with antialias
  (except where it zeroes outputs past the input: see the test).
* Configs and files: Keras's `Resizing` config is ours, Keras loads and runs our
  `.keras` file of a model with `Resizing`, and refuses one whose layer uses a
  convention it lacks instead of computing another.

Tolerance: JAX computes sample positions in float32, ``(o + 0.5) / scale - 0.5``,
which is off by up to about ``2.4e-7 n`` pixels for an axis of ``n`` inputs (two
roundings of the scale, one of the product); a weight moves by that times the
kernel's slope, and an output by the sum over its taps.  We use exact positions,
so values may differ by about ``5e-7 n`` of the largest value, beyond float32
rounding of the result itself (``1e-5`` relative, ``2e-6`` of the largest value).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from support.reference import KerasReference, KerasRejected
from upsample.layers import Input, Resizing, UpSampling2D
from upsample.models import Sequential
from upsample.ops.resampling import resize, resize_vjp, upsample, upsample_vjp
from upsample.ops.resampling.coordinates import sample_positions

METHODS = ["nearest", "bilinear", "bicubic", "lanczos3", "lanczos5"]
FORMATS = ["channels_last", "channels_first"]


def assert_close(ours: np.ndarray, theirs: np.ndarray, longest: int, what: str) -> None:
    """Float32 rounding, plus the drift of JAX's float32 sample positions (see above)."""
    assert ours.dtype == np.float32, f"{what}: dtype {ours.dtype}"
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} != Keras {theirs.shape}"
    scale = max(1.0, float(np.abs(theirs).max(initial=0.0)))
    atol = (2e-6 + 5e-7 * longest) * scale
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=atol, err_msg=what)


def random_resize(seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    mode = seed % 3  # plain, crop, pad equally often
    return dict(
        interpolation=METHODS[seed % len(METHODS)],
        data_format=FORMATS[(seed // len(METHODS)) % 2],
        antialias=bool(rng.integers(2)),
        crop_to_aspect_ratio=mode == 1,
        pad_to_aspect_ratio=mode == 2,
        fill_value=float(np.round(rng.standard_normal(), 3)),
        height=int(rng.integers(1, 25)),
        width=int(rng.integers(1, 25)),
        image=tuple(int(n) for n in rng.integers(1, 25, 2)),
        batch=None if rng.random() < 0.2 else int(rng.integers(1, 3)),
        channels=int(rng.integers(1, 4)),
    )


@pytest.mark.parametrize("seed", range(90))
def test_resizing_matches_keras(seed: int, keras_reference: KerasReference) -> None:
    case = random_resize(seed)
    fmt, (h, w), channels = case["data_format"], case["image"], case["channels"]
    shape = (h, w, channels) if fmt == "channels_last" else (channels, h, w)
    if case["batch"] is not None:
        shape = (case["batch"], *shape)
    rng = np.random.default_rng(seed + 10_000)
    x = rng.standard_normal(shape).astype(np.float32)
    options = {k: case[k] for k in ("interpolation", "antialias", "data_format", "fill_value")}
    options |= {k: case[k] for k in ("crop_to_aspect_ratio", "pad_to_aspect_ratio")}
    layer = Resizing(case["height"], case["width"], **options)
    ours, cache = layer.forward(x)
    cotangent = rng.standard_normal(ours.shape).astype(np.float32)
    theirs = keras_reference(
        "keras.ops.image.resize",
        x,
        cotangent=cotangent,
        size=(case["height"], case["width"]),
        **options,
    )
    longest = max(h, w, case["height"], case["width"])
    assert_close(ours, theirs.output, longest, f"output {case}")
    grad = layer.backward(cache, cotangent, weights=False).inputs
    assert_close(grad, theirs.grads[0], longest, f"input gradient {case}")


@pytest.mark.parametrize(("before", "after"), [(10, 25), (25, 10), (7, 300), (299, 224)])
def test_nearest_picks_the_pixels_keras_picks(
    before: int, after: int, keras_reference: KerasReference
) -> None:
    """XLA's float32 rounding of (o + 0.5) * n / m decides ties such as 2.5 * 10 / 25."""
    x = np.arange(before * 2, dtype=np.float32).reshape(1, before, 2, 1)
    theirs = keras_reference(
        "keras.ops.image.resize", x, size=(after, 2), interpolation="nearest"
    ).output
    np.testing.assert_array_equal(resize(x, size=(after, 2), interpolation="nearest"), theirs)


def random_convention(seed: int) -> dict[str, Any]:
    rng = np.random.default_rng([seed, 1])
    spatial = tuple(int(n) for n in rng.integers(2, 14, 2))
    if seed % 3 == 0:  # integer factors: the layers' case, on the fast routes
        size = tuple(n * int(f) for n, f in zip(spatial, rng.integers(1, 4, 2)))
    else:
        size = tuple(int(n) for n in rng.integers(2, 20, 2))
    return dict(
        coordinates=["align_corners", "asymmetric"][seed % 2],
        interpolation=METHODS[1 + (seed // 2) % 4],
        antialias=bool(rng.integers(2)),
        spatial=spatial,
        size=size,
        batch=int(rng.integers(1, 3)),
        channels=int(rng.integers(1, 4)),
    )


@pytest.mark.parametrize("seed", range(48))
def test_conventions_match_keras_scale_and_translate(
    seed: int, keras_reference: KerasReference
) -> None:
    case = random_convention(seed)
    spatial, size = case["spatial"], case["size"]
    rng = np.random.default_rng(seed + 20_000)
    x = rng.standard_normal((case["batch"], *spatial, case["channels"])).astype(np.float32)
    options = {k: case[k] for k in ("interpolation", "coordinates")}
    factors = tuple(m // n for n, m in zip(spatial, size))
    integer = all(m % n == 0 for n, m in zip(spatial, size)) and not case["antialias"]
    if integer:
        ours = upsample(x, size=factors, **options)
    else:
        ours = resize(x, size=size, antialias=case["antialias"], **options)
    if case["coordinates"] == "align_corners":
        scale = [(m - 1) / (n - 1) for n, m in zip(spatial, size)]
    else:
        scale = [m / n for n, m in zip(spatial, size)]
    # scale_and_translate zeroes outputs that sample past n - 0.5 (asymmetric, factors
    # above 2), where we read the last pixel (TF 1's edge): those are compared by hand
    # in test_coordinates.py, and masked here, values and cotangents.
    inside = [
        (s >= -0.5) & (s <= n - 0.5)
        for n, m in zip(spatial, size)
        for s in [sample_positions(case["coordinates"], n, m)]
    ]
    mask = (inside[0][:, None] & inside[1][None, :])[None, :, :, None]
    cotangent = rng.standard_normal(ours.shape).astype(np.float32) * mask
    theirs = keras_reference(
        "keras.ops.image.scale_and_translate",
        x,
        cotangent=cotangent,
        output_shape=ours.shape,
        scale=np.array(scale, np.float32),
        translation=np.array([(1 - s) / 2 for s in scale], np.float32),
        spatial_dims=(1, 2),
        method=case["interpolation"],
        antialias=case["antialias"],
    )
    longest = max(*spatial, *size)
    assert_close(ours * mask, theirs.output, longest, f"output {case}")
    if integer:
        grad = upsample_vjp(cotangent, size=factors, **options)
    else:
        grad = resize_vjp(cotangent, input_size=spatial, antialias=case["antialias"], **options)
    assert_close(grad, theirs.grads[0], longest, f"input gradient {case}")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"height": 5, "width": 7},
        {
            "height": 3,
            "width": 2,
            "interpolation": "lanczos5",
            "crop_to_aspect_ratio": True,
            "antialias": True,
            "data_format": "channels_first",
        },
        {"height": 8, "width": 8, "pad_to_aspect_ratio": True, "fill_value": 0.5},
    ],
)
def test_config_matches_keras(kwargs: dict[str, Any], keras_reference: KerasReference) -> None:
    theirs = keras_reference("support.keras_side:layer_config", "Resizing", {"name": "r", **kwargs})
    assert Resizing(name="r", **kwargs).get_config() == theirs.output


def test_keras_runs_our_file(keras_reference: KerasReference, tmp_path: Path) -> None:
    model = Sequential(
        [
            Input((9, 12, 2)),
            Resizing(6, 6, crop_to_aspect_ratio=True, interpolation="bicubic", antialias=True),
            UpSampling2D(2, interpolation="bilinear"),
            Resizing(5, 9, pad_to_aspect_ratio=True, fill_value=0.25, interpolation="lanczos3"),
        ]
    )
    x = np.random.default_rng(3).standard_normal((2, 9, 12, 2)).astype(np.float32)
    path = tmp_path / "resizing.keras"
    model.save(path)
    result = keras_reference("support.keras_side_saving:keras_load_and_predict", str(path), [x])
    assert_close(model.predict(x, verbose=0), result.output["outputs"][0], 24, "prediction")


def test_keras_refuses_a_convention_it_lacks(
    keras_reference: KerasReference, tmp_path: Path
) -> None:
    """Saved as upsample's class, which plain Keras (no `upsample.interop.keras`) lacks."""
    model = Sequential(
        [Input((3, 3, 1)), UpSampling2D(2, interpolation="bilinear", coordinates="asymmetric")]
    )
    path = tmp_path / "asymmetric.keras"
    model.save(path)
    x = np.zeros((1, 3, 3, 1), np.float32)
    with pytest.raises(KerasRejected, match=r"Could not locate class 'UpSampling2D'.*asymmetric"):
        keras_reference("support.keras_side_saving:keras_load_and_predict", str(path), [x])
