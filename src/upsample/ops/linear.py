"""The affine map of a `Dense` layer over the last axis, and its gradients."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from upsample.ops.reductions import column_sums
from upsample.runtime import tuning

Array = NDArray[np.floating]


class LinearGrads(NamedTuple):
    inputs: Array | None
    kernel: Array | None
    bias: Array | None


def add_bias(out: Array, bias: Array) -> None:
    """``out += bias`` over the last axis, in place; `out` C-contiguous, at least 2-D.

    A bias of a few channels broadcast over rows of a few elements runs one
    short inner loop per pixel (measured: 0.15 ms for a (25, 28, 28, 8) batch);
    tiled along the next axis, the rows are long (0.04 ms).
    """
    bias = bias.astype(out.dtype, copy=False)
    channels = out.shape[-1]
    if out.ndim > 2 and 1 < channels < tuning.SHORT_ROW:
        width = out.shape[-2]
        rows = out.reshape(-1, width * channels)
        np.add(rows, np.tile(bias, width), out=rows)
    else:
        out += bias


def bias_grad(grad: Array) -> Array:
    """The gradient of `add_bias` in the bias: ``grad`` summed over all but the last axis.

    Summed by `reductions.column_sums` (blocked products with a ones vector): NumPy's
    sum over the rows of a few columns is 15 to 30 times slower and, like a single
    product, accumulates rounding errors over every row.
    """
    return column_sums(grad.reshape(-1, grad.shape[-1]))


def dense(inputs: Array, kernel: Array, bias: Array | None = None) -> Array:
    """``inputs @ kernel + bias`` over the last axis: ``(..., in) -> (..., out)``."""
    out = np.matmul(inputs, kernel)
    if bias is not None:
        add_bias(out, bias)
    return out


def dense_vjp(
    grad: Array,
    inputs: Array,
    kernel: Array,
    bias: Array | None = None,
    *,
    need_inputs: bool = True,
    need_kernel: bool = True,
) -> LinearGrads:
    """Gradients of `dense` for `grad` ``(..., out)``; unneeded ones are None."""
    rows = grad.reshape(-1, grad.shape[-1])
    dx = np.matmul(grad, kernel.T) if need_inputs else None
    dw = inputs.reshape(-1, inputs.shape[-1]).T @ rows if need_kernel else None
    db = bias_grad(rows) if bias is not None and need_kernel else None
    return LinearGrads(dx, dw, db)
