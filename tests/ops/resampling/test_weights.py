"""The polyphase tap tables of the segments route (pure shape arithmetic)."""

from __future__ import annotations

import numpy as np
import pytest

from upsample.ops.resampling import upsample
from upsample.ops.resampling.weights import forward_segments, phase_taps


def test_bicubic_border_weights_are_renormalised_not_clamped() -> None:
    """Output 0 samples at -0.25: Keys taps at -2 and -1 are dropped, the rest sum to 1."""
    (k_a, a), (k_b, b), (k_c, c), (k_d, d) = phase_taps("bicubic", 2, "half_pixel")[0]
    assert (k_a, k_b, k_c, k_d) == (-2, -1, 0, 1)
    assert (a, b, c, d) == (-0.0234375, 0.2265625, 0.8671875, -0.0703125)
    x = np.array([1.0, 0.0, 0.0, 0.0]).reshape(1, 4, 1)
    assert upsample(x, size=2, interpolation="bicubic")[0, 0, 0] == pytest.approx(c / (c + d))


def test_operator_is_polyphase_with_one_interior_segment_per_phase() -> None:
    """Each phase is one run of identical rows, plus a few border rows."""
    for method, radius in [("bilinear", 1), ("bicubic", 2), ("lanczos5", 5)]:
        segments = forward_segments(method, 40, 3, "half_pixel")
        for phase in range(3):
            runs = [s for s in segments if s.phase == phase]
            longest = max(runs, key=lambda s: s.stop - s.start)
            assert longest.stop - longest.start >= 40 - 2 * radius
            assert len(runs) <= 2 * radius + 1
