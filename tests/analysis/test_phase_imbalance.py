"""Phase-mean imbalance on images whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.images import checkerboard, smooth
from upsample.analysis import phase_mean_imbalance, phase_means


def test_a_flat_image_has_no_imbalance() -> None:
    assert phase_mean_imbalance(np.full((2, 8, 8, 3), 0.7), stride=2) == 0.0


def test_a_planted_checkerboard_scores_its_amplitude_over_the_mean() -> None:
    """m + A (-1)**(i+j): phase means m + A, m - A, m - A, m + A; std A; mean |Y| = m."""
    images = (0.5 + checkerboard(8, 0.1))[None, :, :, None]
    assert phase_mean_imbalance(images, stride=2) == pytest.approx(0.1 / 0.5)
    np.testing.assert_allclose(phase_means(images, stride=2)[..., 0], [[0.6, 0.4], [0.4, 0.6]])


def test_channels_with_opposite_patterns_do_not_cancel() -> None:
    """RMS over channels of the spread: A in both channels, whatever their signs."""
    pattern = checkerboard(8, 0.2)
    images = np.stack([1.0 + pattern, 1.0 - pattern], axis=-1)[None]
    assert phase_mean_imbalance(images, stride=2) == pytest.approx(0.2)


def test_a_pattern_along_one_axis_and_three_dimensions() -> None:
    """Rows alternate 1, 3 (period 2 along the first axis only): phase means 1, 1, 3, 3."""
    rows = np.where(np.arange(6) % 2 == 0, 1.0, 3.0)
    images = np.broadcast_to(rows[:, None, None], (6, 6, 6))[None, ..., None]
    assert phase_mean_imbalance(images, stride=2) == pytest.approx(1.0 / 2.0)
    assert phase_mean_imbalance(images, stride=(1, 2, 2)) == 0.0


def test_the_border_is_left_out() -> None:
    """A frame of 5s around a flat interior: imbalanced with the frame, balanced without."""
    images = np.full((1, 10, 10, 1), 5.0)
    images[:, 2:-2, 2:-2] = 1.0
    images[:, 0, 0] = 9.0  # one corner pixel breaks the symmetry of the frame
    assert phase_mean_imbalance(images, stride=2) > 0.01
    assert phase_mean_imbalance(images, stride=2, border=2) == 0.0


def test_a_smooth_image_has_a_small_imbalance() -> None:
    assert phase_mean_imbalance(smooth(), stride=2) < 0.01


def test_zero_images_score_zero() -> None:
    assert phase_mean_imbalance(np.zeros((1, 4, 4, 1)), stride=2) == 0.0


@pytest.mark.parametrize(
    ("images", "arguments", "error", "message"),
    [
        (np.ones((4, 4)), {"stride": 2}, ValueError, r"images.shape=\(4, 4\)"),
        (np.ones((1, 0, 4, 1)), {"stride": 2}, ValueError, r"images.shape=\(1, 0, 4, 1\)"),
        (np.array([[["x"]]]), {"stride": 2}, TypeError, "dtype"),
        (np.full((1, 4, 4, 1), np.inf), {"stride": 2}, ValueError, "finite"),
        (np.ones((1, 4, 4, 1)), {"stride": 0}, ValueError, "stride=0"),
        (np.ones((1, 4, 4, 1)), {"stride": (2, 2, 2)}, ValueError, r"stride=\(2, 2, 2\)"),
        (np.ones((1, 4, 4, 1)), {"stride": 2, "border": 2}, ValueError, "border=2"),
        (np.ones((1, 4, 4, 1)), {"stride": 2, "border": -1}, ValueError, "border=-1"),
        (np.ones((1, 4, 4, 1)), {"stride": 5}, ValueError, r"stride=\(5, 5\)"),
    ],
)
def test_bad_input_is_named(
    images: np.ndarray, arguments: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        phase_mean_imbalance(images, **arguments)  # type: ignore[arg-type]
