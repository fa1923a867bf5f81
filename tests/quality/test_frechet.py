"""The Fréchet distance against closed forms and an independent matrix square root.

scipy is not a dependency of upsample; it is installed with jax (a test
dependency), and serves here only as the independent float64 reference for
the matrix square root (`scipy.linalg.sqrtm` uses a Schur decomposition,
another route than our eigendecompositions).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg  # type: ignore[import-untyped]

from upsample.quality import FeatureStatistics, feature_statistics, frechet_distance
from upsample.quality.frechet import trace_sqrt_product


def gaussian(mean: list[float] | np.ndarray, covariance: np.ndarray) -> FeatureStatistics:
    return FeatureStatistics(np.asarray(mean, np.float64), np.asarray(covariance), 1000)


def random_covariance(rng: np.random.Generator, size: int, rank: int | None = None) -> np.ndarray:
    factor = rng.standard_normal((size, rank or size))
    return factor @ factor.T / size


def test_commuting_covariances_give_the_sum_of_squared_root_differences() -> None:
    # Diagonal S1, S2: d^2 = |m1 - m2|^2 + sum (sqrt(a_i) - sqrt(b_i))^2.
    a, b = np.array([4.0, 1.0, 9.0]), np.array([1.0, 1.0, 0.25])
    first, second = gaussian([1, 2, 3], np.diag(a)), gaussian([1, 0, 3], np.diag(b))
    expected = 4.0 + (2 - 1) ** 2 + 0 + (3 - 0.5) ** 2
    assert frechet_distance(first, second) == pytest.approx(expected, rel=1e-12)


def test_non_commuting_2x2_covariances_against_the_closed_form() -> None:
    # For 2x2 matrices with positive eigenvalues, tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)).
    s1 = np.array([[2.0, 1.0], [1.0, 3.0]])
    s2 = np.array([[1.0, -0.5], [-0.5, 4.0]])
    assert not np.allclose(s1 @ s2, s2 @ s1)
    product = s1 @ s2
    trace_root = math.sqrt(np.trace(product) + 2 * math.sqrt(np.linalg.det(product)))
    expected = 0.5**2 + np.trace(s1) + np.trace(s2) - 2 * trace_root
    distance = frechet_distance(gaussian([0, 0], s1), gaussian([0.5, 0], s2))
    assert distance == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("size", "rank"), [(6, None), (12, None), (8, 3)])
def test_trace_of_the_root_against_scipy_and_the_eigenvalues_of_the_product(
    rng: np.random.Generator, size: int, rank: int | None
) -> None:
    """Full and rank-deficient covariances, against two other routes in float64."""
    s1, s2 = random_covariance(rng, size, rank), random_covariance(rng, size)
    ours = trace_sqrt_product(s1, s2)
    by_scipy = float(np.trace(scipy.linalg.sqrtm(s1 @ s2)).real)
    # S1 S2 has the (real, non-negative) eigenvalues of S1^(1/2) S2 S1^(1/2).
    by_eigenvalues = float(np.sqrt(np.clip(np.linalg.eigvals(s1 @ s2).real, 0, None)).sum())
    assert ours == pytest.approx(by_scipy, rel=1e-6)
    assert ours == pytest.approx(by_eigenvalues, rel=1e-6)


def test_rank_one_covariance_against_its_closed_form(rng: np.random.Generator) -> None:
    # S1 = u u^T: S1 S2 has one non-zero eigenvalue, u^T S2 u, so tr sqrt = sqrt(u^T S2 u).
    u = rng.standard_normal(5)
    s2 = random_covariance(rng, 5)
    assert trace_sqrt_product(np.outer(u, u), s2) == pytest.approx(math.sqrt(u @ s2 @ u))


def test_distance_of_a_set_to_itself_is_zero_and_the_distance_is_symmetric(
    rng: np.random.Generator,
) -> None:
    features = rng.standard_normal((500, 16)) @ rng.standard_normal((16, 16))
    stats = feature_statistics(features)
    assert frechet_distance(stats, stats) == pytest.approx(
        0.0, abs=1e-9 * np.trace(stats.covariance)
    )
    other = feature_statistics(rng.standard_normal((400, 16)) + 0.3)
    assert frechet_distance(stats, other) == pytest.approx(frechet_distance(other, stats), rel=1e-9)


def test_samples_of_known_gaussians_approach_the_closed_form(rng: np.random.Generator) -> None:
    # N(0, I) vs N(m, 4 I) in 4-d: d^2 = |m|^2 + 4 * (1 - 2)^2 = 1 + 4.
    first = feature_statistics(rng.standard_normal((200_000, 4)))
    mean = np.array([1.0, 0, 0, 0])
    second = feature_statistics(mean + 2 * rng.standard_normal((200_000, 4)))
    assert frechet_distance(first, second) == pytest.approx(5.0, rel=0.01)


def test_feature_statistics_use_the_unbiased_covariance() -> None:
    stats = feature_statistics(np.array([[0.0, 0.0], [2.0, 2.0], [4.0, -2.0]]))
    np.testing.assert_allclose(stats.mean, [2.0, 0.0])
    # Deviations (-2,0), (0,2), (2,-2); sums of products over n - 1 = 2.
    np.testing.assert_allclose(stats.covariance, [[4.0, -2.0], [-2.0, 4.0]])
    assert stats.count == 3


def test_bad_input() -> None:
    with pytest.raises(ValueError, match=r"count >= 2. Received shape \(1, 3\)"):
        feature_statistics(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="NaN or infinite"):
        feature_statistics(np.full((3, 2), np.inf))
    with pytest.raises(ValueError, match="different dimensions: 2 and 3"):
        frechet_distance(gaussian([0, 0], np.eye(2)), gaussian([0, 0, 0], np.eye(3)))
