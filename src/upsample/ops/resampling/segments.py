"""The segments route: integer upsampling and its transpose as polyphase passes, axis by axis.

For an integer factor ``f`` the 1-D operator of an axis is polyphase: output
``f * i + p`` is the same weighted sum of inputs ``i + k`` at every row ``i``
except a few near the borders (`weights.Segment`).  A pass over one axis
therefore evaluates, per phase, one weighted sum of strided slices over the
interior rows of every item at once, then overwrites the few border rows of
every item with a small dense block of the operator (one batched matmul).  The
transpose of an operator is the same kind of table (an input gathers from every
phase that reads it), so both directions share this engine; nearest is the case
of a single tap of weight 1, so its forward is a repeat (each output element is
written once, by a broadcast).

Work is split into chunks of batch items (and rows of the first spatial axis,
with the halo the taps need) small enough to keep intermediates in cache
(`tuning.RESAMPLE_CHUNK_BYTES`).  The forward pass handles the inner axes first,
so that its last pass writes whole output rows; the transpose starts with the
first axis, reading whole rows of the large gradient.  Where phases interleave
in blocks of a few elements (one pixel), NumPy's strided arithmetic is slow, so
sums are formed in contiguous scratch and moved by one strided copy.  Sources
scaled by a weight shared across phases are computed once (`prescale`).  Plans
depend only on shapes and are cached.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from upsample import runtime
from upsample.ops._blocks import blocks
from upsample.ops._pixels import copy_pixels, reshaped
from upsample.ops.resampling.weights import (
    Segment,
    Term,
    forward_segments,
    restrict,
    transpose_segments,
)
from upsample.runtime import new_array, scratch, tuning

Array = NDArray[np.floating]
Index = tuple[slice | int, ...]


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
    coordinates: str,
    source_shape: tuple[int, ...],
    factors: tuple[int, ...],
    dtype: np.dtype,
    chunk_bytes: int,
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
    for b in blocks(batch, narrow[0], row_bytes, chunk_bytes):
        lo, hi = b.r0, b.r1
        segments_0: tuple[Segment, ...] = ()
        if 0 in active:
            segments_0, lo, hi = restrict(
                segments_of(method, narrow[0], factors[0], coordinates), b.r0, b.r1
            )
        shape = [b.n1 - b.n0, source_scale * (hi - lo), *spatial[1:], channels]
        passes = []
        for a in order:
            f_source, f_target = (factors[a], 1) if transpose else (1, factors[a])
            items, inner = math.prod(shape[: a + 1]), math.prod(shape[a + 2 :])
            split = (items, shape[a + 1] // f_source, f_source, inner)
            if a == 0:
                segments, rows = segments_0, b.r1 - b.r0
            else:
                segments = segments_of(method, narrow[a], factors[a], coordinates)
                rows = narrow[a]
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


def resample(
    transpose: bool,
    method: str,
    coordinates: str,
    source: Array,
    factors: tuple[int, ...],
    target_shape: tuple[int, ...],
    threads: bool,
) -> Array:
    """Upsample (or, `transpose`, the transposed operator) the canonical ``(B, *spatial, P)``
    `source` by `factors` into a new array of `target_shape`, in a polyphase convention
    (`weights.POLYPHASE`)."""
    out = new_array(target_shape, source.dtype)
    chunks = _plan(
        transpose,
        method,
        coordinates,
        source.shape,
        factors,
        source.dtype,
        tuning.RESAMPLE_CHUNK_BYTES,
    )
    if not threads or len(chunks) == 1:
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
