"""How many kinds of digit a generator draws, and how surely a classifier recognises them.

Each sample is assigned the class the classifier ranks first; the histogram of
those classes over many samples shows mode collapse as a number.  Its Shannon
entropy H (in nats) is normalised by its largest possible value, log K for K
classes: the diversity score ``H / log K`` is 1 when every class is equally
frequent and 0 when every sample falls in one class.  ``exp(H)``, the
"effective number of classes" (the perplexity), reads more directly: 10 for
uniform MNIST digits, 1 for a collapsed generator.

The classifier's confidence (its top probability per sample) says whether the
samples look like digits at all: a generator of smudges gets low confidences
even when its histogram is flat.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Array = np.ndarray

CONFIDENT = 0.9  # a top probability at least this high counts as "recognised"


@dataclass(frozen=True)
class ClassDiversity:
    """The class histogram ``(K,)`` of a set of samples and the top probability ``(n,)`` of each."""

    histogram: Array
    confidences: Array

    @property
    def fractions(self) -> Array:
        return self.histogram / max(int(self.histogram.sum()), 1)

    @property
    def entropy(self) -> float:
        """Shannon entropy of the class fractions, in nats (0 log 0 = 0)."""
        p = self.fractions[self.fractions > 0]
        # max(): a single class gives -0.0, which prints as "-0.0".
        return max(0.0, float(-(p * np.log(p)).sum()))

    @property
    def score(self) -> float:
        """``entropy / log K``: 1 for a uniform histogram, 0 for a single class."""
        return self.entropy / math.log(len(self.histogram))

    @property
    def effective_classes(self) -> float:
        """``exp(entropy)``: how many equally frequent classes would give this entropy."""
        return math.exp(self.entropy)

    @property
    def confidence_mean(self) -> float:
        return float(self.confidences.mean())

    @property
    def confident_fraction(self) -> float:
        """The fraction of samples whose top probability is at least `CONFIDENT` (0.9)."""
        return float((self.confidences >= CONFIDENT).mean())

    def confidence_quantiles(self, quantiles: tuple[float, ...] = (0.1, 0.5, 0.9)) -> list[float]:
        """Points of the confidence distribution (by default the 10th, 50th, 90th percentiles)."""
        return [float(q) for q in np.quantile(self.confidences, quantiles)]


def class_diversity(probabilities: Array) -> ClassDiversity:
    """The diversity of samples from their class probabilities, ``(n, K)`` with ``K >= 2``."""
    probabilities = np.asarray(probabilities)
    if probabilities.ndim != 2 or probabilities.shape[1] < 2 or len(probabilities) == 0:
        raise ValueError(
            "`probabilities` must be a (samples, classes) array with at least one sample and "
            f"two classes. Received shape {probabilities.shape}."
        )
    if not np.isfinite(probabilities).all():
        raise ValueError("`probabilities` contains NaN or infinite values.")
    classes = probabilities.shape[1]
    histogram = np.bincount(probabilities.argmax(axis=1), minlength=classes)
    return ClassDiversity(histogram, probabilities.max(axis=1).astype(np.float64))
