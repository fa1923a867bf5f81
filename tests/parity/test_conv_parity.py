"""`conv` and `conv_transpose` against `keras.ops` on randomised configurations.

Forward values and the gradients with respect to the input and the kernel
(`jax.vjp` through `keras.ops`) must agree to float32 rounding.  The route table
chooses the routes; tests/ops/convolution checks every other route against the
reference route.
"""

from __future__ import annotations

import numpy as np
import pytest

from support.reference import KerasReference, KerasRejected, ReferenceCrashed
from upsample.ops.convolution import conv, conv_transpose, conv_transpose_vjp, conv_vjp

CASES = 160


def random_case(seed: int) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    ndim = int(rng.integers(1, 4))
    strides = tuple(int(s) for s in rng.integers(1, 4, ndim))
    dilated = rng.random() < 0.3
    return dict(
        ndim=ndim,
        batch=int(rng.integers(1, 3)),
        spatial=tuple(
            int(n) for n in rng.integers(3 if ndim == 3 else 4, 9 if ndim < 3 else 6, ndim)
        ),
        channels_in=int(rng.integers(1, 5)),
        channels_out=int(rng.integers(1, 5)),
        kernel_size=tuple(int(k) for k in rng.integers(1, 5, ndim)),
        strides=strides,
        padding=str(rng.choice(["valid", "same"])),
        data_format=str(rng.choice(["channels_last", "channels_first"])),
        dilation_rate=tuple(int(d) for d in rng.integers(1, 3, ndim)) if dilated else (1,) * ndim,
        output_padding=(
            None if rng.random() < 0.5 else tuple(int(rng.integers(0, s)) for s in strides)
        ),
    )


def arrays(case: dict[str, object], seed: int, kernel_shape: tuple[int, ...], channels: int):
    rng = np.random.default_rng(seed + 10_000)
    spatial = case["spatial"]
    shape = (case["batch"], *spatial, channels)  # type: ignore[misc]
    x = rng.standard_normal(shape).astype(np.float32)
    if case["data_format"] == "channels_first":
        x = np.ascontiguousarray(np.moveaxis(x, -1, 1))
    return x, rng.standard_normal(kernel_shape).astype(np.float32)


def assert_close(ours: np.ndarray, theirs: np.ndarray, what: str) -> None:
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} != Keras {theirs.shape}"
    scale = max(1.0, float(np.abs(theirs).max(initial=0.0)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=2e-6 * scale, err_msg=what)


def assert_keras_has_no_output(
    reference: KerasReference,
    path: str,
    x: np.ndarray,
    kernel: np.ndarray,
    kwargs: dict[str, object],
    error: ValueError,
) -> None:
    """We refuse configurations whose output is empty: Keras raises or returns an empty array."""
    try:
        theirs = reference(path, x, kernel, **kwargs).output
    except KerasRejected:
        return
    assert 0 in theirs.shape, f"we raised {error!r} but Keras returned shape {theirs.shape}"


@pytest.mark.parametrize("seed", range(CASES))
def test_conv_matches_keras(seed: int, keras_reference: KerasReference) -> None:
    case = random_case(seed)
    kernel_shape = (*case["kernel_size"], case["channels_in"], case["channels_out"])  # type: ignore[misc]
    x, kernel = arrays(case, seed, kernel_shape, case["channels_in"])  # type: ignore[arg-type]
    kwargs = {k: case[k] for k in ("strides", "padding", "data_format", "dilation_rate")}
    try:
        ours = conv(x, kernel, **kwargs)  # type: ignore[arg-type]
    except ValueError as error:
        assert_keras_has_no_output(keras_reference, "keras.ops.conv", x, kernel, kwargs, error)
        return
    cotangent = np.random.default_rng(seed).standard_normal(ours.shape).astype(np.float32)
    result = keras_reference("keras.ops.conv", x, kernel, cotangent=cotangent, **kwargs)
    assert_close(ours, result.output, "output")
    grads = conv_vjp(cotangent, x, kernel, **kwargs)  # type: ignore[arg-type]
    assert_close(grads.inputs, result.grads[0], "input gradient")
    assert_close(grads.kernel, result.grads[1], "kernel gradient")


@pytest.mark.parametrize("seed", range(CASES))
def test_conv_transpose_matches_keras(seed: int, keras_reference: KerasReference) -> None:
    case = random_case(seed)
    kernel_shape = (*case["kernel_size"], case["channels_out"], case["channels_in"])  # type: ignore[misc]
    x, kernel = arrays(case, seed, kernel_shape, case["channels_in"])  # type: ignore[arg-type]
    kwargs = {
        k: case[k] for k in ("strides", "padding", "output_padding", "data_format", "dilation_rate")
    }
    try:
        ours = conv_transpose(x, kernel, **kwargs)  # type: ignore[arg-type]
    except ValueError as error:
        assert_keras_has_no_output(
            keras_reference, "keras.ops.conv_transpose", x, kernel, kwargs, error
        )
        return
    cotangent = np.random.default_rng(seed).standard_normal(ours.shape).astype(np.float32)
    try:
        result = keras_reference(
            "keras.ops.conv_transpose", x, kernel, cotangent=cotangent, **kwargs
        )
    except ReferenceCrashed:
        # XLA aborts on this shape (see support/reference.py): check against our plain
        # reference route in float64 instead, so that the case is still tested.
        expected = conv_transpose(
            x.astype(np.float64), kernel.astype(np.float64), route="reference", **kwargs
        )
        assert_close(ours, expected, "output (reference route; Keras's XLA aborted)")
        return
    except KerasRejected as error:
        pytest.fail(f"Keras rejected a configuration we accept: {error}")
    assert_close(ours, result.output, "output")
    grads = conv_transpose_vjp(cotangent, x, kernel, **kwargs)  # type: ignore[arg-type]
    assert_close(grads.inputs, result.grads[0], "input gradient")
    assert_close(grads.kernel, result.grads[1], "kernel gradient")
