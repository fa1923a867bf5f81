"""Upsampling by integer factors (Keras's UpSampling1D/2D/3D) in 1, 2 and 3 dimensions.

`upsample` computes ``UpSampling*D(size, interpolation)`` exactly as Keras 3 does:
"nearest" repeats every pixel (`ops.repeat`, exact on every backend); the other
interpolations are `keras.ops.image.resize` on the JAX backend, i.e.
`jax.image.resize` with half-pixel centres, taps outside the input dropped and
the remaining weights renormalised (see `_resample_weights`).  `upsample_vjp` is
its exact transpose: the op is linear, so its gradient is the transposed operator.

Interpolations: "nearest", "bilinear", "bicubic" (Keys, a = -0.5), "lanczos3",
"lanczos5".  "linear" and "trilinear" are aliases of "bilinear", "cubic" and
"tricubic" of "bicubic" (as in `jax.image.resize`), so that 1-D and 3-D read
naturally; Keras itself only interpolates in 2-D.

How it is computed.  Resampling is separable: one 1-D operator per axis, applied
axis by axis.  For an integer factor ``f`` that operator is polyphase: output
``f * i + p`` is the same weighted sum of inputs ``i + k`` at every row ``i``
except a few near the borders (`_resample_weights.Segment`).  A pass over one
axis therefore evaluates, per phase, one weighted sum of strided slices over the
interior rows of every item at once, then overwrites the few border rows of
every item with a small dense block of the operator (one batched matmul).  The
transpose of an operator is the same kind of table (an input gathers from every
phase that reads it), so both directions share this engine; nearest is the case
of a single tap of weight 1, so its forward is a repeat (each output element is
written once, by a broadcast) and its transpose sums each block.

Speed.  Work is split into chunks of batch items (and rows of the first spatial
axis, with the halo the taps need) small enough to keep intermediates in cache,
and chunks run on all cores (`runtime.map_chunks`).  The forward pass handles the inner
axes first, so that its last pass writes whole output rows; the transpose starts
with the first axis, reading whole rows of the large gradient.  Where phases
interleave in blocks of a few elements (one pixel), NumPy's strided arithmetic
is slow, so sums are formed in contiguous scratch and moved by one strided copy.
Sources scaled by a weight shared across phases are computed once (`prescale`).
Plans depend only on shapes and are cached, and large outputs reuse the memory
of dead ones (`runtime.new_array`) instead of page-faulting fresh memory.

Bilinear by factors of 2 (the seeds' ``UpSampling2D(interpolation="bilinear")``)
takes a dedicated path, `_linear_x2`: the same operator in fewer passes.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from upsample import runtime
from upsample.ops import _linear_x2
from upsample.ops._blocks import Block, blocks
from upsample.ops._pixels import copy_pixels, reshaped
from upsample.ops._resample_weights import (
    KERNELS,
    NEAREST,
    Segment,
    Term,
    forward_segments,
    restrict,
    transpose_segments,
)
from upsample.ops.layout import as_float
from upsample.ops.shapes import normalize_data_format, normalize_tuple, resize_output_length
from upsample.runtime import new_array, scratch, tuning

Array = NDArray[np.floating]
Index = tuple[slice | int, ...]

INTERPOLATIONS: tuple[str, ...] = (NEAREST, *KERNELS)
ALIASES: dict[str, str] = {
    "linear": "bilinear",
    "trilinear": "bilinear",
    "cubic": "bicubic",
    "tricubic": "bicubic",
}


# --------------------------------------------------------------------------- public API


def upsample(
    x: Array,
    *,
    size: int | Sequence[int],
    interpolation: str = "nearest",
    data_format: str | None = None,
) -> Array:
    """Upsample `x` by integer factors `size`, as Keras's ``UpSampling{1,2,3}D``.

    x: ``(N, *spatial, C)`` (channels_last) or ``(N, C, *spatial)``, 1 to 3 spatial
    axes; `size`: one factor, or one per spatial axis.  Returns the same layout
    with every spatial length multiplied by its factor, in the dtype of `x`.
    """
    x = as_float(x, "x")
    method, fmt, factors = _check_arguments(x.shape, size, interpolation, data_format, "x")
    batch, spatial, channels = _canonical(x.shape, fmt)
    wide = tuple(resize_output_length(n, f) for n, f in zip(spatial, factors))
    shape = _layout(x.shape[0], wide, x.shape[1 if fmt == "channels_first" else -1], fmt)
    source = np.ascontiguousarray(x).reshape(batch, *spatial, channels)
    result = _apply(False, method, source, factors, (batch, *wide, channels))
    return result.reshape(shape)


def upsample_vjp(
    grad: Array,
    *,
    size: int | Sequence[int],
    interpolation: str = "nearest",
    data_format: str | None = None,
) -> Array:
    """The vector-Jacobian product of `upsample`: the transposed operator applied to `grad`.

    grad: shaped like the output of `upsample` (every spatial length a multiple of
    its factor).  Returns the gradient with respect to the input, ``length / factor``
    along each spatial axis.  For "nearest" this is the sum over each block.
    """
    grad = as_float(grad, "grad")
    method, fmt, factors = _check_arguments(grad.shape, size, interpolation, data_format, "grad")
    batch, wide, channels = _canonical(grad.shape, fmt)
    if any(n % f for n, f in zip(wide, factors)):
        raise ValueError(
            f"The `grad` must have the shape of an output of `upsample`: every spatial length "
            f"a multiple of its factor. Received: grad.shape={grad.shape}, size={factors}"
        )
    narrow = tuple(n // f for n, f in zip(wide, factors))
    shape = _layout(grad.shape[0], narrow, grad.shape[1 if fmt == "channels_first" else -1], fmt)
    source = np.ascontiguousarray(grad).reshape(batch, *wide, channels)
    result = _apply(True, method, source, factors, (batch, *narrow, channels))
    return result.reshape(shape)


# --------------------------------------------------------------------------- validation


def check_interpolation(interpolation: str) -> str:
    """The canonical name of `interpolation` (case-insensitive, aliases resolved).

    Unknown names raise a ValueError listing the accepted ones.
    """
    lowered = interpolation.lower() if isinstance(interpolation, str) else ""
    method = ALIASES.get(lowered, lowered)
    if method not in INTERPOLATIONS:
        accepted = ", ".join(repr(name) for name in (*INTERPOLATIONS, *ALIASES))
        raise ValueError(
            f"The `interpolation` argument must be one of {accepted}. "
            f"Received: interpolation={interpolation!r}"
        )
    return str(method)


def _check_arguments(
    shape: tuple[int, ...],
    size: int | Sequence[int],
    interpolation: str,
    data_format: str | None,
    name: str,
) -> tuple[str, str, tuple[int, ...]]:
    method = check_interpolation(interpolation)
    fmt = normalize_data_format(data_format)
    ndim = len(shape) - 2
    if ndim not in (1, 2, 3):
        raise ValueError(
            f"The `{name}` must have 3, 4 or 5 dimensions (batch, 1 to 3 spatial, channels). "
            f"Received: {name}.shape={shape}"
        )
    return method, fmt, normalize_tuple(size, ndim, "size")


def _canonical(shape: tuple[int, ...], fmt: str) -> tuple[int, tuple[int, ...], int]:
    """``(batch, spatial, pixel)`` of the channels-last view the kernels work on.

    Channels-first ``(N, C, *spatial)`` is channels-last with ``N * C`` items of
    one channel each: a reshape, no transposition.
    """
    if fmt == "channels_first":
        return shape[0] * shape[1], tuple(shape[2:]), 1
    return shape[0], tuple(shape[1:-1]), shape[-1]


def _layout(batch: int, spatial: tuple[int, ...], channels: int, fmt: str) -> tuple[int, ...]:
    if fmt == "channels_first":
        return (batch, channels, *spatial)
    return (batch, *spatial, channels)


# --------------------------------------------------------------------------- plans


@dataclass(frozen=True)
class _Sum:
    """``destination = sum_w w * sum(source rows)``: the interior rows of one target phase.

    `groups` lists the source views ``(source phase, index)`` by distinct weight,
    so that each weight costs one multiplication.  `products`, set when the pass
    prescales its sources, lists the same views as ``(product, index)``, where
    product ``i >= 0`` is `_Pass.prescale[i]` and ``-1 - q`` is source phase ``q``
    itself (weight 1).  Indices select rows of ``(items * rows, inner)`` views.
    """

    destination: Index
    groups: tuple[tuple[float, tuple[tuple[int, Index], ...]], ...]
    products: tuple[tuple[int, Index], ...] | None


@dataclass(frozen=True)
class _Write:
    """How the interior of one target phase is written.

    The phase's longest run of identical rows (its interior) is evaluated once
    over the rows of all items flattened together: contiguous operands, at the
    price of also writing the interior formula into the border rows, where the
    taps wrap into the neighbouring item.  `_Border` blocks then overwrite those.
    """

    phase: int
    stage: bool  # form the phase in contiguous scratch, then interleave it into place
    bulk: _Sum


@dataclass(frozen=True)
class _Border:
    """Border rows of every phase and item, from a small dense block of the operator.

    ``target[:, rows] = matrix @ source[:, columns]`` on ``(items, length, inner)``
    views of the whole (interleaved) axis: a few rows, whose taps were dropped
    and renormalised, so the block is tiny (all rows only for tiny axes).
    """

    rows: slice
    columns: slice
    matrix: Array


@dataclass(frozen=True)
class _Pass:
    """The 1-D operator along one axis of a chunk, specialised to the chunk's shapes."""

    source_split: tuple[int, int, int, int]  # (items, rows, phases, inner) of the source
    target_split: tuple[int, int, int, int]
    stage_source: bool  # copy interleaved source phases to contiguous scratch first
    prescale: tuple[tuple[int, float], ...]  # (source phase, weight) products made up front
    writes: tuple[_Write, ...]
    borders: tuple[_Border, ...]
    repeat: bool  # every target row is a copy of its source row: nearest, forward


@dataclass(frozen=True)
class _Chunk:
    """Batch items and first-axis rows: where a chunk reads, where it writes, its passes."""

    source: Index
    target: Index
    passes: tuple[tuple[_Pass, tuple[int, ...]], ...]  # with the shape each pass writes


def _cost_grouped(segment: Segment) -> int:
    """Full-row passes to form a segment by summing equal-weight terms, then scaling."""
    weights = {w for _, w in segment.terms}
    passes = len(segment.terms) + sum(w != 1.0 for w in weights) - 1
    return max(passes, 1) * (segment.stop - segment.start)


def _choose_prescale(interiors: list[Segment], source_rows: int) -> tuple[tuple[int, float], ...]:
    """The (phase, weight) products worth computing once for all phases, if any.

    Multiplying the source rows by each weight once and then only adding costs
    ``pairs * source_rows + sum(terms - 1)``, against ``terms + weights - 1`` per
    row when each phase sums equal-weight terms first.  The first wins when
    phases share weights on one source (upsampling), the second when each phase
    has its own (every transposed operator).
    """
    pairs = sorted({(q, w) for s in interiors for (q, _), w in s.terms if w != 1.0})
    prescaled = len(pairs) * source_rows
    prescaled += sum(max(len(s.terms) - 1, 1) * (s.stop - s.start) for s in interiors)
    grouped = sum(_cost_grouped(s) for s in interiors)
    return tuple(pairs) if pairs and prescaled < grouped else ()


def _bulk(segment: Segment, prescale: tuple[tuple[int, float], ...], last: int) -> _Sum:
    """The sum of an interior `segment` over every item; `last` is the last item's first row."""

    def rows(offset: int) -> Index:
        return (slice(segment.start + offset, last + segment.stop + offset),)

    by_weight: dict[float, list[tuple[int, Index]]] = {}
    for (q, offset), w in segment.terms:
        by_weight.setdefault(w, []).append((q, rows(offset)))
    groups = tuple((w, tuple(views)) for w, views in by_weight.items())
    slot = {pair: i for i, pair in enumerate(prescale)}
    products = None
    if prescale:
        products = tuple(
            (slot[(q, w)] if w != 1.0 else -1 - q, rows(offset)) for (q, offset), w in segment.terms
        )
    return _Sum(rows(0), groups, products)


def _border(
    segments: tuple[Segment, ...], start: int, stop: int, phases: tuple[int, int], dtype: np.dtype
) -> _Border:
    """The dense block of the operator for target rows ``[start, stop)`` of every phase."""
    source_phases, target_phases = phases
    entries = [
        (r * target_phases + s.phase, (r + offset) * source_phases + q, w)
        for s in segments
        for r in range(max(s.start, start), min(s.stop, stop))
        for (q, offset), w in s.terms
    ]
    first = min((c for _, c, _ in entries), default=0)
    last = max((c for _, c, _ in entries), default=0)
    matrix = np.zeros(((stop - start) * target_phases, last - first + 1))
    for row, column, w in entries:
        matrix[row - start * target_phases, column - first] += w
    rows = slice(start * target_phases, stop * target_phases)
    return _Border(rows, slice(first, last + 1), matrix.astype(dtype))


def _compile(
    segments: tuple[Segment, ...],
    source_split: tuple[int, int, int, int],
    target_rows: int,
    target_phases: int,
    dtype: np.dtype,
) -> _Pass:
    """One pass of `segments` over a source split as ``(items, rows, phases, inner)``.

    When several items are flattened together each holds all rows, so source
    and target rows number alike.
    """
    items, source_rows, source_phases, inner = source_split
    phases = (source_phases, target_phases)
    interiors = [
        max((s for s in segments if s.phase == p), key=lambda s: s.stop - s.start)
        for p in range(target_phases)
    ]
    top = max(s.start for s in interiors)
    bottom = min(s.stop for s in interiors)
    spans = [(0, top), (bottom, target_rows)]
    if top >= bottom:  # a tiny axis: all rows are border rows
        spans, interiors = [(0, target_rows)], []
    borders = tuple(_border(segments, a, b, phases, dtype) for a, b in spans if a < b)
    prescale = _choose_prescale(interiors, source_rows)
    interleaved = 1 < inner <= tuning.RESAMPLE_STAGE_MAX
    last = (items - 1) * target_rows  # first flat row of the last item
    writes = tuple(
        _Write(
            s.phase,
            interleaved and target_phases > 1 and not _is_copy(s.terms),
            _bulk(s, prescale, last),
        )
        for s in interiors
    )
    # A source phase read by several sums is worth copying out once.
    reads = [q for s in interiors for (q, _), _ in s.terms]
    return _Pass(
        source_split,
        (items, target_rows, target_phases, inner),
        interleaved and source_phases > 1 and len(reads) > len(set(reads)),
        prescale,
        writes,
        borders,
        all(s.terms == (((0, 0), 1.0),) for s in interiors) and not borders,
    )


def _is_copy(terms: tuple[Term, ...]) -> bool:
    return len(terms) == 1 and terms[0][1] == 1.0


@functools.lru_cache(maxsize=128)
def _plan(
    transpose: bool,
    method: str,
    source_shape: tuple[int, ...],
    factors: tuple[int, ...],
    dtype: np.dtype,
) -> tuple[_Chunk, ...]:
    """Chunks of the canonical ``(B, *spatial, P)`` problem and their passes.

    Forward passes go from the innermost axis outwards (the last pass writes whole
    output rows); transposed ones from the first axis inwards (the first pass
    reads whole rows of the large gradient).  Chunks split the batch, or the rows
    of the first axis of one item (then they read a halo of source rows).
    """
    batch, channels = source_shape[0], source_shape[-1]
    ndim = len(factors)
    spatial = source_shape[1:-1]
    narrow = tuple(n // f for n, f in zip(spatial, factors)) if transpose else spatial
    segments_of = transpose_segments if transpose else forward_segments
    active = [a for a in range(ndim) if factors[a] > 1]
    order = active if transpose else active[::-1]
    source_scale, target_scale = (factors[0], 1) if transpose else (1, factors[0])
    row_bytes = math.prod(spatial[1:]) * source_scale * channels * dtype.itemsize
    if not transpose:
        row_bytes *= math.prod(factors)
    compiled: dict[tuple[object, ...], _Pass] = {}
    chunks = []
    for b in blocks(batch, narrow[0], row_bytes, tuning.RESAMPLE_CHUNK_BYTES):
        lo, hi = b.r0, b.r1
        segments_0: tuple[Segment, ...] = ()
        if 0 in active:
            segments_0, lo, hi = restrict(segments_of(method, narrow[0], factors[0]), b.r0, b.r1)
        shape = [b.n1 - b.n0, source_scale * (hi - lo), *spatial[1:], channels]
        passes = []
        for a in order:
            f_source, f_target = (factors[a], 1) if transpose else (1, factors[a])
            items, inner = math.prod(shape[: a + 1]), math.prod(shape[a + 2 :])
            split = (items, shape[a + 1] // f_source, f_source, inner)
            if a == 0:
                segments, rows = segments_0, b.r1 - b.r0
            else:
                segments, rows = segments_of(method, narrow[a], factors[a]), narrow[a]
            key = (a, split, b.r0 if a == 0 else None, b.r1 if a == 0 else None)
            if key not in compiled:
                compiled[key] = _compile(segments, split, rows, f_target, dtype)
            shape[a + 1] = rows * f_target
            passes.append((compiled[key], tuple(shape)))
        chunks.append(
            _Chunk(
                (slice(b.n0, b.n1), slice(source_scale * lo, source_scale * hi)),
                (slice(b.n0, b.n1), slice(target_scale * b.r0, target_scale * b.r1)),
                tuple(passes),
            )
        )
    return tuple(chunks)


# --------------------------------------------------------------------------- execution


def _apply(
    transpose: bool,
    method: str,
    source: Array,
    factors: tuple[int, ...],
    target_shape: tuple[int, ...],
) -> Array:
    """Run the cached plan of a canonical problem into a new array of `target_shape`."""
    if source.size == 0 or math.prod(target_shape) == 0:
        return np.zeros(target_shape, source.dtype)
    if all(f == 1 for f in factors):
        return source.copy()
    if _linear_x2.applies(method, factors):
        run = _linear_x2.upsample_x2_vjp if transpose else _linear_x2.upsample_x2
        return run(source, factors)
    if transpose and method == NEAREST:
        return _block_sums(source, factors, target_shape)
    out = new_array(target_shape, source.dtype)
    chunks = _plan(transpose, method, source.shape, factors, source.dtype)
    if len(chunks) == 1 or out.nbytes + source.nbytes < tuning.PARALLEL_BYTES:
        for chunk in chunks:
            _run_chunk(chunk, source, out)
        return out
    # Chunks write disjoint parts of `out`, so workers may take them in any order:
    # each takes the next one when done, which balances the load when another
    # process slows one core down.
    order = itertools.count()

    def work(_: int) -> None:
        while (k := next(order)) < len(chunks):
            _run_chunk(chunks[k], source, out)

    runtime.map_chunks(work, range(min(runtime.num_threads(), len(chunks))))
    return out


def _block_sums(source: Array, factors: tuple[int, ...], target_shape: tuple[int, ...]) -> Array:
    """The transpose of "nearest": the sum of each block, ``(B, *wide, P) -> (B, *narrow, P)``.

    Per chunk of batch items, axis by axis from the first (whose phases are
    whole rows), the phases of an axis are added together: ``f - 1`` additions
    of contiguous runs, instead of the general engine's tables.
    """
    out = new_array(target_shape, source.dtype)
    item_bytes = math.prod(source.shape[1:]) * source.itemsize
    chunks = blocks(source.shape[0], 1, item_bytes, tuning.RESAMPLE_CHUNK_BYTES)
    axes = [a for a, f in enumerate(factors) if f > 1]

    def run(block: Block) -> None:
        current = source[block.n0 : block.n1]
        for k, axis in enumerate(axes):
            shape = list(current.shape)
            shape[axis + 1] //= factors[axis]
            outer, inner = math.prod(shape[: axis + 2]), math.prod(shape[axis + 2 :])
            if k == len(axes) - 1:
                target = out[block.n0 : block.n1]
            else:
                target = scratch(("block-sums", k % 2), tuple(shape), source.dtype)
            phases = reshaped(current, (outer, factors[axis], inner))
            sums = reshaped(target, (outer, inner))
            np.add(phases[:, 0], phases[:, 1], out=sums)
            for phase in range(2, factors[axis]):
                np.add(sums, phases[:, phase], out=sums)
            current = target

    runtime.run_chunks(run, chunks, source.nbytes + out.nbytes)
    return out


def _run_chunk(chunk: _Chunk, source: Array, out: Array) -> None:
    current = source[chunk.source]
    last = len(chunk.passes) - 1
    for k, (axis_pass, shape) in enumerate(chunk.passes):
        if k == last:
            _run_pass(axis_pass, current, out[chunk.target])
        elif axis_pass.repeat:
            # Keras's `ops.repeat`; NumPy's copies short runs faster than strided copies.
            items, rows, _, inner = axis_pass.source_split
            factor = axis_pass.target_split[2]
            current = np.repeat(reshaped(current, (items, rows, inner)), factor, axis=1)
            current = reshaped(current, shape)
        else:
            target = scratch(("resample-pass", k % 2), shape, source.dtype)
            _run_pass(axis_pass, current, target)
            current = target


def _run_pass(step: _Pass, source: Array, target: Array) -> None:
    items, rows, phases, inner = step.source_split
    if step.repeat:  # one broadcast writes every output element once
        reshaped(target, step.target_split)[...] = reshaped(source, (items, rows, 1, inner))
        return
    flats: list[Array] = []
    products: list[Array] = []
    if step.writes:
        split = reshaped(source, step.source_split)
        grids = [split[:, :, q] for q in range(phases)]
        if step.stage_source:
            for q, view in enumerate(grids):
                grids[q] = scratch(("resample-source", q), view.shape, view.dtype)
                copy_pixels(grids[q], view)
        flats = [reshaped(grid, (items * rows, inner)) for grid in grids]
        products = [
            np.multiply(
                flats[q], w, out=scratch(("resample-product", i), flats[q].shape, flats[q].dtype)
            )
            for i, (q, w) in enumerate(step.prescale)
        ]
    placed = reshaped(target, step.target_split)
    flat_shape = (items * step.target_split[1], inner)
    for write in step.writes:
        grid = placed[:, :, write.phase]
        if write.stage:
            grid = scratch(("resample-target",), grid.shape, target.dtype)
        _evaluate(reshaped(grid, flat_shape)[write.bulk.destination], write.bulk, flats, products)
        if write.stage:
            copy_pixels(placed[:, :, write.phase], grid)
    if step.borders:
        whole_source = reshaped(source, (items, rows * phases, inner))
        whole_target = reshaped(target, (items, -1, inner))
        for border in step.borders:
            out = whole_target[:, border.rows]
            np.matmul(border.matrix, whole_source[:, border.columns], out=out)


def _evaluate(destination: Array, terms: _Sum, sources: list[Array], products: list[Array]) -> None:
    """Write `terms` into `destination`, from per-phase `sources` or their `products`."""
    if terms.products is not None:
        views = [(products[i] if i >= 0 else sources[-1 - i])[rows] for i, rows in terms.products]
        if len(views) == 1:
            copy_pixels(destination, views[0])
            return
        np.add(views[0], views[1], out=destination)
        for view in views[2:]:
            np.add(destination, view, out=destination)
        return
    if not terms.groups:
        destination[...] = 0
        return
    for k, (weight, group) in enumerate(terms.groups):
        partial = destination
        if k:
            partial = scratch(("resample-partial",), destination.shape, destination.dtype)
        views = [sources[q][rows] for q, rows in group]
        if len(views) == 1 and weight == 1.0:
            copy_pixels(partial, views[0])
        elif len(views) == 1:
            np.multiply(views[0], weight, out=partial)
        else:
            np.add(views[0], views[1], out=partial)
            for view in views[2:]:
                np.add(partial, view, out=partial)
            if weight != 1.0:
                np.multiply(partial, weight, out=partial)
        if k:
            np.add(destination, partial, out=destination)
