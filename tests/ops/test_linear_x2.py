"""The linear x2 path of upsampling: the same operator as the dense reference, in every layout."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from support.resample_reference import reference, reference_vjp, shape_of
from upsample.ops import _linear_x2
from upsample.ops.resample import upsample, upsample_vjp
from upsample.runtime import tuning


def x2_configs(count: int, seed: int) -> list[dict[str, object]]:
    """Random problems the x2 path takes: factors of 1 or 2, lengths from 1 (a lone pixel)."""
    rng = np.random.default_rng(seed)
    configs = []
    while len(configs) < count:
        ndim = int(rng.integers(1, 4))
        factors = tuple(int(f) for f in rng.integers(1, 3, ndim))
        if 2 not in factors:
            continue
        configs.append(
            dict(
                data_format=("channels_last", "channels_first")[int(rng.integers(2))],
                factors=factors,
                spatial=tuple(int(n) for n in rng.integers(1, 10 if ndim < 3 else 6, ndim)),
                batch=int(rng.integers(1, 4)),
                # Pixels narrow enough to be staged, and wider than the staging limit.
                channels=int(rng.choice([1, 2, 5, 8, 33])),
            )
        )
    return configs


@pytest.mark.parametrize("config", x2_configs(60, seed=11), ids=str)
def test_matches_the_dense_operator_and_its_transpose(
    config: dict[str, object], rng: np.random.Generator
) -> None:
    fmt, factors, spatial = config["data_format"], config["factors"], config["spatial"]
    assert _linear_x2.applies("bilinear", factors)  # type: ignore[arg-type]
    x = rng.standard_normal(shape_of(config["batch"], spatial, config["channels"], fmt))  # type: ignore[arg-type]
    arguments = dict(size=factors, interpolation="bilinear", data_format=fmt)
    out = upsample(x, **arguments)  # type: ignore[arg-type]
    np.testing.assert_allclose(out, reference(x, factors, "bilinear", fmt), rtol=0, atol=1e-12)  # type: ignore[arg-type]
    g = rng.standard_normal(out.shape)
    expected = reference_vjp(g, spatial, factors, "bilinear", fmt)  # type: ignore[arg-type]
    np.testing.assert_allclose(upsample_vjp(g, **arguments), expected, rtol=0, atol=1e-12)  # type: ignore[arg-type]


def test_the_seed_weights_by_hand() -> None:
    """1-D [0, 4, 8]: ends copied, then 3/4 of the nearer input and 1/4 of the farther."""
    x = np.array([0.0, 4.0, 8.0], np.float32).reshape(1, 3, 1)
    out = upsample(x, size=2, interpolation="bilinear")
    np.testing.assert_array_equal(out.ravel(), [0, 1, 3, 5, 7, 8])
    g = np.array([1.0, 0, 0, 0, 0, 0], np.float32).reshape(1, 6, 1)
    np.testing.assert_array_equal(
        upsample_vjp(g, size=2, interpolation="bilinear").ravel(), [1, 0, 0]
    )
    g = np.array([0, 0, 1.0, 0, 0, 0], np.float32).reshape(1, 6, 1)  # output 2 = x0/4 + 3 x1/4
    np.testing.assert_array_equal(
        upsample_vjp(g, size=2, interpolation="bilinear").ravel(), [0.25, 0.75, 0]
    )


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_keeps_the_dtype(dtype: type, rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 3, 4, 5)).astype(dtype)
    assert upsample(x, size=2, interpolation="bilinear").dtype == dtype
    assert upsample_vjp(np.zeros((2, 6, 8, 5), dtype), size=2, interpolation="bilinear").dtype == (
        dtype
    )


@pytest.mark.parametrize("size", [(2, 2), (2, 1), (1, 2), (2, 2, 2)])
def test_chunks_and_threads_do_not_change_the_numbers(
    size: tuple[int, ...],
    rng: np.random.Generator,
    monkeypatch: pytest.MonkeyPatch,
    threads: Callable[[int], None],
) -> None:
    """Chunks of batch items and bands of rows (with the rows around them that they read),
    on worker threads, compute each element exactly as one chunk does."""
    x = rng.standard_normal((7, 9, *(6,) * (len(size) - 1), 3)).astype(np.float32)
    arguments = dict(size=size, interpolation="bilinear")
    whole = upsample(x, **arguments)  # type: ignore[arg-type]
    g = rng.standard_normal(whole.shape).astype(np.float32)
    whole_vjp = upsample_vjp(g, **arguments)  # type: ignore[arg-type]
    monkeypatch.setattr(tuning, "LINEAR_X2_CHUNK_BYTES", 1 << 10)
    monkeypatch.setattr(tuning, "PARALLEL_BYTES", 0)
    _linear_x2._chunks.cache_clear()
    try:
        # 1 KiB chunks: bands of a few rows of the first axis, several per item.
        wide_row_bytes = g[0].nbytes // 9
        assert len(_linear_x2._chunks(7, 9, wide_row_bytes)) > 7
        for workers in (1, 2):
            threads(workers)
            np.testing.assert_array_equal(upsample(x, **arguments), whole)  # type: ignore[arg-type]
            np.testing.assert_array_equal(upsample_vjp(g, **arguments), whole_vjp)  # type: ignore[arg-type]
    finally:
        _linear_x2._chunks.cache_clear()


def test_other_methods_and_factors_take_the_general_engine() -> None:
    assert _linear_x2.applies("bilinear", (2, 1))
    assert not _linear_x2.applies("bilinear", (1, 1))
    assert not _linear_x2.applies("bilinear", (2, 3))
    assert not _linear_x2.applies("bicubic", (2, 2))
    assert not _linear_x2.applies("nearest", (2, 2))
