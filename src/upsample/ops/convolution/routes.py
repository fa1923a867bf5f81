"""The route table of convolutions: which route computes each map, and why.

A convolution is three linear maps over one geometry (see the package docstring):

    forward      wide -> narrow        conv; the input gradient of conv_transpose
    adjoint      narrow -> wide        conv_transpose; the input gradient of conv
    kernel_grad  (wide, narrow) -> w   the kernel gradient of both

Each map has several routes, one module each, computing the same numbers up to
float rounding:

    reference    a loop over the kernel taps, one strided slice each: any map, any geometry
    im2col       the patches under every tap side by side, one matmul per chunk of rows
    split_rows   im2col without the first axis's taps (stride 1 along that axis)
    one_channel  into one channel: one product, then shifted window sums
    flat_shift   one matmul per tap on shifted rows of the padded batch (unit strides)
    phases       the adjoint only: one stride-1 correlation per output phase

With unit strides the adjoint is itself a forward correlation, of the narrow side
with the flipped kernel (`shapes.unit_stride_transpose`): im2col, split_rows and
one_channel compute it that way.

`choose` is the table (the default route of a map for given shapes, with the
reason beside each rule); `worth_threads` decides whether a route's chunks run
on the worker threads.  The public kernels take ``route=`` to force any route
that `cannot` does not rule out; the tests check every route against the
reference that way.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray

from upsample.ops.convolution import (
    flat_shift,
    im2col,
    one_channel,
    phases,
    reference,
    split_rows,
)
from upsample.ops.convolution.gather import NEW, Output
from upsample.ops.shapes import ConvGeometry, unit_stride_transpose
from upsample.runtime import tuning

Array = NDArray[np.floating]
Map = Literal["forward", "adjoint", "kernel_grad"]

ROUTES = ("reference", "im2col", "split_rows", "one_channel", "flat_shift", "phases")


# --------------------------------------------------------------------------- the table


def choose(kind: Map, geo: ConvGeometry, batch: int, a: int, b: int, itemsize: int) -> str:
    """The route a map takes by default; `a`, `b`: channels of the wide and narrow sides.

    Measured on the seeds' models and the benchmark shapes (see `tuning`).  A planned
    step chooses once per plan (`bind_*`); the kernels called on their own, per call.
    """
    unit = all(s == 1 for s in geo.strides)
    # Small stride-1 problems: im2col's data movement would be mostly NumPy call overhead
    # (1.3-2x faster per map on the seeds' autoencoders at batch 25).  Larger ones run
    # faster on every core; a matmul over one channel (an outer product) is slow.
    small = (
        flat_shift.applies(geo)
        and flat_shift.padded_bytes(geo, batch, max(a, b), itemsize) <= tuning.FLAT_SHIFT_MAX_BYTES
    )
    if kind == "adjoint":
        if b > 1 and small:
            return "flat_shift"
        if unit:
            # The forward map of the flipped problem has the split-rows and one-channel
            # gathers, which the phases lack: 15-30% faster on the seeds' 3x3 maps, 2.5x
            # into one channel.
            return _gathering(unit_stride_transpose(geo), b, a)
        return "phases"
    if b == 1 < a and unit:
        # Into one channel, im2col would end in matrix-vector products reading every
        # patch: one product, then shifted sums, reads the input once.  The kernel
        # gradient gathers the one-channel side instead (measured 2.6x faster for 32).
        return "one_channel"
    if a > 1 and small:
        return "flat_shift"
    return _gathering(geo, a, b)


def _gathering(geo: ConvGeometry, a: int, b: int) -> str:
    """The fastest of the gathering routes for a forward map from `a` to `b` channels."""
    if b == 1 < a and all(s == 1 for s in geo.strides):
        return "one_channel"
    if a > 1 and split_rows.applies(geo) and geo.kernel_size[0] > 1:
        # k times fewer patches copied, for k - 1 additions in cache: 1.1-1.5x faster
        # from half to twice the input's channels.  One-channel sources keep their
        # tap-major gather, which is cheaper still.
        return "split_rows"
    return "im2col"


def worth_threads(route: str, geo: ConvGeometry, batch: int, a: int, itemsize: int) -> bool:
    """Whether a route's chunks go to the worker threads (`a`: channels of the wide side).

    Below `tuning.PARALLEL_BYTES` of data (the im2col patches, or the input the
    one-channel route reads) handing out chunks costs more than it saves.
    """
    if route == "one_channel":
        data = batch * math.prod(geo.wide) * a * itemsize
    elif route in ("im2col", "split_rows", "phases"):
        data = batch * math.prod(geo.narrow) * a * math.prod(geo.kernel_size) * itemsize
    else:
        return False
    return data >= tuning.PARALLEL_BYTES


def cannot(route: str, kind: Map, geo: ConvGeometry, a: int, b: int) -> str | None:
    """Why `route` cannot compute this map, or None when it can."""
    if route == "reference":
        return None
    if route == "phases":
        return None if kind == "adjoint" else "it computes the transposed map only"
    if route == "flat_shift":
        return None if flat_shift.applies(geo) else "it needs unit strides and no cropped edge"
    # The gathering routes compute forward maps (and their kernel gradients); the
    # adjoint, through the flipped problem.
    if kind == "adjoint":
        if any(s != 1 for s in geo.strides):
            return "it computes the transposed map with unit strides only"
        geo, a, b = unit_stride_transpose(geo), b, a
    if route == "one_channel" and not one_channel.applies(geo, b):
        return "it maps into one channel, with unit strides, only"
    if route == "split_rows" and not split_rows.applies(geo):
        return "it needs two or more spatial axes and stride 1 along the first"
    return None


# --------------------------------------------------------------------------- the three maps


class Bound(NamedTuple):
    """A map with its route chosen for given shapes: ``run(p, q, output)`` computes it.

    `threads`: whether the route hands its chunks to the worker threads; `output`
    (`gather.Output`): the routes that gather write into its `out`, the others make a
    new array, and run its epilogue on the whole output.  A planned training step
    binds each of its maps once (`upsample.models.plan`).
    """

    route: str
    threads: bool
    run: Callable[[Array, Array, Output], Array]


def bind_forward(
    geo: ConvGeometry, batch: int, a: int, b: int, itemsize: int, route: str | None = None
) -> Bound:
    """Wide -> narrow: ``y[n, o] = sum_t x[n, o*s + t*d - pad_before] @ w[t]``.

    ``run(x, w, output)``: x ``(batch, *geo.wide, a)``; w ``(*k, a, b)``; returns
    ``(batch, *geo.narrow, b)``.
    """
    route = route or choose("forward", geo, batch, a, b, itemsize)
    threads = worth_threads(route, geo, batch, a, itemsize)
    if route == "reference":
        return Bound(route, threads, lambda x, w, o: o.finish(reference.correlate(x, w, geo)))
    if route == "flat_shift":
        return Bound(route, threads, lambda x, w, o: o.finish(flat_shift.correlate(x, w, geo)))
    gather = {"one_channel": one_channel, "split_rows": split_rows}.get(route, im2col)
    return Bound(route, threads, lambda x, w, o: gather.correlate(x, w, geo, threads, o))


def bind_adjoint(
    geo: ConvGeometry, batch: int, a: int, b: int, itemsize: int, route: str | None = None
) -> Bound:
    """Narrow -> wide, the transpose of the forward map in ``x``: the transposed convolution.

    ``run(y, w, output)``: y ``(batch, *geo.narrow, b)``; w ``(*k, a, b)``; returns
    ``(batch, *geo.wide, a)``.
    """
    route = route or choose("adjoint", geo, batch, a, b, itemsize)
    if route == "reference":
        return Bound(route, False, lambda y, w, o: o.finish(reference.correlate_adjoint(y, w, geo)))
    if route == "flat_shift":
        return Bound(
            route, False, lambda y, w, o: o.finish(flat_shift.correlate_adjoint(y, w, geo))
        )
    if route == "phases":
        threads = worth_threads(route, geo, batch, a, itemsize)
        return Bound(
            route,
            threads,
            lambda y, w, o: phases.correlate_adjoint(y, w, geo, threads, o),
        )
    forward = bind_forward(unit_stride_transpose(geo), batch, b, a, itemsize, route)
    return Bound(route, forward.threads, lambda y, w, o: forward.run(y, flip(w), o))


def bind_kernel_grad(
    geo: ConvGeometry, batch: int, a: int, b: int, itemsize: int, route: str | None = None
) -> Bound:
    """The transpose of the forward map in ``w``: ``sum_o x[o*s + t*d - pad_before]^T g[o]``.

    ``run(x, g, NEW)``: x ``(batch, *geo.wide, a)``; g ``(batch, *geo.narrow, b)``;
    returns ``(*k, a, b)`` (a new array: its `output` is ignored).
    """
    route = route or choose("kernel_grad", geo, batch, a, b, itemsize)
    threads = worth_threads(route, geo, batch, a, itemsize)
    if route == "reference":
        return Bound(route, threads, lambda x, g, _: reference.correlate_kernel_grad(x, g, geo))
    if route == "flat_shift":
        return Bound(route, threads, lambda x, g, _: flat_shift.correlate_kernel_grad(x, g, geo))
    if route == "one_channel":
        # The transposed geometry reads the wide side once and gathers the one-channel
        # side, tap-major, instead of patches of the wide side for matrix-vector products.
        flipped = bind_kernel_grad(unit_stride_transpose(geo), batch, b, a, itemsize, "im2col")
        return Bound(
            route,
            flipped.threads,
            lambda x, g, _: np.ascontiguousarray(flip(flipped.run(g, x, NEW))),
        )
    gather = split_rows if route == "split_rows" else im2col
    return Bound(route, threads, lambda x, g, _: gather.correlate_kernel_grad(x, g, geo, threads))


def correlate(x: Array, w: Array, geo: ConvGeometry, route: str | None = None) -> Array:
    """The forward map (`bind_forward`) of x ``(N, *geo.wide, A)`` with w ``(*k, A, B)``."""
    bound = bind_forward(geo, x.shape[0], x.shape[-1], w.shape[-1], x.itemsize, route)
    return bound.run(x, w, NEW)


def correlate_adjoint(y: Array, w: Array, geo: ConvGeometry, route: str | None = None) -> Array:
    """The adjoint map (`bind_adjoint`) of y ``(N, *geo.narrow, B)`` with w ``(*k, A, B)``."""
    bound = bind_adjoint(geo, y.shape[0], w.shape[-2], y.shape[-1], y.itemsize, route)
    return bound.run(y, w, NEW)


def correlate_kernel_grad(x: Array, g: Array, geo: ConvGeometry, route: str | None = None) -> Array:
    """The kernel gradient (`bind_kernel_grad`) of x ``(N, *wide, A)``, g ``(N, *narrow, B)``."""
    bound = bind_kernel_grad(geo, x.shape[0], x.shape[-1], g.shape[-1], x.itemsize, route)
    return bound.run(x, g, NEW)


def flip(kernel: Array) -> Array:
    """A kernel ``(*k, A, B)`` flipped along every spatial axis, channels swapped: ``(*k, B, A)``.

    The kernel of `shapes.unit_stride_transpose`'s convolution (a view).
    """
    return kernel[(slice(None, None, -1),) * (kernel.ndim - 2)].swapaxes(-1, -2)
