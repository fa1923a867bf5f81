"""The phases route: a transposed convolution as one stride-1 correlation per output phase.

No zeros are inserted into the narrow side.  The transposed convolution is split
into ``prod(strides)`` output phases (Shi et al. 2016, "Is the deconvolution
layer the same as a convolutional layer?"): wide position ``p`` with ``(p + pad)
% s == r`` only receives taps ``t`` with ``(t * d) % s == r``, so each phase is
a small stride-1 correlation of the narrow side, computed by im2col (`gather`)
and a matmul.  The phases of the last axis share one matmul, so that output rows
are written whole.
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
from upsample.ops.convolution.gather import NEW, Gather, Output, gather
from upsample.ops.shapes import ConvGeometry
from upsample.runtime import tuning

Array = NDArray[np.floating]


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
def _plan(
    narrow_shape: tuple[int, ...], geo: ConvGeometry, chunk_bytes: int
) -> tuple[tuple[_PhaseStep, ...], ...]:
    """Per block of wide rows, the steps that write it in full."""
    lead = [_phases(k, s, d) for k, s, d in zip(geo.kernel_size, geo.strides, geo.dilation)][:-1]
    last = _phases(geo.kernel_size[-1], geo.strides[-1], geo.dilation[-1])
    stride, pad = geo.strides[-1], geo.pad_before[-1]
    # Shifts of the last axis, any phase, decreasing (so that the narrow positions increase).
    shifts_last = sorted({shift for phase in last for shift in phase.shifts}, reverse=True)
    row_bytes = math.prod(geo.wide[1:]) * narrow_shape[-1] * 4 * 4
    plan = []
    for block in blocks(narrow_shape[0], geo.wide[0], row_bytes, chunk_bytes):
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


def correlate_adjoint(
    y: Array, w: Array, geo: ConvGeometry, threads: bool, output: Output = NEW
) -> Array:
    """Narrow -> wide: y ``(N, *geo.narrow, B)``, w ``(*k, A, B)`` -> ``(N, *geo.wide, A)``.

    `output`: see `gather.Output` (its epilogue runs on each phase of a chunk).
    """
    channels_out, channels_in = w.shape[-2], w.shape[-1]
    stride = geo.strides[-1]
    x = output.array((y.shape[0], *geo.wide, channels_out), y.dtype)
    # Tap t carries a narrow vector through w[t].T; index -1 selects a zero block.
    per_tap = np.swapaxes(w.reshape(-1, channels_out, channels_in), 1, 2)
    per_tap = np.concatenate([per_tap, np.zeros_like(per_tap[:1])])
    matrices: dict[tuple[int, ...], Array] = {}
    plan = _plan(y.shape, geo, tuning.CONV_CHUNK_BYTES)
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
            output.finish(out)

    runtime.map_chunks(run, plan, parallel=threads)
    return x
