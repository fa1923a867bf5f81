"""Numerical checks of hand-written gradients."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def numerical_vjp(
    fn: Callable[..., np.ndarray],
    args: Sequence[np.ndarray],
    cotangent: np.ndarray,
    *,
    eps: float = 1e-6,
) -> list[np.ndarray]:
    """Central finite differences of ``<fn(*args), cotangent>`` in float64, per argument."""
    args = [np.array(a, dtype=np.float64) for a in args]
    cotangent = np.asarray(cotangent, dtype=np.float64)
    grads = []
    for index, arg in enumerate(args):
        grad = np.zeros_like(arg)
        flat, gflat = arg.reshape(-1), grad.reshape(-1)
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + eps
            plus = float(np.sum(fn(*args) * cotangent))
            flat[i] = original - eps
            minus = float(np.sum(fn(*args) * cotangent))
            flat[i] = original
            gflat[i] = (plus - minus) / (2 * eps)
        grads.append(grad)
        args[index] = arg
    return grads


def assert_vjp_matches_numerical(
    fn: Callable[..., np.ndarray],
    vjp: Callable[..., Sequence[np.ndarray | None]],
    args: Sequence[np.ndarray],
    rng: np.random.Generator,
    *,
    rtol: float = 1e-5,
    atol: float = 1e-7,
) -> None:
    """`vjp(cotangent, *args)` must equal float64 finite differences of `fn` at `args`."""
    args64 = [np.asarray(a, dtype=np.float64) for a in args]
    cotangent = rng.standard_normal(np.shape(fn(*args64)))
    analytic = vjp(cotangent, *args64)
    numeric = numerical_vjp(fn, args64, cotangent)
    assert len(analytic) == len(numeric)
    for i, (a, n) in enumerate(zip(analytic, numeric, strict=True)):
        assert a is not None, f"no gradient returned for argument {i}"
        np.testing.assert_allclose(a, n, rtol=rtol, atol=atol, err_msg=f"argument {i}")


def assert_adjoint(
    forward: Callable[[np.ndarray], np.ndarray],
    transpose: Callable[[np.ndarray], np.ndarray],
    input_shape: Sequence[int],
    rng: np.random.Generator,
    *,
    rtol: float = 1e-10,
) -> None:
    """``<A x, y> == <x, A^T y>`` for random x, y, in float64."""
    x = rng.standard_normal(tuple(input_shape))
    ax = forward(x)
    y = rng.standard_normal(ax.shape)
    aty = transpose(y)
    assert aty.shape == x.shape, f"transpose returned {aty.shape}, expected {x.shape}"
    left, right = float(np.sum(ax * y)), float(np.sum(x * aty))
    assert np.isclose(left, right, rtol=rtol, atol=1e-12 * max(1.0, abs(left))), (left, right)
