"""The reference route: the three maps of a convolution as a loop over the kernel taps.

Read this first.  Zero-pad the wide side by ``pad_before`` and ``pad_after``
along each spatial axis (a negative ``pad_after`` crops: no window reaches those
elements).  Kernel tap ``t`` then meets, at output position ``o``, the padded
position ``o * s + t * d``: along each axis a strided slice, the tap's *window*,
shaped like the narrow side.  With ``window_t(a)`` that slice of ``a`` (all items,
all channels)::

    correlate               y           = sum_t  window_t(x_padded) @ w[t]
    its transpose in x      window_t(dx_padded) += g @ w[t].T   for every t, then crop
    its transpose in w      dw[t]       = sum over items and positions of window_t(x_padded)^T g

The second is the transposed convolution: every narrow value is scattered, through
the transposed tap matrix, back to the wide positions that tap read.  Every
array keeps the inputs' dtype (float64 in, float64 out), and there is one loop
for 1, 2 and 3 spatial dimensions.  The fast routes compute the same maps
(`routes`); the tests check each of them against this one.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from upsample.ops.shapes import ConvGeometry

Array = NDArray[np.floating]
Index = tuple[slice, ...]


def _padded_shape(geo: ConvGeometry) -> tuple[int, ...]:
    return tuple(n + lo + hi for n, lo, hi in zip(geo.wide, geo.pad_before, geo.pad_after))


def _interior(geo: ConvGeometry) -> tuple[Index, Index]:
    """Where the wide side goes in the padded array, and which part of it goes there."""
    inside, source = [slice(None)], [slice(None)]
    for n, lo, length in zip(geo.wide, geo.pad_before, _padded_shape(geo)):
        first, last = max(-lo, 0), min(n, length - lo)  # the wide elements that fit
        inside.append(slice(first + lo, last + lo))
        source.append(slice(first, last))
    return tuple(inside), tuple(source)


def _window(tap: tuple[int, ...], geo: ConvGeometry) -> Index:
    """Padded positions ``o * s + t * d`` for every output position ``o``, per axis."""
    return (
        slice(None),
        *(
            slice(t * d, t * d + s * (m - 1) + 1, s)
            for t, d, s, m in zip(tap, geo.dilation, geo.strides, geo.narrow)
        ),
    )


def _pad(x: Array, geo: ConvGeometry) -> Array:
    inside, source = _interior(geo)
    padded = np.zeros((x.shape[0], *_padded_shape(geo), x.shape[-1]), x.dtype)
    padded[inside] = x[source]
    return padded


def correlate(x: Array, w: Array, geo: ConvGeometry) -> Array:
    """Wide -> narrow: x ``(N, *geo.wide, A)``, w ``(*k, A, B)`` -> ``(N, *geo.narrow, B)``."""
    padded = _pad(x, geo)
    y = np.zeros((x.shape[0], *geo.narrow, w.shape[-1]), np.result_type(x, w))
    for tap in np.ndindex(*geo.kernel_size):
        y += padded[_window(tap, geo)] @ w[tap]
    return y


def correlate_adjoint(g: Array, w: Array, geo: ConvGeometry) -> Array:
    """Narrow -> wide, the transposed convolution: g ``(N, *geo.narrow, B)``, w ``(*k, A, B)``
    -> ``(N, *geo.wide, A)``."""
    dtype = np.result_type(g, w)
    padded = np.zeros((g.shape[0], *_padded_shape(geo), w.shape[-2]), dtype)
    for tap in np.ndindex(*geo.kernel_size):
        padded[_window(tap, geo)] += g @ w[tap].T
    inside, source = _interior(geo)
    dx = np.zeros((g.shape[0], *geo.wide, w.shape[-2]), dtype)
    dx[source] = padded[inside]
    return dx


def correlate_kernel_grad(x: Array, g: Array, geo: ConvGeometry) -> Array:
    """The kernel gradient: x ``(N, *geo.wide, A)``, g ``(N, *geo.narrow, B)`` -> ``(*k, A, B)``."""
    padded = _pad(x, geo)
    summed = tuple(range(geo.ndim + 1))  # items and positions
    dw = np.zeros((*geo.kernel_size, x.shape[-1], g.shape[-1]), np.result_type(x, g))
    for tap in np.ndindex(*geo.kernel_size):
        dw[tap] = np.tensordot(padded[_window(tap, geo)], g, axes=(summed, summed))
    return dw
