"""Convolution and transposed convolution in 1, 2 and 3 spatial dimensions.

**A transposed convolution is the input-gradient of a convolution, and vice
versa.**  This is the central lesson of the seeds, and this module is built on
it: one convolution geometry (`ConvGeometry`, a "wide" and a "narrow" side),
and three linear maps over it, each the transpose of another:

* `_correlate`              wide -> narrow   ``y[o] = sum_t x[o*s + t*d - pad] @ w[t]``
* `_correlate_adjoint`      narrow -> wide   its transpose in ``x``: the transposed convolution
* `_correlate_kernel_grad`  (wide, narrow) -> kernel, its transpose in ``w``

so that ``Conv.forward == _correlate``, ``Conv.backward == (_correlate_adjoint,
_correlate_kernel_grad)``, ``ConvTranspose.forward == _correlate_adjoint`` and
``ConvTranspose.backward == (_correlate, _correlate_kernel_grad)``.

Kernels use Keras layouts: a convolution kernel is ``(*k, in, out)``; a
transposed-convolution kernel is ``(*k, out, in)``, i.e. exactly the kernel of
the convolution whose input-gradient it computes, not flipped.

Speed: no zero insertion.  The transposed convolution is split into
``prod(strides)`` output phases (Shi et al. 2016, "Is the deconvolution layer the
same as a convolutional layer?"): output element ``p`` with ``(p + pad) % s ==
r`` only receives taps ``t`` with ``(t * d) % s == r``, so each phase is a small
stride-1 correlation of the input.  With unit strides there is one phase, and
the transposed map is itself a forward correlation of the narrow side with the
flipped kernel (`shapes.unit_stride_transpose`); so is the kernel gradient
into a single channel, gathered from that channel.  Every map is an im2col
matmul per chunk of rows, chunks run in parallel (`runtime.map_chunks`), and
temporaries stay chunk-sized.
With stride 1 along the first spatial axis, the convolution and its kernel
gradient gather the patches of the other axes' taps only, once, and every tap of
the first axis reads them a few rows further on (`_split_rows`).  Large outputs
reuse the memory of dead ones (`runtime.new_array`).
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from upsample import runtime
from upsample.ops import _flat_shift, _one_channel
from upsample.ops._im2col import Block, Gather, blocks, gather
from upsample.ops.layout import from_channels_last, to_channels_last
from upsample.ops.linear import add_bias, bias_grad
from upsample.ops.shapes import (
    ConvGeometry,
    check_output_padding,
    conv_geometry,
    conv_transpose_geometry,
    normalize_data_format,
    normalize_padding,
    normalize_tuple,
    unit_stride_transpose,
)
from upsample.runtime import new_array, scratch, tuning

Array = NDArray[np.floating]


class ConvGrads(NamedTuple):
    """Vector-Jacobian products of a convolution with respect to each argument."""

    inputs: Array | None
    kernel: Array | None
    bias: Array | None


# --------------------------------------------------------------------------- public API


def conv(
    inputs: Array,
    kernel: Array,
    bias: Array | None = None,
    *,
    strides: int | tuple[int, ...] = 1,
    padding: str = "valid",
    data_format: str | None = None,
    dilation_rate: int | tuple[int, ...] = 1,
) -> Array:
    """N-D convolution (cross-correlation), as `keras.ops.conv` plus an optional bias.

    inputs: ``(N, *spatial, C_in)`` (or ``(N, C_in, *spatial)`` for channels_first);
    kernel: ``(*kernel_size, C_in, C_out)``; bias: ``(C_out,)``.
    Returns ``(N, *out_spatial, C_out)``.
    """
    x, w, fmt, geometry = _prepare(
        inputs,
        kernel,
        transposed=False,
        strides=strides,
        padding=padding,
        data_format=data_format,
        dilation_rate=dilation_rate,
    )
    _check_bias(bias, w.shape[-1])
    y = _correlate(x, w, geometry)
    if bias is not None:
        add_bias(y, bias)
    return from_channels_last(y, fmt)


def conv_vjp(
    grad: Array,
    inputs: Array,
    kernel: Array,
    bias: Array | None = None,
    *,
    strides: int | tuple[int, ...] = 1,
    padding: str = "valid",
    data_format: str | None = None,
    dilation_rate: int | tuple[int, ...] = 1,
    need_inputs: bool = True,
    need_kernel: bool = True,
) -> ConvGrads:
    """Gradients of `conv` for an output gradient `grad` (shaped like its output).

    The input-gradient is the transposed convolution of `grad`; the bias
    gradient is returned only when a `bias` is given.  Gradients that are not
    needed (`need_inputs`, `need_kernel`, which also covers the bias) are None.
    """
    x, w, fmt, geometry = _prepare(
        inputs,
        kernel,
        transposed=False,
        strides=strides,
        padding=padding,
        data_format=data_format,
        dilation_rate=dilation_rate,
    )
    g = _check_grad(grad, x.shape[0], geometry.narrow, w.shape[-1], fmt)
    dx = from_channels_last(_correlate_adjoint(g, w, geometry), fmt) if need_inputs else None
    dw = _correlate_kernel_grad(x, g, geometry) if need_kernel else None
    db = bias_grad(g) if bias is not None and need_kernel else None
    return ConvGrads(dx, dw, db)


def conv_transpose(
    inputs: Array,
    kernel: Array,
    bias: Array | None = None,
    *,
    strides: int | tuple[int, ...] = 1,
    padding: str = "valid",
    output_padding: int | tuple[int, ...] | None = None,
    data_format: str | None = None,
    dilation_rate: int | tuple[int, ...] = 1,
) -> Array:
    """N-D transposed convolution, as `keras.ops.conv_transpose` plus an optional bias.

    inputs: ``(N, *spatial, C_in)``; kernel: ``(*kernel_size, C_out, C_in)``;
    bias: ``(C_out,)``.  The output length per axis is Keras's (see
    `shapes.conv_transpose_output_length`).  Computed as the input-gradient of
    the convolution with the same kernel, strides, padding and dilation.
    """
    y, w, fmt, geometry = _prepare(
        inputs,
        kernel,
        transposed=True,
        strides=strides,
        padding=padding,
        output_padding=output_padding,
        data_format=data_format,
        dilation_rate=dilation_rate,
    )
    _check_bias(bias, w.shape[-2])
    x = _correlate_adjoint(y, w, geometry)
    if bias is not None:
        add_bias(x, bias)
    return from_channels_last(x, fmt)


def conv_transpose_vjp(
    grad: Array,
    inputs: Array,
    kernel: Array,
    bias: Array | None = None,
    *,
    strides: int | tuple[int, ...] = 1,
    padding: str = "valid",
    output_padding: int | tuple[int, ...] | None = None,
    data_format: str | None = None,
    dilation_rate: int | tuple[int, ...] = 1,
    need_inputs: bool = True,
    need_kernel: bool = True,
) -> ConvGrads:
    """Gradients of `conv_transpose`: its input-gradient is the convolution of `grad`.

    As for `conv_vjp`, gradients that are not needed are None.
    """
    y, w, fmt, geometry = _prepare(
        inputs,
        kernel,
        transposed=True,
        strides=strides,
        padding=padding,
        output_padding=output_padding,
        data_format=data_format,
        dilation_rate=dilation_rate,
    )
    g = _check_grad(grad, y.shape[0], geometry.wide, w.shape[-2], fmt)
    dy = from_channels_last(_correlate(g, w, geometry), fmt) if need_inputs else None
    dw = _correlate_kernel_grad(g, y, geometry) if need_kernel else None
    db = bias_grad(g) if bias is not None and need_kernel else None
    return ConvGrads(dy, dw, db)


# --------------------------------------------------------------------------- validation


def _as_float(array: Array, name: str) -> Array:
    array = np.asarray(array)
    if array.dtype.kind != "f":
        if array.dtype.kind not in "biu":
            raise TypeError(f"`{name}` must be a real-valued array. Received dtype={array.dtype}")
        array = array.astype(np.float32)
    return array


def _hashable(value: object) -> object:
    """Arguments as cache keys: lists (and arrays) of ints become tuples."""
    if isinstance(value, list | np.ndarray):
        return tuple(int(v) for v in value)
    return value


@functools.lru_cache(maxsize=512)
def _setup(
    transposed: bool,
    shape: tuple[int, ...],
    kernel_shape: tuple[int, ...],
    strides: object,
    padding: str,
    output_padding: object,
    data_format: str | None,
    dilation_rate: object,
) -> tuple[str, ConvGeometry]:
    """Validate the arguments of one call and compute its geometry (cached per shapes).

    Validation errors name the argument and the received value, as Keras's do.
    """
    ndim = len(kernel_shape) - 2
    if ndim not in (1, 2, 3):
        raise ValueError(
            "The `kernel` must have 3, 4 or 5 dimensions (1, 2 or 3 spatial ones plus two "
            f"channel ones). Received: kernel.shape={kernel_shape}"
        )
    if len(shape) != ndim + 2:
        raise ValueError(
            f"A kernel of shape {kernel_shape} expects inputs with {ndim + 2} dimensions "
            f"(batch, {ndim} spatial, channels). Received: inputs.shape={shape}"
        )
    if 0 in kernel_shape:
        raise ValueError(f"The `kernel` must not be empty. Received: kernel.shape={kernel_shape}")
    fmt = normalize_data_format(data_format)
    spatial = shape[1:-1] if fmt == "channels_last" else shape[2:]
    channels = shape[-1] if fmt == "channels_last" else shape[1]
    arguments = dict(
        kernel_size=tuple(kernel_shape[:ndim]),
        strides=normalize_tuple(strides, ndim, "strides"),  # type: ignore[arg-type]
        padding=normalize_padding(padding),
        dilation=normalize_tuple(dilation_rate, ndim, "dilation_rate"),  # type: ignore[arg-type]
    )
    if not transposed:
        if channels != kernel_shape[-2]:
            raise ValueError(
                f"The inputs have {channels} channels but the kernel of shape {kernel_shape} "
                f"expects {kernel_shape[-2]} (kernel layout: (*kernel_size, in, out))."
            )
        return fmt, conv_geometry(spatial, **arguments)  # type: ignore[arg-type]
    op = (
        None
        if output_padding is None
        else normalize_tuple(output_padding, ndim, "output_padding", allow_zero=True)  # type: ignore[arg-type]
    )
    check_output_padding(op, arguments["strides"])  # type: ignore[arg-type]
    if channels != kernel_shape[-1]:
        raise ValueError(
            f"The inputs have {channels} channels but the kernel of shape {kernel_shape} "
            f"expects {kernel_shape[-1]} (transposed kernel layout: (*kernel_size, out, in))."
        )
    return fmt, conv_transpose_geometry(spatial, output_padding=op, **arguments)  # type: ignore[arg-type]


def _prepare(
    inputs: Array,
    kernel: Array,
    *,
    transposed: bool,
    strides: int | tuple[int, ...],
    padding: str,
    output_padding: int | tuple[int, ...] | None = None,
    data_format: str | None,
    dilation_rate: int | tuple[int, ...],
) -> tuple[Array, Array, str, ConvGeometry]:
    """Channels-last, C-contiguous arrays of one float dtype, and the call's geometry."""
    inputs, kernel = _as_float(inputs, "inputs"), _as_float(kernel, "kernel")
    fmt, geometry = _setup(
        transposed,
        inputs.shape,
        kernel.shape,
        _hashable(strides),
        padding,
        _hashable(output_padding),
        data_format,
        _hashable(dilation_rate),
    )
    dtype = np.result_type(inputs.dtype, kernel.dtype)
    x = np.ascontiguousarray(to_channels_last(inputs, fmt), dtype=dtype)
    return x, kernel.astype(dtype, copy=False), fmt, geometry


def _check_bias(bias: Array | None, channels: int) -> None:
    if bias is not None and np.shape(bias) != (channels,):
        raise ValueError(
            f"The `bias` must have shape ({channels},). Received: bias.shape={np.shape(bias)}"
        )


def _check_grad(
    grad: Array, batch: int, spatial: tuple[int, ...], channels: int, fmt: str
) -> Array:
    g = to_channels_last(_as_float(grad, "grad"), fmt)
    expected = (batch, *spatial, channels)
    if g.shape != expected:
        raise ValueError(
            f"The `grad` must have the shape of the output, {expected} (channels_last). "
            f"Received: grad.shape={g.shape}"
        )
    return np.ascontiguousarray(g)  # im2col reads the buffer through strided views


# --------------------------------------------------------------------------- kernels


def _worth_threads(wide: Array, narrow: Array, geo: ConvGeometry) -> bool:
    """Whether a map is big enough for the worker threads (its im2col data, about)."""
    return narrow.nbytes // narrow.shape[-1] * wide.shape[-1] * math.prod(geo.kernel_size) >= (
        tuning.PARALLEL_BYTES
    )


def _flip(kernel: Array) -> Array:
    """A kernel ``(*k, A, B)`` flipped along every spatial axis, channels swapped: ``(*k, B, A)``.

    The kernel of `unit_stride_transpose`'s convolution (a view).
    """
    return kernel[(slice(None, None, -1),) * (kernel.ndim - 2)].swapaxes(-1, -2)


def _taps(kernel_size: tuple[int, ...]) -> list[tuple[int, ...]]:
    return list(itertools.product(*(range(k) for k in kernel_size)))


@functools.lru_cache(maxsize=256)
def _wide_plan(wide_shape: tuple[int, ...], geo: ConvGeometry) -> tuple[tuple[Block, Gather], ...]:
    """Blocks of narrow rows and the im2col of the wide pixels that feed them.

    Shared by `_correlate` and `_correlate_kernel_grad`, which read the same patches.
    """
    offsets = [tuple(t * d for t, d in zip(tap, geo.dilation)) for tap in _taps(geo.kernel_size)]
    row_bytes = math.prod(geo.narrow[1:]) * len(offsets) * wide_shape[-1] * 4
    steps = []
    for block in blocks(wide_shape[0], geo.narrow[0], row_bytes, tuning.CONV_CHUNK_BYTES):
        extent = (block.r1 - block.r0, *geo.narrow[1:])
        origin = (block.r0,) + (0,) * (geo.ndim - 1)
        starts = tuple(o * s - p for o, s, p in zip(origin, geo.strides, geo.pad_before))
        steps.append((block, gather(wide_shape, block, starts, offsets, geo.strides, extent)))
    return tuple(steps)


def _split_rows(geo: ConvGeometry, channels_in: int) -> bool:
    """Whether to leave the taps of the first spatial axis out of the im2col.

    With stride 1 along that axis, the patches of the other axes' taps, gathered
    once for the block's rows plus a halo, serve every tap of the first axis: tap
    ``t`` reads them shifted by ``t * dilation`` rows.  That copies ``k`` times
    fewer patches (the largest data movement of a 3x3 convolution); one-channel
    sources keep their tap-major gather, which is cheaper still.
    """
    return geo.ndim >= 2 and geo.strides[0] == 1 and geo.kernel_size[0] > 1 and channels_in > 1


class _RowStep(NamedTuple):
    block: Block
    patches: Gather  # taps of the other axes, rows ``[r0, r1 + (k - 1) * dilation)``
    shifts: tuple[int, ...]  # per tap of the first axis: its first patches row, per item
    rows: int  # patches rows per item that one tap reads (the block's output rows)


@functools.lru_cache(maxsize=256)
def _row_plan(wide_shape: tuple[int, ...], geo: ConvGeometry) -> tuple[_RowStep, ...]:
    """`_wide_plan` for `_split_rows` geometries: patches of the non-first taps only."""
    offsets = [
        (0, *(t * d for t, d in zip(tap, geo.dilation[1:]))) for tap in _taps(geo.kernel_size[1:])
    ]
    per_row = math.prod(geo.narrow[1:])
    halo = (geo.kernel_size[0] - 1) * geo.dilation[0]
    row_bytes = per_row * len(offsets) * wide_shape[-1] * 4
    steps = []
    for block in blocks(wide_shape[0], geo.narrow[0], row_bytes, tuning.CONV_CHUNK_BYTES):
        rows = block.r1 - block.r0
        extent = (rows + halo, *geo.narrow[1:])
        starts = (block.r0 - geo.pad_before[0], *(-p for p in geo.pad_before[1:]))
        patches = gather(wide_shape, block, starts, offsets, geo.strides, extent)
        shifts = tuple(t * geo.dilation[0] * per_row for t in range(geo.kernel_size[0]))
        steps.append(_RowStep(block, patches, shifts, rows * per_row))
    return tuple(steps)


def _per_item(step: _RowStep, source: Array) -> Array:
    """The step's patches of `source` as ``(items, rows + halo rows, columns)``."""
    patches = step.patches.patches(source)
    return patches.reshape(step.block.size, -1, patches.shape[-1])


def _correlate(x: Array, w: Array, geo: ConvGeometry) -> Array:
    """Wide -> narrow: ``y[n, o] = sum_t x[n, o*s + t*d - pad_before] @ w[t]``.

    x: ``(N, *geo.wide, A)``; w: ``(*k, A, B)``; returns ``(N, *geo.narrow, B)``.
    """
    channels_out = w.shape[-1]
    if _one_channel.applies(geo, x.shape[-1], channels_out):
        return _one_channel.correlate(x, w, geo)
    channels = max(x.shape[-1], channels_out)
    if x.shape[-1] > 1 and _flat_shift.applies(geo, x.shape[0], channels, x.itemsize):
        return _flat_shift.correlate(x, w, geo)
    y = new_array((x.shape[0], *geo.narrow, channels_out), x.dtype)
    parallel = _worth_threads(x, y, geo)
    # Split rows trade k - 1 additions of the output, in cache, for (k - 1) / k of the
    # patches copies: measured 1.1-1.5x faster from half to twice the input's channels.
    if _split_rows(geo, x.shape[-1]):
        per_tap = np.ascontiguousarray(w.reshape(geo.kernel_size[0], -1, channels_out))

        def run_rows(step: _RowStep) -> None:
            patches = _per_item(step, x)
            out = y[step.block.index].reshape(step.block.size, step.rows, channels_out)
            partial = scratch(("partial",), out.shape, x.dtype)
            for tap, shift in enumerate(step.shifts):
                taken = patches[:, shift : shift + step.rows]
                np.matmul(taken, per_tap[tap], out=partial if tap else out)
                if tap:
                    out += partial

        runtime.map_chunks(run_rows, _row_plan(x.shape, geo), parallel=parallel)
        return y
    matrix = np.ascontiguousarray(w.reshape(-1, channels_out))

    def run(step: tuple[Block, Gather]) -> None:
        block, patches = step
        np.matmul(patches.patches(x), matrix, out=y[block.index].reshape(-1, channels_out))

    runtime.map_chunks(run, _wide_plan(x.shape, geo), parallel=parallel)
    return y


def _correlate_kernel_grad(x: Array, g: Array, geo: ConvGeometry) -> Array:
    """The gradient of `_correlate` in ``w``: ``sum_o x[o*s + t*d - pad_before]^T g[o]``.

    x: ``(N, *geo.wide, A)``; g: ``(N, *geo.narrow, B)``; returns ``(*k, A, B)``.
    """
    channels_out = g.shape[-1]
    if _one_channel.applies(geo, x.shape[-1], channels_out):
        # Into one channel, the patches of the wide side would feed matrix-vector
        # products; the transposed geometry gathers the one-channel side instead,
        # tap-major, and reads the wide side once (measured 2.6x faster for 32 channels).
        flipped = _correlate_kernel_grad(g, x, unit_stride_transpose(geo))
        return np.ascontiguousarray(_flip(flipped))
    channels = max(x.shape[-1], channels_out)
    if x.shape[-1] > 1 and _flat_shift.applies(geo, x.shape[0], channels, x.itemsize):
        return _flat_shift.correlate_kernel_grad(x, g, geo)
    parallel = _worth_threads(x, g, geo)
    if _split_rows(geo, x.shape[-1]):

        def run_rows(step: _RowStep) -> Array:
            patches = _per_item(step, x)
            grad = g[step.block.index].reshape(step.block.size, step.rows, channels_out)
            return np.stack(
                [
                    np.matmul(patches[:, s : s + step.rows].transpose(0, 2, 1), grad).sum(0)
                    for s in step.shifts
                ]
            )

        partials = runtime.map_chunks(run_rows, _row_plan(x.shape, geo), parallel=parallel)
    else:

        def run(step: tuple[Block, Gather]) -> Array:
            block, patches = step
            return patches.patches(x).T @ g[block.index].reshape(-1, channels_out)

        partials = runtime.map_chunks(run, _wide_plan(x.shape, geo), parallel=parallel)
    total = partials[0]
    for partial in partials[1:]:
        total += partial
    return total.reshape(*geo.kernel_size, x.shape[-1], channels_out)


@dataclass(frozen=True)
class _Phase:
    """Output phase `residue` of a transposed convolution along one axis.

    Wide positions ``p`` with ``(p + pad) % s == residue`` receive taps ``t`` with
    ``t * d == shift * s + residue``, from narrow position ``(p + pad) // s - shift``.
    Taps are listed by decreasing shift, so that the narrow positions they read increase.
    """

    residue: int
    taps: tuple[int, ...]
    shifts: tuple[int, ...]

    def positions(self, lo: int, hi: int, stride: int, pad: int) -> tuple[int, int]:
        """``(first q, count)`` of this phase's wide positions in ``[lo, hi)``."""
        first = -(-(lo + pad - self.residue) // stride)
        last = (hi - 1 + pad - self.residue) // stride
        return first, last - first + 1


def _phases(kernel_size: int, stride: int, dilation: int) -> list[_Phase]:
    phases = []
    for residue in range(stride):
        taps = tuple(t for t in reversed(range(kernel_size)) if (t * dilation) % stride == residue)
        phases.append(_Phase(residue, taps, tuple((t * dilation) // stride for t in taps)))
    return phases


@dataclass(frozen=True)
class _PhaseStep:
    """Wide positions of one block that share one phase along every axis but the last.

    All phases of the last axis come from one matmul whose columns are
    ``(residue, channel)``: its rows are then whole runs of the wide array's last
    axis, so they are written contiguously instead of pixel by pixel.
    """

    target: tuple[slice, ...]  # batch, one phase of each leading axis, a range of the last axis
    span: int  # positions of the last axis the matmul produces (a multiple of its stride)
    crop: int  # the first `crop` of them fall before the target range
    kernel_rows: tuple[int, ...]  # per patches column block: flat tap, or -1 for zeros
    patches: Gather | None  # None: no tap reaches these positions, they are zero


@functools.lru_cache(maxsize=256)
def _narrow_plan(
    narrow_shape: tuple[int, ...], geo: ConvGeometry
) -> tuple[tuple[_PhaseStep, ...], ...]:
    """Per block of wide rows, the steps that write it in full."""
    lead = [_phases(k, s, d) for k, s, d in zip(geo.kernel_size, geo.strides, geo.dilation)][:-1]
    last = _phases(geo.kernel_size[-1], geo.strides[-1], geo.dilation[-1])
    stride, pad = geo.strides[-1], geo.pad_before[-1]
    # Shifts of the last axis, any phase, decreasing (so that the narrow positions increase).
    shifts_last = sorted({shift for phase in last for shift in phase.shifts}, reverse=True)
    row_bytes = math.prod(geo.wide[1:]) * narrow_shape[-1] * 4 * 4
    plan = []
    for block in blocks(narrow_shape[0], geo.wide[0], row_bytes, tuning.CONV_CHUNK_BYTES):
        bounds = [(block.r0, block.r1), *((0, n) for n in geo.wide[1:])]
        last_lo, last_hi = bounds[-1]
        spans = [phase.positions(last_lo, last_hi, stride, pad) for phase in last]
        q_first = min(first for first, count in spans if count > 0)
        q_last = max(first + count - 1 for first, count in spans if count > 0)
        start = q_first * stride - pad  # wide position of residue 0 at q_first
        steps = []
        for combo in itertools.product(*lead):
            first, count = (
                zip(
                    *(
                        phase.positions(lo, hi, s, p)
                        for phase, (lo, hi), s, p in zip(combo, bounds, geo.strides, geo.pad_before)
                    ),
                    strict=True,
                )
                if combo
                else ((), ())
            )
            if count and min(count) <= 0:
                continue
            target = (
                slice(block.n0, block.n1),
                *(
                    slice(q * s + phase.residue - p, q * s + phase.residue - p + s * (c - 1) + 1, s)
                    for q, c, s, p, phase in zip(first, count, geo.strides, geo.pad_before, combo)
                ),
                slice(last_lo, last_hi),
            )
            span = (q_last - q_first + 1) * stride
            lead_taps = list(itertools.product(*(phase.taps for phase in combo)))
            if not lead_taps or not shifts_last:
                steps.append(_PhaseStep(target, span, last_lo - start, (), None))
                continue
            lead_shifts = list(itertools.product(*(phase.shifts for phase in combo)))
            kernel_rows = []
            for lead_tap in lead_taps:
                for shift in shifts_last:
                    for phase in last:
                        tap = dict(zip(phase.shifts, phase.taps)).get(shift)
                        index = (*lead_tap, tap) if tap is not None else None
                        kernel_rows.append(
                            int(np.ravel_multi_index(index, geo.kernel_size)) if index else -1
                        )
            starts = (
                *(q - shift for q, shift in zip(first, lead_shifts[0])),
                q_first - shifts_last[0],
            )
            offsets = [
                (*(a - b for a, b in zip(lead_shifts[0], lead)), shifts_last[0] - shift)
                for lead in lead_shifts
                for shift in shifts_last
            ]
            extent = (*count, q_last - q_first + 1)
            patches = gather(narrow_shape, block, starts, offsets, (1,) * geo.ndim, extent)
            steps.append(_PhaseStep(target, span, last_lo - start, tuple(kernel_rows), patches))
        plan.append(tuple(steps))
    return tuple(plan)


def _correlate_adjoint(y: Array, w: Array, geo: ConvGeometry) -> Array:
    """Narrow -> wide, the transpose of `_correlate` in ``x``: the transposed convolution.

    y: ``(N, *geo.narrow, B)``; w: ``(*k, A, B)``; returns ``(N, *geo.wide, A)``.
    Each output phase is a stride-1 correlation of ``y`` with the taps that reach
    it (no zeros are inserted into ``y``); the phases of the last axis share a
    matmul, so that output rows are written whole.
    """
    channels_out, channels_in = w.shape[-2], w.shape[-1]
    channels = max(channels_out, channels_in)
    if channels_in > 1 and _flat_shift.applies(geo, y.shape[0], channels, y.itemsize):
        return _flat_shift.correlate_adjoint(y, w, geo)
    if all(s == 1 for s in geo.strides):
        # A forward correlation gets the split-rows and one-channel gathers, which the
        # phase plan lacks: 15-30% faster on the seeds' 3x3 maps, 2.5x into one channel.
        return _correlate(y, _flip(w), unit_stride_transpose(geo))
    stride = geo.strides[-1]
    x = new_array((y.shape[0], *geo.wide, channels_out), y.dtype)
    # Tap t carries a narrow vector through w[t].T; index -1 selects a zero block.
    per_tap = np.swapaxes(w.reshape(-1, channels_out, channels_in), 1, 2)
    per_tap = np.concatenate([per_tap, np.zeros_like(per_tap[:1])])
    matrices: dict[tuple[int, ...], Array] = {}
    plan = _narrow_plan(y.shape, geo)
    for steps in plan:
        for step in steps:
            if step.patches is not None and step.kernel_rows not in matrices:
                blocks_ = per_tap[list(step.kernel_rows)]  # (rows * stride, B, A)
                blocks_ = blocks_.reshape(-1, stride, channels_in, channels_out)
                matrices[step.kernel_rows] = np.ascontiguousarray(
                    blocks_.transpose(0, 2, 1, 3).reshape(-1, stride * channels_out)
                )

    def run(steps: tuple[_PhaseStep, ...]) -> None:
        for step in steps:
            out = x[step.target]
            if step.patches is None:
                out[...] = 0
                continue
            result = step.patches.patches(y) @ matrices[step.kernel_rows]
            result = result.reshape(*out.shape[:-2], step.span, channels_out)
            out[...] = result[..., step.crop : step.crop + out.shape[-2], :]

    runtime.map_chunks(run, plan, parallel=_worth_threads(x, y, geo))
    return x
