"""`ops.reductions`: sums over batch and spatial axes, exact to float32 rounding.

Known answers: a long sum of one float32 value (whose exact sum is known) is summed to
within an ulp, where adding the rows one by one is off by thousands of ulps; random
arrays agree with their float64 sums, on both sides of every threshold.
"""

from __future__ import annotations

import numpy as np
import pytest

from upsample.ops.reductions import column_sums, sum_except
from upsample.runtime import tuning


def ulps(result: np.ndarray, exact: np.ndarray) -> float:
    """How far `result` is from `exact`, in units of the last place of float32 at `exact`."""
    spacing = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    return float((np.abs(result.astype(np.float64) - exact) / spacing).max())


def test_long_sums_of_one_sign_are_within_an_ulp(rng: np.random.Generator) -> None:
    rows = rng.uniform(0, 0.2, (300_000, 3)).astype(np.float32)
    exact = rows.sum(axis=0, dtype=np.float64)
    assert ulps(column_sums(rows), exact) <= 1
    assert ulps(np.add.reduce(rows, axis=0), exact) > 100  # one row after another


def test_a_long_sum_of_one_value() -> None:
    """The worst case of adding rows in sequence: every rounding errs the same way.

    Blocks of `tuning.SUM_BLOCK_ROWS` rows keep it to a few ulps (XLA: 3), where NumPy's
    row-by-row sum is off by ten thousand.
    """
    rows = np.full((300_000, 3), 0.1, np.float32)
    exact = np.full(3, 300_000 * float(np.float32(0.1)))
    assert ulps(column_sums(rows), exact) <= 10
    assert ulps(np.add.reduce(rows, axis=0), exact) > 10_000


@pytest.mark.parametrize("blocks", ["float64 copy", "blocks"])
@pytest.mark.parametrize("count", [1, 255, 256, 257, 512, 1000, 70_001])
def test_column_sums_match_float64_sums(
    count: int, blocks: str, monkeypatch: pytest.MonkeyPatch, rng: np.random.Generator
) -> None:
    if blocks == "blocks":
        monkeypatch.setattr(tuning, "SUM_FLOAT64_ELEMENTS", 0)
    rows = rng.normal(0.02, 0.1, (count, 5)).astype(np.float32)
    result = column_sums(rows)
    assert result.dtype == np.float32 and result.shape == (5,)
    assert ulps(result, rows.sum(axis=0, dtype=np.float64)) <= 4


def test_column_sums_of_no_rows_are_zeros() -> None:
    np.testing.assert_array_equal(column_sums(np.zeros((0, 3), np.float32)), np.zeros(3))


@pytest.mark.parametrize("dtype", [np.float16, np.float64])
def test_column_sums_keep_the_dtype(dtype: type, rng: np.random.Generator) -> None:
    rows = rng.normal(0.5, 0.1, (3000, 2)).astype(dtype)
    result = column_sums(rows)
    assert result.dtype == dtype
    np.testing.assert_allclose(result, rows.astype(np.float64).sum(axis=0), rtol=1e-3)


@pytest.mark.parametrize("axis", [-1, 1, 0])
def test_sum_except_sums_every_other_axis(axis: int, rng: np.random.Generator) -> None:
    x = rng.normal(0.02, 0.1, (40, 6, 30, 50)).astype(np.float32)
    others = tuple(a for a in range(x.ndim) if a != axis % x.ndim)
    exact = x.sum(axis=others, dtype=np.float64)
    result = sum_except(x, axis)
    assert result.shape == (x.shape[axis],)
    assert ulps(result, exact) <= 4
