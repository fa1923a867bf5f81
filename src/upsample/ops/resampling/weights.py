"""The 1-D operators of integer upsampling: kernels, and polyphase tap tables (shape arithmetic).

Keras 3's `UpSampling2D` uses `ops.repeat` for "nearest" and otherwise
`keras.ops.image.resize`, which on the JAX backend is `jax.image.resize(...,
antialias=False)` (`jax/_src/image/scale.py::compute_weight_mat`; Keras's NumPy
backend ports the same code).  Along an axis of length ``n`` resized to ``f * n``,
output ``o`` samples the input at the half-pixel-centre position

    s_o = (o + 0.5) / f - 0.5,

weighs input ``j`` in ``[0, n)`` by ``kernel(|s_o - j|)``, divides the weights by
their sum (or sets them all to 0 when ``|sum| <= 1000 * eps(float32)``) and zeroes
outputs whose ``s_o`` lies outside ``[-0.5, n - 0.5]``.  Taps that would fall
outside the input are thus *dropped and the rest renormalised*; the border is not
replicated as in PyTorch.

For an integer factor, output ``o = f * i + p`` samples at ``i + d_p`` with
``d_p = (2p + 1 - f) / (2f)``, so phase ``p`` uses the same offsets ``k`` (input
``i + k``) and weights at every row ``i``, except near the borders where some
taps are dropped: the operator is polyphase.  So it is with the asymmetric
convention (`coordinates`), ``d_p = p / f``; not with align_corners, whose
samples are spaced by ``(n - 1) / (f n - 1)``, which depends on the length.

Precision: JAX evaluates ``s_o`` and the kernels in float32.  For factors that are
powers of two ``s_o`` is exact in float32 and JAX's weights equal ours to float32
rounding; for other factors JAX's ``s_o`` carries a rounding error of up to half
an ulp of ``o / f`` (about ``3e-8 * n``), so its weights drift along the axis by
that much.  We use the exact weights, computed in float64.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from upsample.ops.resampling.coordinates import ASYMMETRIC, HALF_PIXEL

Float64Array = NDArray[np.float64]

NEAREST = "nearest"

# Below this weight sum JAX zeroes the weights instead of dividing by the sum.
MIN_WEIGHT_SUM = 1000.0 * float(np.finfo(np.float32).eps)


def _triangle(x: Float64Array) -> Float64Array:
    """Linear interpolation: ``max(0, 1 - x)``."""
    return np.maximum(0.0, 1.0 - x)


def _keys_cubic(x: Float64Array) -> Float64Array:
    """Keys' cubic convolution kernel with ``a = -0.5`` (R. G. Keys, "Cubic convolution
    interpolation for digital image processing", IEEE Trans. ASSP 29(6), 1981, eq. 15),
    in the Horner form of `jax.image`'s ``_fill_keys_cubic_kernel``.
    """
    near = ((1.5 * x - 2.5) * x) * x + 1.0
    far = ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    return np.where(x < 1.0, near, np.where(x < 2.0, far, 0.0))


def _lanczos(radius: int) -> Callable[[Float64Array], Float64Array]:
    """Lanczos window of `radius` lobes: ``sinc(x) * sinc(x / radius)`` for ``x < radius``."""

    def kernel(x: Float64Array) -> Float64Array:
        return np.where(x < radius, np.sinc(x) * np.sinc(x / radius), 0.0)

    return kernel


# Name -> (radius of the support, kernel of the distance |s - j|).
KERNELS: dict[str, tuple[int, Callable[[Float64Array], Float64Array]]] = {
    "bilinear": (1, _triangle),
    "bicubic": (2, _keys_cubic),
    "lanczos3": (3, _lanczos(3)),
    "lanczos5": (5, _lanczos(5)),
}

# A tap: (input offset k relative to the row, weight).
Tap = tuple[int, float]
# A term of a target row: ((source phase, source row - target row), weight).
Term = tuple[tuple[int, int], float]


# The polyphase conventions: d_p = numerator(p, f) / (2 f), exactly.
_PHASE_NUMERATORS: dict[str, Callable[[int, int], int]] = {
    HALF_PIXEL: lambda p, f: 2 * p + 1 - f,
    ASYMMETRIC: lambda p, f: 2 * p,
}
POLYPHASE = tuple(_PHASE_NUMERATORS)


@functools.lru_cache(maxsize=256)
def phase_taps(method: str, factor: int, coordinates: str) -> tuple[tuple[Tap, ...], ...]:
    """Per phase ``p``, the unnormalised taps ``(k, kernel(|d_p - k|))`` with a non-zero weight.

    Every kernel is interpolating (1 at distance 0, exactly 0 at the other
    integers; JAX relies on it to skip axes of factor 1): taps at a non-zero
    integer distance are dropped instead of carrying rounding noise.  Nearest
    copies input ``i`` in both polyphase conventions (``floor((o + 0.5) / f)``
    and ``floor(o / f)`` are both ``o // f``).
    """
    if method == NEAREST:
        return tuple(((0, 1.0),) for _ in range(factor))
    radius, kernel = KERNELS[method]
    phases = []
    for p in range(factor):
        numerator = _PHASE_NUMERATORS[coordinates](p, factor)
        taps = []
        for k in range(-radius, radius + 1):
            twice = abs(numerator - 2 * factor * k)  # 2 f |d_p - k|, an integer
            if twice >= 2 * factor * radius or (twice % (2 * factor) == 0 and twice):
                continue
            weight = float(kernel(np.array(twice / (2 * factor)))[()])
            if weight != 0.0:
                taps.append((k, weight))
        phases.append(tuple(taps))
    return tuple(phases)


def _normalised(taps: tuple[Tap, ...], row: int, length: int) -> tuple[Tap, ...]:
    """The taps of `row` that fall inside ``[0, length)``, renormalised as JAX does."""
    inside = [(k, w) for k, w in taps if 0 <= row + k < length]
    # fsum is exactly rounded, hence independent of order: mirrored phases get identical weights.
    total = math.fsum(w for _, w in inside)
    if abs(total) <= MIN_WEIGHT_SUM:
        return ()
    return tuple((k, w / total) for k, w in inside)


@dataclass(frozen=True)
class Segment:
    """Target rows ``[start, stop)`` of phase `phase` share one weighted sum of source rows.

    ``target[phase][r] = sum(w * source[q][r + offset] for (q, offset), w in terms)``.
    """

    phase: int
    start: int
    stop: int
    terms: tuple[Term, ...]


def _segments(phase: int, rows: list[tuple[Term, ...]]) -> list[Segment]:
    """Runs of consecutive rows with the same terms."""
    found: list[Segment] = []
    for row, terms in enumerate(rows):
        if found and found[-1].terms == terms and found[-1].stop == row:
            last = found[-1]
            found[-1] = Segment(phase, last.start, row + 1, terms)
        else:
            found.append(Segment(phase, row, row + 1, terms))
    return found


@functools.lru_cache(maxsize=256)
def _forward_rows(
    method: str, length: int, factor: int, coordinates: str
) -> tuple[tuple[tuple[Tap, ...], ...], ...]:
    """``rows[p][i]``: the normalised taps of output ``f * i + p``.

    No output is zeroed for lying outside the input (`reference`): samples past the
    last centre read the last pixel.
    """
    return tuple(
        tuple(_normalised(taps, i, length) for i in range(length))
        for taps in phase_taps(method, factor, coordinates)
    )


@functools.lru_cache(maxsize=256)
def forward_segments(
    method: str, length: int, factor: int, coordinates: str
) -> tuple[Segment, ...]:
    """The upsampling operator (narrow source, one phase -> wide target, `factor` phases)."""
    found = []
    for p, rows in enumerate(_forward_rows(method, length, factor, coordinates)):
        terms = [tuple(((0, k), w) for k, w in taps) for taps in rows]
        found += _segments(p, terms)
    return tuple(found)


@functools.lru_cache(maxsize=256)
def transpose_segments(
    method: str, length: int, factor: int, coordinates: str
) -> tuple[Segment, ...]:
    """The transposed operator (wide source, `factor` phases -> narrow target, one phase).

    Input ``j`` receives ``w * grad[f * i + p]`` from every output ``f * i + p``
    whose taps include ``j``.
    """
    gathered: list[list[Term]] = [[] for _ in range(length)]
    for p, rows in enumerate(_forward_rows(method, length, factor, coordinates)):
        for i, taps in enumerate(rows):
            for k, w in taps:
                gathered[i + k].append(((p, -k), w))
    return tuple(_segments(0, [tuple(sorted(terms)) for terms in gathered]))


def restrict(
    segments: tuple[Segment, ...], start: int, stop: int
) -> tuple[tuple[Segment, ...], int, int]:
    """Segments for target rows ``[start, stop)`` only, with rows renumbered from 0.

    Returns them with the source rows ``[lo, hi)`` they read; offsets are made
    relative to ``lo`` (source row = target row + offset, both local).
    """
    clipped = []
    for s in segments:
        a, b = max(s.start, start), min(s.stop, stop)
        if a < b:
            clipped.append((s, a, b))
    reads = [(a + off, b + off) for s, a, b in clipped for (_, off), _ in s.terms]
    lo = min((r[0] for r in reads), default=start)
    hi = max((r[1] for r in reads), default=start)
    shift = start - lo
    local = tuple(
        Segment(
            s.phase,
            a - start,
            b - start,
            tuple(((q, off + shift), w) for (q, off), w in s.terms),
        )
        for s, a, b in clipped
    )
    return local, lo, hi
