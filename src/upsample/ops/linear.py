"""The affine map of a `Dense` layer over the last axis, and its gradients."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]


class LinearGrads(NamedTuple):
    inputs: Array | None
    kernel: Array | None
    bias: Array | None


def dense(inputs: Array, kernel: Array, bias: Array | None = None) -> Array:
    """``inputs @ kernel + bias`` over the last axis: ``(..., in) -> (..., out)``."""
    out = np.matmul(inputs, kernel)
    if bias is not None:
        out += bias
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
    db = rows.sum(axis=0) if bias is not None and need_kernel else None
    return LinearGrads(dx, dw, db)
