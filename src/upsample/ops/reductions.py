"""Sums over the batch and spatial axes, as accurate as float64 accumulation and fast.

Bias gradients, BatchNormalization's statistics and its gamma and beta gradients
sum hundreds of thousands of float32 values per channel (a (1000, 28, 28, 32)
batch: 784,000 per channel).  How they are added decides how far the result is
from the exact sum:

* NumPy's ``x.sum(axis=0)`` over the rows of a ``(rows, channels)`` array adds
  the rows one after another: its rounding error grows with the number of rows
  (pairwise summation applies only along the contiguous last axis), and it runs
  one short inner loop per row;
* one BLAS product ``ones @ rows`` is fast, but accumulates every row of a
  column in a few float32 partial sums;
* here: BLAS products with a ones vector over blocks of `tuning.SUM_BLOCK_ROWS`
  rows (float32 sums of a few hundred values), and the blocks' sums added in
  float64 (small arrays are summed in float64 altogether).  On gradients and
  activations it is within an ulp of the exact sum (XLA's reductions, i.e.
  Keras's, within one or two); in the worst case, a sum of one repeated value,
  within ten ulps (XLA: three), where NumPy's row-by-row sum is off by ten
  thousand.  It runs as fast as one product (measurements beside the thresholds
  in `tuning`).

See N. J. Higham, "The accuracy of floating point summation", SIAM J. Sci.
Comput. 14 (1993): the error bound of recursive summation grows with the number
of terms added in sequence, which blocking bounds by the block length plus the
number of blocks (here summed in float64, which makes the second term vanish).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from upsample.runtime import tuning

Array = NDArray[np.floating]


def column_sums(rows: Array) -> Array:
    """``rows.sum(axis=0)`` for `rows` ``(M, C)``, accurately: ``(C,)`` in rows' dtype."""
    count, channels = rows.shape
    if rows.size <= tuning.SUM_FLOAT64_ELEMENTS or rows.dtype == np.float64:
        # Small: a float64 copy costs a few microseconds, and its sum is exact to float32.
        return (np.ones(count) @ rows.astype(np.float64, copy=False)).astype(rows.dtype)
    block = tuning.SUM_BLOCK_ROWS
    blocks = count // block
    ones = np.ones(block, rows.dtype)
    whole = blocks * block
    partials = np.matmul(ones, rows[:whole].reshape(blocks, block, channels))
    total = partials.sum(axis=0, dtype=np.float64)
    if whole < count:
        total += ones[: count - whole] @ rows[whole:]
    return total.astype(rows.dtype)


def sum_except(x: Array, axis: int) -> Array:
    """The sums of `x` over every axis but `axis`: ``(x.shape[axis],)``, accurately.

    `x` C-contiguous.  A feature axis that is not the last one (channels_first)
    is first summed along the contiguous trailing axes, where NumPy's pairwise
    summation applies, then down the rows as `column_sums` does.
    """
    axis %= x.ndim
    before, features = math.prod(x.shape[:axis]), x.shape[axis]
    after = math.prod(x.shape[axis + 1 :])
    if after == 1:
        return column_sums(x.reshape(before, features))
    return column_sums(x.reshape(before, features, after).sum(axis=-1))
