"""`upsample` against Keras 3 (JAX backend) on seeded randomised configurations.

2-D: `keras.ops.image.resize` to ``(H * fh, W * fw)``, which `UpSampling2D` calls
for every interpolation but "nearest" (there it uses `ops.repeat`, also checked).
1-D and 3-D nearest: `keras.ops.repeat` along each axis, as `UpSampling1D/3D`.
Forward values and the input gradients (`jax.vjp`) must agree to float32 rounding.
"""

from __future__ import annotations

import numpy as np
import pytest

from support.reference import KerasReference
from upsample.ops.resampling import upsample, upsample_vjp

CASES = 150
METHODS = ["nearest", "bilinear", "bicubic", "lanczos3", "lanczos5"]


def random_case(seed: int) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    return dict(
        # Every interpolation and data format equally often, the rest at random.
        interpolation=METHODS[seed % len(METHODS)],
        data_format=["channels_last", "channels_first"][(seed // len(METHODS)) % 2],
        batch=int(rng.integers(1, 3)),
        spatial=tuple(int(n) for n in rng.integers(1, 12, 2)),  # odd and even, down to 1
        channels=int(rng.integers(1, 5)),
        factors=tuple(int(f) for f in rng.integers(1, 5, 2)),
    )


def arrays(shape: tuple[int, ...], seed: int) -> np.ndarray:
    return np.random.default_rng(seed + 10_000).standard_normal(shape).astype(np.float32)


def layout(batch: int, spatial: tuple[int, ...], channels: int, data_format: str):
    if data_format == "channels_last":
        return (batch, *spatial, channels)
    return (batch, channels, *spatial)


def assert_close(ours: np.ndarray, theirs: np.ndarray, what: str) -> None:
    """Float32 rounding: relative 1e-5, plus 2e-6 of the largest magnitude for cancellations."""
    assert ours.dtype == np.float32, f"{what}: dtype {ours.dtype}"
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} != Keras {theirs.shape}"
    scale = max(1.0, float(np.abs(theirs).max(initial=0.0)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=2e-6 * scale, err_msg=what)


@pytest.mark.parametrize("seed", range(CASES))
def test_resize_matches_keras(seed: int, keras_reference: KerasReference) -> None:
    case = random_case(seed)
    fmt, factors, method = case["data_format"], case["factors"], case["interpolation"]
    spatial = case["spatial"]
    x = arrays(layout(case["batch"], spatial, case["channels"], fmt), seed)  # type: ignore[arg-type]
    ours = upsample(x, size=factors, interpolation=method, data_format=fmt)  # type: ignore[arg-type]
    cotangent = np.random.default_rng(seed).standard_normal(ours.shape).astype(np.float32)
    target = tuple(n * f for n, f in zip(spatial, factors))  # type: ignore[call-overload]
    result = keras_reference(
        "keras.ops.image.resize",
        x,
        cotangent=cotangent,
        size=target,
        interpolation=method,
        data_format=fmt,
    )
    assert_close(ours, result.output, f"output {case}")
    grad = upsample_vjp(cotangent, size=factors, interpolation=method, data_format=fmt)  # type: ignore[arg-type]
    assert_close(grad, result.grads[0], f"input gradient {case}")


def repeat_reference(
    reference: KerasReference,
    x: np.ndarray,
    cotangent: np.ndarray,
    factors: tuple[int, ...],
    first_axis: int,
) -> tuple[np.ndarray, np.ndarray]:
    """`ops.repeat` along each spatial axis (UpSampling1D/3D); the VJP chains backwards."""
    inputs = [x]
    for k, factor in enumerate(factors):
        step = reference("keras.ops.repeat", inputs[-1], factor, axis=first_axis + k)
        inputs.append(step.output)
    grad = cotangent
    for k in reversed(range(len(factors))):
        step = reference(
            "keras.ops.repeat", inputs[k], factor := factors[k], cotangent=grad, axis=first_axis + k
        )
        assert step.output.shape[first_axis + k] == inputs[k].shape[first_axis + k] * factor
        grad = step.grads[0]
    return inputs[-1], grad


@pytest.mark.parametrize("seed", range(24))
def test_nearest_matches_keras_repeat_in_one_two_and_three_dimensions(
    seed: int, keras_reference: KerasReference
) -> None:
    rng = np.random.default_rng(seed)
    ndim = 1 + seed % 3
    fmt = ["channels_last", "channels_first"][(seed // 3) % 2]
    spatial = tuple(int(n) for n in rng.integers(1, 8 if ndim < 3 else 5, ndim))
    factors = tuple(int(f) for f in rng.integers(1, 5, ndim))
    x = arrays(layout(int(rng.integers(1, 3)), spatial, int(rng.integers(1, 5)), fmt), seed)
    ours = upsample(x, size=factors, data_format=fmt)
    cotangent = rng.standard_normal(ours.shape).astype(np.float32)
    expected, expected_grad = repeat_reference(
        keras_reference, x, cotangent, factors, 1 if fmt == "channels_last" else 2
    )
    np.testing.assert_array_equal(ours, expected)  # a copy: exact
    assert_close(upsample_vjp(cotangent, size=factors, data_format=fmt), expected_grad, "grad")
