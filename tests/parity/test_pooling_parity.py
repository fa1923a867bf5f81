"""`max_pool` and `average_pool` against `keras.ops` on seeded randomised configurations.

Forward values and input gradients (`jax.vjp` through `keras.ops`) must agree
to float32 rounding.  A third of the inputs have ties (rounded or ReLU'd data,
where whole windows are 0), so the choice of the maximum that receives a
window's gradient is checked, not only the values; a few have NaN and -inf.

Keras is always given explicit `strides`: `keras.ops.max_pool(x, pool_size=2)`
with ``strides=None`` fails on the JAX backend of Keras 3.15.1 (the pool size
is expanded to the full rank before it is reused as the strides); `upsample`
defaults the strides to the pool size, as the Keras documentation says.
"""

from __future__ import annotations

import numpy as np
import pytest

from support.reference import KerasReference, KerasRejected
from upsample.ops.pooling import average_pool, average_pool_vjp, max_pool, max_pool_vjp

CASES = 120
OPS = ["max_pool", "average_pool"]


def random_case(seed: int) -> dict[str, object]:
    """Strides below, at and above the pool size, both paddings and layouts, 1 to 3 axes."""
    rng = np.random.default_rng(seed)
    ndim = 1 + seed % 3
    pool = tuple(int(k) for k in rng.integers(1, 4, ndim))
    relation = ["below", "equal", "above"][(seed // 3) % 3]
    if relation == "equal":
        strides = pool
    elif relation == "below":
        strides = tuple(int(rng.integers(1, k)) if k > 1 else 1 for k in pool)
    else:
        strides = tuple(k + int(rng.integers(1, 3)) for k in pool)
    # At least a window long, except every 8th case, which may be one short of it
    # (then "valid" has an empty output, which Keras must refuse or return empty).
    low = -1 if seed % 8 == 0 else 0
    spatial = tuple(
        max(1, k + int(n)) for k, n in zip(pool, rng.integers(low, 6 if ndim < 3 else 4, ndim))
    )
    return dict(
        ndim=ndim,
        batch=int(rng.integers(1, 3)),
        channels=int(rng.integers(1, 4)),
        spatial=spatial,
        pool_size=pool,
        strides=strides,
        padding=["valid", "same"][(seed // 9) % 2],
        data_format=["channels_last", "channels_first"][(seed // 18) % 2],
        values=["normal", "rounded", "relu"][seed % 3 if seed % 7 else (seed + 1) % 3],
    )


def make_input(case: dict[str, object], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed + 10_000)
    spatial, channels = case["spatial"], case["channels"]
    if case["data_format"] == "channels_last":
        shape = (case["batch"], *spatial, channels)  # type: ignore[misc]
    else:
        shape = (case["batch"], channels, *spatial)  # type: ignore[misc]
    x = rng.standard_normal(shape).astype(np.float32)
    if case["values"] == "rounded":
        x = np.round(x)  # many ties, between any values
    elif case["values"] == "relu":
        x = np.maximum(np.round(x, 1), 0)  # half the cells are 0: whole windows tie at 0
    return x


def assert_close(ours: np.ndarray, theirs: np.ndarray, what: str) -> None:
    assert ours.dtype == np.float32, f"{what}: dtype {ours.dtype}"
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} != Keras {theirs.shape}"
    scale = max(1.0, float(np.nanmax(np.abs(theirs), initial=0.0)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=2e-6 * scale, err_msg=what)


def pool_kwargs(case: dict[str, object]) -> dict[str, object]:
    return {k: case[k] for k in ("pool_size", "strides", "padding", "data_format")}


def ours(op: str, x: np.ndarray, g: np.ndarray | None, kwargs: dict[str, object]):
    if op == "max_pool":
        y = max_pool(x, **kwargs)  # type: ignore[arg-type]
        return y, None if g is None else max_pool_vjp(g, x, **kwargs)  # type: ignore[arg-type]
    y = average_pool(x, **kwargs)  # type: ignore[arg-type]
    if g is None:
        return y, None
    return y, average_pool_vjp(g, input_shape=x.shape, **kwargs)  # type: ignore[arg-type]


def check(op: str, x: np.ndarray, kwargs: dict[str, object], seed: int, reference) -> None:
    try:
        y, _ = ours(op, x, None, kwargs)
    except ValueError as error:
        # We refuse an empty output; Keras must then raise or return an empty array.
        try:
            theirs = reference(f"keras.ops.{op}", x, **kwargs).output
        except KerasRejected:
            return
        assert 0 in theirs.shape, f"we raised {error!r} but Keras returned shape {theirs.shape}"
        return
    g = np.random.default_rng(seed).standard_normal(y.shape).astype(np.float32)
    result = reference(f"keras.ops.{op}", x, cotangent=g, **kwargs)
    _, dx = ours(op, x, g, kwargs)
    assert_close(y, result.output, "output")
    assert_close(dx, result.grads[0], "input gradient")


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("seed", range(CASES))
def test_pooling_matches_keras(seed: int, op: str, keras_reference: KerasReference) -> None:
    case = random_case(seed)
    check(op, make_input(case, seed), pool_kwargs(case), seed, keras_reference)


def test_the_random_cases_cover_every_combination() -> None:
    seen = set()
    for seed in range(CASES):
        case = random_case(seed)
        pool, strides = case["pool_size"], case["strides"]
        relation = (
            "equal" if strides == pool else "above" if strides[0] > pool[0] else "below"  # type: ignore[index, operator]
        )
        seen.add((case["ndim"], case["padding"], case["data_format"], relation, case["values"]))
    for ndim in (1, 2, 3):
        for padding in ("valid", "same"):
            for fmt in ("channels_last", "channels_first"):
                assert any(s[:3] == (ndim, padding, fmt) for s in seen), (ndim, padding, fmt)
    assert {s[3] for s in seen} == {"below", "equal", "above"}
    assert {s[4] for s in seen} == {"normal", "rounded", "relu"}


@pytest.mark.parametrize("seed", range(20))
def test_max_pool_with_nan_and_infinities_matches_keras(
    seed: int, keras_reference: KerasReference
) -> None:
    """XLA's scan treats NaN and -inf in its own way; the gradient must follow it exactly."""
    case = random_case(seed)
    x = make_input(case, seed)
    rng = np.random.default_rng(seed)
    x[rng.random(x.shape) < 0.15] = np.nan
    x[rng.random(x.shape) < 0.25] = -np.inf
    x[rng.random(x.shape) < 0.05] = np.inf
    kwargs = pool_kwargs(case)
    try:
        y = max_pool(x, **kwargs)  # type: ignore[arg-type]
    except ValueError:
        return
    g = rng.standard_normal(y.shape).astype(np.float32)
    result = keras_reference("keras.ops.max_pool", x, cotangent=g, **kwargs)
    np.testing.assert_array_equal(y, result.output)
    np.testing.assert_allclose(
        max_pool_vjp(g, x, **kwargs),  # type: ignore[arg-type]
        result.grads[0],
        rtol=1e-6,
        atol=1e-6,
    )


@pytest.mark.parametrize(
    "shape",
    [(25, 28, 28, 8), (25, 14, 14, 8), (25, 7, 7, 8)],
    ids=["28to14", "14to7", "7to4"],
)
def test_the_seed_autoencoder_pooling_matches_keras(
    shape: tuple[int, ...], keras_reference: KerasReference
) -> None:
    """MaxPooling2D((2, 2), padding='same') on ReLU outputs, as the seed autoencoder runs it."""
    rng = np.random.default_rng(len(shape) + shape[1])
    x = np.maximum(rng.standard_normal(shape), 0).astype(np.float32)
    kwargs = dict(pool_size=(2, 2), strides=(2, 2), padding="same", data_format="channels_last")
    check("max_pool", x, kwargs, shape[1], keras_reference)
