"""Border scores on framed images."""

from __future__ import annotations

import numpy as np
import pytest

from upsample.analysis import border_means, border_score


def framed(size: int, width: int, frame: float, inside: float) -> np.ndarray:
    images = np.full((3, size, size, 1), frame)
    images[:, width:-width, width:-width] = inside
    return images


def test_a_frame_of_the_band_width_is_measured_exactly() -> None:
    assert border_means(framed(10, 2, 0.2, 0.5), width=2) == pytest.approx((0.2, 0.5))


def test_a_narrower_band_inside_a_wider_frame() -> None:
    """Band 1 of a 2-pixel frame: all frame; interior: 8x8 of which 6x6 inside (28 frame)."""
    border, interior = border_means(framed(10, 2, 1.0, 0.0), width=1)
    assert border == 1.0
    assert interior == pytest.approx(28 / 64)


def test_the_excesses_over_the_interior_and_over_the_inputs() -> None:
    """The issue's grey frame: outputs 0.186 on the border, inputs 0.001."""
    score = border_score(framed(28, 2, 0.186, 0.1), width=2, inputs=framed(28, 2, 0.001, 0.1))
    assert score.excess_over_interior == pytest.approx(0.086)
    assert score.excess_over_reference == pytest.approx(0.185)
    assert (score.reference_border, score.reference_interior) == pytest.approx((0.001, 0.1))
    assert border_score(framed(28, 2, 0.186, 0.1)).excess_over_reference is None


def test_magnitudes_count_dark_frames() -> None:
    assert border_means(framed(8, 1, -0.3, 0.0), width=1) == pytest.approx((0.3, 0.0))


def test_one_and_three_dimensions() -> None:
    line = np.zeros((1, 6, 1))
    line[:, [0, -1]] = 1.0
    assert border_means(line, width=1) == (1.0, 0.0)
    cube = np.zeros((1, 4, 4, 4, 1))
    cube[:, 1:-1, 1:-1, 1:-1] = 1.0
    assert border_means(cube, width=1) == (0.0, 1.0)


@pytest.mark.parametrize(
    ("width", "message"),
    [(0, "width=0"), (-1, "width=-1"), (5, "width=5"), (1.5, "width=1.5")],
)
def test_bad_widths_are_named(width: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        border_score(np.ones((1, 10, 10, 1)), width=width)  # type: ignore[arg-type]


def test_bad_inputs_are_named() -> None:
    with pytest.raises(ValueError, match=r"inputs.shape=\(10, 10\)"):
        border_score(np.ones((1, 10, 10, 1)), inputs=np.ones((10, 10)))
    with pytest.raises(ValueError, match=r"outputs.shape=\(10,\)"):
        border_score(np.ones(10))
