"""The class-diversity score on histograms with known entropies."""

from __future__ import annotations

import math

import numpy as np
import pytest

from upsample.quality import class_diversity


def one_hot(classes: list[int], confidence: float = 1.0, k: int = 10) -> np.ndarray:
    """Probabilities whose top class is `classes[i]` with probability `confidence`."""
    rest = (1.0 - confidence) / (k - 1)
    probabilities = np.full((len(classes), k), rest)
    probabilities[np.arange(len(classes)), classes] = confidence
    return probabilities


def test_a_uniform_histogram_scores_one_and_has_ten_effective_classes() -> None:
    diversity = class_diversity(one_hot(list(range(10)) * 7))
    np.testing.assert_array_equal(diversity.histogram, [7] * 10)
    assert diversity.score == pytest.approx(1.0)
    assert diversity.entropy == pytest.approx(math.log(10))
    assert diversity.effective_classes == pytest.approx(10.0)


def test_a_single_class_scores_zero() -> None:
    diversity = class_diversity(one_hot([3] * 50))
    assert diversity.score == 0.0 and diversity.entropy == 0.0
    assert diversity.effective_classes == 1.0
    assert str(diversity.score) == "0.0"


def test_two_equal_classes_score_log2_over_log10() -> None:
    diversity = class_diversity(one_hot([1, 8] * 20))
    assert diversity.score == pytest.approx(math.log(2) / math.log(10))
    assert diversity.effective_classes == pytest.approx(2.0)


def test_a_skewed_histogram_against_its_hand_computed_entropy() -> None:
    # Fractions 1/2, 1/4, 1/4: H = 0.5 log 2 + 2 * 0.25 log 4 = 1.5 log 2.
    diversity = class_diversity(one_hot([0, 0, 5, 9]))
    assert diversity.entropy == pytest.approx(1.5 * math.log(2))
    np.testing.assert_allclose(diversity.fractions, [0.5, 0, 0, 0, 0, 0.25, 0, 0, 0, 0.25])


def test_confidences_are_the_top_probabilities() -> None:
    probabilities = np.vstack([one_hot([2] * 3, 0.95), one_hot([4], 0.5)])
    diversity = class_diversity(probabilities)
    np.testing.assert_allclose(diversity.confidences, [0.95, 0.95, 0.95, 0.5])
    assert diversity.confidence_mean == pytest.approx(3.35 / 4)
    assert diversity.confident_fraction == 0.75
    assert diversity.confidence_quantiles((0.0, 1.0)) == pytest.approx([0.5, 0.95])


@pytest.mark.parametrize(
    ("probabilities", "match"),
    [
        (np.ones(10), r"\(samples, classes\) .* Received shape \(10,\)"),
        (np.ones((0, 10)), r"Received shape \(0, 10\)"),
        (np.ones((3, 1)), r"two classes"),
        (np.full((2, 10), np.nan), "NaN"),
    ],
)
def test_bad_input(probabilities: np.ndarray, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        class_diversity(probabilities)
