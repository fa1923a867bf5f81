"""The Fréchet distance between two sets of feature vectors, each summarised as a Gaussian.

For Gaussians N(m1, S1) and N(m2, S2) the squared Fréchet (2-Wasserstein)
distance is (Dowson and Landau, 1982; Heusel et al., 2017, for FID)::

    d^2 = |m1 - m2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2))

The matrix square root is where implementations go wrong: S1 S2 is not
symmetric, and a general `sqrtm` of it can return complex noise for nearly
singular covariances.  Here, in float64 and with NumPy alone, the trace is
taken of the square root of ``A = S1^(1/2) S2 S1^(1/2)`` instead: A is
symmetric positive semi-definite and similar to S1 S2 (same eigenvalues), so

    tr((S1 S2)^(1/2)) = sum_i sqrt(lambda_i(A))

with S1^(1/2) and the eigenvalues of A from `numpy.linalg.eigh`; A is
symmetrised before its decomposition and eigenvalues that rounding pushed
below zero are clipped to zero (a PSD matrix has none).

Comparable only within this tool: on the features of `upsample.quality`'s
own small digit classifier this is NOT the published FID (Inception-v3
features on 299x299 images), and its values are on another scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class FeatureStatistics:
    """The mean ``(d,)`` and covariance ``(d, d)`` (float64) of `count` feature vectors."""

    mean: Array
    covariance: Array
    count: int


def feature_statistics(features: Array) -> FeatureStatistics:
    """Mean and unbiased covariance (``ddof=1``, as pytorch-fid) of ``(count, d)`` features."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(
            "`features` must be a (count, dimensions) array with count >= 2. "
            f"Received shape {features.shape}."
        )
    if not np.isfinite(features).all():
        raise ValueError("`features` contains NaN or infinite values.")
    covariance = np.atleast_2d(np.cov(features, rowvar=False))
    return FeatureStatistics(features.mean(axis=0), covariance, len(features))


def trace_sqrt_product(first: Array, second: Array) -> float:
    """``tr((first @ second)^(1/2))`` for symmetric PSD matrices (see the module docstring)."""
    root = _psd_sqrt(first)
    product = root @ second @ root
    eigenvalues = np.linalg.eigvalsh((product + product.T) / 2)
    return float(np.sqrt(np.clip(eigenvalues, 0.0, None)).sum())


def frechet_distance(first: FeatureStatistics, second: FeatureStatistics) -> float:
    """The squared Fréchet distance between the Gaussians of two feature sets (>= 0)."""
    if first.mean.shape != second.mean.shape:
        raise ValueError(
            f"The feature sets have different dimensions: {first.mean.shape[0]} and "
            f"{second.mean.shape[0]}."
        )
    difference = first.mean - second.mean
    value = (
        difference @ difference
        + np.trace(first.covariance)
        + np.trace(second.covariance)
        - 2.0 * trace_sqrt_product(first.covariance, second.covariance)
    )
    # Rounding can leave -1e-12 for identical sets; the distance itself is never negative.
    return max(float(value), 0.0)


def _psd_sqrt(matrix: Array) -> Array:
    """The symmetric square root of a symmetric PSD matrix, by eigendecomposition."""
    eigenvalues, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ vectors.T
