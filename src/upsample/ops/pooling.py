"""Max and average pooling in 1, 2 and 3 spatial dimensions, with their gradients.

Both poolings share one piece of machinery, the *window taps*: for every tap
``t`` of the pooling window there is one strided view of the source,
``view_t[n, o, c] = source[n, o * s + t, c]``, with the shape of the output, so a
reduction over the windows is a loop over the ``prod(pool_size)`` taps, each a
whole-array NumPy operation.  The source is the input itself, unless "same"
padding adds cells: then the batch chunk being processed is copied into a
buffer whose border holds the padding (only the cells the windows lack,
`shapes.conv_padding`: at most ``pool_size - 1`` per axis, the extra one at the
end).  Strides equal to the pool size, the common case, need nothing special:
the tap views then tile the source exactly, which is what a reshape to
``(N, H / p, p, W / p, p, C)`` windows would give, and the input gradient is
written once per cell, without zeroing it first.

* max:      ``out = max_t view_t``; padded cells hold -inf, so they never win.
* average:  ``out = sum_t view_t / count``; padded cells hold 0 and, as in Keras,
            are not counted.

The gradients run the same views backwards: each tap's view of the input
gradient receives the output gradient where that tap was the selected maximum
(max), or the output gradient divided by the count (average).  When windows
overlap (strides < pool_size) contributions to one input cell accumulate.

**Ties.** Max pooling sends a window's gradient to exactly one cell, the one
JAX's gradient of ``lax.reduce_window(max)`` (what `keras.ops.max_pool` runs on
JAX) picks.  That gradient is XLA's SelectAndScatter with the ``>=`` selector on
the -inf-padded input (JAX pads explicitly on CPU): it scans the window in
row-major order and replaces the selected cell by the next one unless
``selected >= candidate``.  For ordinary numbers that is the *first* maximum
(the all-zero windows after a ReLU send their gradient to their top-left cell);
a NaN is replaced by whatever follows it, and a window of nothing but -inf keeps
its first cell, which may be padding (its gradient is then dropped, as in JAX).
`_selected_taps` reproduces that scan.

Speed: with channels last and few channels, a tap's view has rows of only
``C`` contiguous values, and NumPy's per-row overhead dominates any operation on
it.  So each tap is read (and each gradient written) once, by a copy that moves
whole pixels (`_pixels.copy_pixels`); everything else runs on contiguous chunk-sized
buffers.  Chunks of batch items run in parallel (`runtime.run_chunks`), and plans
(slices, chunks, counts) are cached per shape, so that small calls stay cheap.
"""

from __future__ import annotations

import functools
import math
import operator
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from upsample import runtime
from upsample.ops._pixels import copy_pixels
from upsample.ops.activations import _select
from upsample.ops.layout import as_float
from upsample.ops.shapes import (
    Padding,
    conv_geometry,
    conv_output_length,
    normalize_data_format,
    normalize_padding,
    normalize_tuple,
)
from upsample.runtime import tuning

Array = NDArray[np.floating]
Index = tuple[slice, ...]

# --------------------------------------------------------------------------- public API


def max_pool(
    inputs: Array,
    *,
    pool_size: int | tuple[int, ...],
    strides: int | tuple[int, ...] | None = None,
    padding: str = "valid",
    data_format: str | None = None,
) -> Array:
    """Max pooling, as `keras.ops.max_pool`.

    inputs: ``(N, *spatial, C)`` (or ``(N, C, *spatial)`` for channels_first),
    with 1, 2 or 3 spatial axes.  `strides` defaults to `pool_size`; "same"
    padding pads with -inf, the extra cell at the end.  Returns
    ``(N, *out_spatial, C)``, ``out = ceil(n / s)`` ("same") or
    ``floor((n - k) / s) + 1`` ("valid").
    """
    x, layout = _prepare(inputs, pool_size, strides, padding, data_format)
    plan = layout.plan
    y = np.empty(plan.out_shape, x.dtype)

    def run(batch: slice) -> None:
        _reduce(_windows(plan, x[batch], -np.inf), np.maximum, out=y[batch])

    runtime.run_chunks(run, plan.chunks, x.nbytes + y.nbytes)
    return layout.output(y)


def max_pool_vjp(
    grad: Array,
    inputs: Array,
    *,
    pool_size: int | tuple[int, ...],
    strides: int | tuple[int, ...] | None = None,
    padding: str = "valid",
    data_format: str | None = None,
) -> Array:
    """Gradient of `max_pool` with respect to `inputs`, for an output gradient `grad`.

    Each window's gradient goes to one maximum, chosen as JAX chooses it (see
    the module docstring: the first maximum in row-major order); overlapping
    windows add up.  Returns an array shaped like `inputs`.
    """
    x, layout = _prepare(inputs, pool_size, strides, padding, data_format)
    plan = layout.plan
    g = _prepare_grad(grad, layout, x.dtype)
    dx = np.empty(x.shape, x.dtype)

    def run(batch: slice) -> None:
        selected = _selected_taps(_windows(plan, x[batch], -np.inf))
        routed = np.empty_like(g[batch])
        targets = _scatter_targets(plan, dx[batch])
        for tap in range(len(plan.taps)):
            # The gradient where this tap was selected, +0 (not g * 0) elsewhere.
            targets.put(tap, _select(g[batch], selected == tap, out=routed))
        targets.finish()

    runtime.run_chunks(run, plan.chunks, x.nbytes + dx.nbytes)
    return layout.input_grad(dx)


def average_pool(
    inputs: Array,
    *,
    pool_size: int | tuple[int, ...],
    strides: int | tuple[int, ...] | None = None,
    padding: str = "valid",
    data_format: str | None = None,
) -> Array:
    """Average pooling, as `keras.ops.average_pool`.

    Shapes as in `max_pool`.  With "same" padding, padded cells are excluded
    from each window's count (an edge window of 2 real cells out of 4 is their
    mean), as Keras does on every backend.
    """
    x, layout = _prepare(inputs, pool_size, strides, padding, data_format)
    plan = layout.plan
    y = np.empty(plan.out_shape, x.dtype)
    divisor = _divisor(plan, x.dtype)

    def run(batch: slice) -> None:
        out = _reduce(_windows(plan, x[batch], 0.0), np.add, out=y[batch])
        np.divide(out, divisor, out=out)

    runtime.run_chunks(run, plan.chunks, x.nbytes + y.nbytes)
    return layout.output(y)


def average_pool_vjp(
    grad: Array,
    *,
    input_shape: tuple[int, ...],
    pool_size: int | tuple[int, ...],
    strides: int | tuple[int, ...] | None = None,
    padding: str = "valid",
    data_format: str | None = None,
) -> Array:
    """Gradient of `average_pool` with respect to its input of shape `input_shape`.

    Average pooling is linear, so this is its transpose: every cell of a window
    receives the window's gradient divided by its count.  Returns an array of
    shape `input_shape`, in the dtype of `grad`.
    """
    grad = as_float(grad, "grad")
    shape = _check_input_shape(input_shape)
    layout = _layout(shape, pool_size, strides, padding, data_format)
    plan = layout.plan
    g = _prepare_grad(grad, layout, grad.dtype)
    divisor = _divisor(plan, g.dtype)
    dx = np.empty(plan.in_shape, g.dtype)

    def run(batch: slice) -> None:
        share = np.divide(g[batch], divisor)
        targets = _scatter_targets(plan, dx[batch])
        for tap in range(len(plan.taps)):
            targets.put(tap, share)
        targets.finish()

    runtime.run_chunks(run, plan.chunks, g.nbytes + dx.nbytes)
    return layout.input_grad(dx)


# --------------------------------------------------------------------------- plans


@dataclass(frozen=True)
class _Plan:
    """Everything about one pooling that depends only on shapes (channels-last).

    The *source* is what the window views read: the input itself, or, when
    `padded_shape` is set, a per-chunk buffer of that spatial shape holding the
    input at `interior` and padding around it (cells `borders`).
    """

    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    chunks: tuple[slice, ...]  # batch items processed together
    # Indices below cover (batch, *spatial); the channel axis is left whole.
    taps: tuple[Index, ...]  # per window tap: its view of the source (row-major tap order)
    padded_shape: tuple[int, ...] | None
    interior: Index  # the input's part of the padded source (and of the input)
    borders: tuple[Index, ...]  # the padded cells of the source
    input_used: Index  # the input cells any window reads
    reads_all_input: bool  # the windows reach the input's last cells ("valid" may stop short)
    overlapping: bool  # some input cells are read by more than one window
    tiles: bool  # every source cell is read by exactly one window
    window_size: int
    counts: NDArray[np.float64] | None  # real cells per window (average), None: all full


@functools.lru_cache(maxsize=256)
def pooled_shape(
    spatial: tuple[int | None, ...],
    *,
    pool_size: tuple[int, ...],
    strides: tuple[int, ...],
    padding: Padding,
) -> tuple[int | None, ...]:
    """The output's spatial shape (an unknown length stays None); an empty output is a
    ValueError naming the arguments."""
    try:
        return tuple(
            None if n is None else conv_output_length(n, kernel_size=k, stride=s, padding=padding)
            for n, k, s in zip(spatial, pool_size, strides, strict=True)
        )
    except ValueError:
        raise ValueError(
            f"An input of spatial shape {tuple(spatial)} is too small for "
            f"pool_size={tuple(pool_size)} with strides={tuple(strides)} and "
            f"padding={padding!r}: the output would be empty."
        ) from None


@functools.lru_cache(maxsize=256)
def _plan(
    shape: tuple[int, ...],
    pool: tuple[int, ...],
    strides: tuple[int, ...],
    padding: Padding,
    chunk_bytes: int,
) -> _Plan:
    spatial = shape[1:-1]
    pooled_shape(spatial, pool_size=pool, strides=strides, padding=padding)  # not empty
    geo = conv_geometry(
        spatial, kernel_size=pool, strides=strides, padding=padding, dilation=(1,) * len(pool)
    )
    out = geo.narrow
    # The source spans exactly the windows: `(out - 1) * s + k` cells per axis.
    extent = tuple((o - 1) * s + k for o, s, k in zip(out, strides, pool))
    used = tuple(min(n, e - p) for n, e, p in zip(spatial, extent, geo.pad_before))
    padded = any(p > 0 for p in geo.pad_before) or any(
        p + u < e for p, u, e in zip(geo.pad_before, used, extent)
    )
    disjoint = all(s >= k for s, k in zip(strides, pool))
    whole = (slice(None),)
    return _Plan(
        in_shape=shape,
        out_shape=(shape[0], *out, shape[-1]),
        chunks=_chunks(shape, extent if padded else spatial, chunk_bytes),
        taps=tuple(
            (*whole, *(slice(t, t + s * (o - 1) + 1, s) for t, s, o in zip(tap, strides, out)))
            for tap in np.ndindex(*pool)
        ),
        padded_shape=extent if padded else None,
        interior=(*whole, *(slice(p, p + u) for p, u in zip(geo.pad_before, used))),
        borders=_borders(geo.pad_before, used, extent) if padded else (),
        input_used=(*whole, *(slice(0, u) for u in used)),
        reads_all_input=used == spatial,
        overlapping=not disjoint,
        tiles=disjoint and strides == pool and (padded or extent == spatial),
        window_size=math.prod(pool),
        counts=_window_counts(spatial, pool, strides, out, geo.pad_before),
    )


def _borders(
    pad_before: tuple[int, ...], used: tuple[int, ...], extent: tuple[int, ...]
) -> tuple[Index, ...]:
    """The padded cells of the source: a slab before and after the input along each axis."""
    borders: list[Index] = []
    for axis, (p, u, e) in enumerate(zip(pad_before, used, extent)):
        before = (slice(None),) * (1 + axis)
        borders += [(*before, slice(0, p)), (*before, slice(p + u, e))]
    return tuple(borders)


def _chunks(shape: tuple[int, ...], source: tuple[int, ...], chunk_bytes: int) -> tuple[slice, ...]:
    """Batch ranges of about `chunk_bytes` of source (counted as float32) each."""
    if 0 in shape:
        return ()  # nothing to compute, and no pixels to copy
    items = max(1, chunk_bytes // (math.prod(source) * shape[-1] * 4))
    return tuple(slice(n, min(n + items, shape[0])) for n in range(0, shape[0], items))


def _window_counts(
    spatial: tuple[int, ...],
    pool: tuple[int, ...],
    strides: tuple[int, ...],
    out: tuple[int, ...],
    pad_before: tuple[int, ...],
) -> NDArray[np.float64] | None:
    """Real (unpadded) cells per window, ``(1, *out, 1)``; None when every window is full.

    A window is a box, so its count is the product of per-axis counts.
    """
    per_axis = []
    for n, k, s, o, p in zip(spatial, pool, strides, out, pad_before):
        starts = np.arange(o) * s - p
        per_axis.append(np.minimum(starts + k, n) - np.maximum(starts, 0))
    counts = functools.reduce(np.multiply.outer, per_axis).astype(np.float64)
    if np.all(counts == math.prod(pool)):
        return None
    return counts.reshape(1, *out, 1)


def _divisor(plan: _Plan, dtype: np.dtype) -> Array | float:
    """What each window's sum is divided by: its count of real cells, in `dtype`."""
    if plan.counts is None:
        return float(plan.window_size)
    return plan.counts.astype(dtype)


# --------------------------------------------------------------------------- validation


class _Layout(NamedTuple):
    """A pooling call's plan, and how the caller's layout maps onto the plan's."""

    plan: _Plan
    in_shape: tuple[int, ...]  # the caller's input shape
    out_shape: tuple[int, ...]  # the caller's output shape

    def output(self, y: Array) -> Array:
        """An output in the plan's layout -> the caller's (a reshape, never a copy)."""
        return y.reshape(self.out_shape)

    def input_grad(self, dx: Array) -> Array:
        """An input gradient in the plan's layout -> the caller's."""
        return dx.reshape(self.in_shape)


def _prepare(
    inputs: Array,
    pool_size: int | tuple[int, ...],
    strides: int | tuple[int, ...] | None,
    padding: str,
    data_format: str | None,
) -> tuple[Array, _Layout]:
    """Check the arguments; return the input in the plan's layout, and the layout."""
    x = as_float(inputs, "inputs")
    layout = _layout(x.shape, pool_size, strides, padding, data_format)
    return np.ascontiguousarray(x).reshape(layout.plan.in_shape), layout


def _layout(
    shape: tuple[int, ...],
    pool_size: int | tuple[int, ...],
    strides: int | tuple[int, ...] | None,
    padding: str,
    data_format: str | None,
) -> _Layout:
    """The plan for an input of `shape` in `data_format`.

    A channels_first ``(N, C, *spatial)`` array is, without any copy, a
    channels_last one of ``N * C`` items with a single channel: pooling never
    mixes channels, so both layouts share one implementation (and the
    channels_first one gets long contiguous rows for free).
    """
    if len(shape) not in (3, 4, 5):
        raise ValueError(
            "The `inputs` must have 3, 4 or 5 dimensions (batch, 1 to 3 spatial ones, "
            f"channels). Received: inputs.shape={tuple(shape)}"
        )
    ndim = len(shape) - 2
    pool = normalize_tuple(pool_size, ndim, "pool_size")
    steps = pool if strides is None else normalize_tuple(strides, ndim, "strides")
    mode = normalize_padding(padding)
    first = normalize_data_format(data_format) == "channels_first"
    batch, channels = shape[0], shape[1 if first else -1]
    internal = (batch * channels, *shape[2:], 1) if first else tuple(shape)
    try:
        plan = _plan(internal, pool, steps, mode, tuning.POOLING_CHUNK_BYTES)
    except ValueError as error:
        raise ValueError(f"{error} Received: inputs.shape={tuple(shape)}") from None
    if not first:
        return _Layout(plan, plan.in_shape, plan.out_shape)
    return _Layout(plan, tuple(shape), (batch, channels, *plan.out_shape[1:-1]))


def _prepare_grad(grad: Array, layout: _Layout, dtype: np.dtype) -> Array:
    """The output gradient, checked against the caller's output shape, in the plan's layout."""
    g = as_float(grad, "grad")
    if g.shape != layout.out_shape:
        raise ValueError(
            f"The `grad` must have the shape of the output, {layout.out_shape}. "
            f"Received: grad.shape={g.shape}"
        )
    return np.ascontiguousarray(g, dtype=dtype).reshape(layout.plan.out_shape)


def _check_input_shape(input_shape: tuple[int, ...]) -> tuple[int, ...]:
    try:
        shape = tuple(operator.index(n) for n in input_shape)
    except TypeError:
        shape = ()
    if len(shape) not in (3, 4, 5) or min(shape) < 0:
        raise ValueError(
            "The `input_shape` must be a tuple of 3, 4 or 5 non-negative ints (batch, 1 to 3 "
            f"spatial ones, channels). Received: input_shape={input_shape!r}"
        )
    return shape


# --------------------------------------------------------------------------- windows


def _windows(plan: _Plan, x: Array, fill: float) -> list[Array]:
    """One view of the source per window tap, each shaped like the chunk's output.

    x: a chunk ``(n, *spatial, C)`` of the input; `fill` is the padding value.
    """
    source = x
    if plan.padded_shape is not None:
        shape = (x.shape[0], *plan.padded_shape, x.shape[-1])
        source = np.empty(shape, x.dtype)
        for border in plan.borders:
            source[border] = fill
        source[plan.interior] = x[plan.input_used]
    return [source[tap] for tap in plan.taps]


@dataclass(frozen=True)
class _Targets:
    """Where the taps of one chunk write their gradients.

    The target is the chunk's input gradient itself, or, with padding, a buffer
    shaped like the padded source, whose interior `finish` moves into the
    input gradient (the gradient reaching padded cells is dropped).
    """

    plan: _Plan
    dx: Array  # the chunk's input gradient, (n, *spatial, C)
    target: Array

    def put(self, tap: int, values: Array) -> None:
        """Add `values` (shaped like the output chunk) into the cells under `tap`."""
        view = self.target[self.plan.taps[tap]]
        if self.plan.overlapping:
            np.add(view, values, out=view)
        else:
            copy_pixels(view, values)

    def finish(self) -> None:
        if self.target is not self.dx:
            self.dx[self.plan.input_used] = self.target[self.plan.interior]


def _scatter_targets(plan: _Plan, dx: Array) -> _Targets:
    """The targets of one chunk; dx: its uninitialised ``(n, *spatial, C)`` input gradient.

    Unless the windows tile the target (each cell under exactly one tap, so
    that `put` writes every cell once), it starts zeroed: cells under no
    window get no gradient, cells under several accumulate.
    """
    target = dx
    if plan.padded_shape is not None:
        target = np.empty((dx.shape[0], *plan.padded_shape, dx.shape[-1]), dx.dtype)
        if not plan.reads_all_input:
            dx.fill(0)
    if not plan.tiles:
        target.fill(0)
    return _Targets(plan, dx, target)


def _reduce(views: list[Array], ufunc: np.ufunc, *, out: Array) -> Array:
    """``out = ufunc.reduce(views)``, tap by tap; out: a contiguous output chunk."""
    copy_pixels(out, views[0])
    candidate = np.empty_like(out)
    for view in views[1:]:
        ufunc(out, copy_pixels(candidate, view), out=out)
    return out


def _selected_taps(views: list[Array]) -> NDArray[np.unsignedinteger]:
    """Per window, the tap whose cell receives the gradient: XLA's choice (see the module doc).

    XLA scans the window and replaces the selected cell by a candidate unless
    ``selected >= candidate``.  Without NaNs that is "replace when strictly
    greater", i.e. a running `maximum` that remembers the last tap which raised
    it; windows with a NaN take the exact (slower, masked) scan.
    """
    shape, dtype = views[0].shape, views[0].dtype
    index = np.min_scalar_type(len(views) - 1)
    selected = np.zeros(shape, index)
    best = np.empty(shape, dtype)
    copy_pixels(best, views[0])
    candidate = np.empty(shape, dtype)
    raised = np.empty(shape, np.bool_)
    raised_at = np.empty(shape, index)
    for tap, view in enumerate(views[1:], start=1):
        copy_pixels(candidate, view)
        np.less(best, candidate, out=raised)
        np.maximum(best, candidate, out=best)
        # Taps only increase, so the last tap that raised the maximum is the largest one.
        # (A bool array viewed as uint8 is 0/1; uint8 arithmetic avoids a slow casting loop.)
        np.multiply(raised.view(np.uint8), index.type(tap), out=raised_at)
        np.maximum(selected, raised_at, out=selected)
    if np.isnan(best).any():
        _select_exactly(views, best, selected, raised)
    return selected


def _select_exactly(
    views: list[Array], best: Array, selected: NDArray[Any], replace: NDArray[np.bool_]
) -> None:
    """XLA's scan, NaN included: a NaN is replaced by the next cell, whatever its value."""
    selected.fill(0)
    np.copyto(best, views[0])
    for tap, view in enumerate(views[1:], start=1):
        np.greater_equal(best, view, out=replace)
        np.logical_not(replace, out=replace)
        np.copyto(best, view, where=replace)
        np.copyto(selected, tap, where=replace)
