"""Scores of generated digits: Fréchet distance, class diversity, confidence, and more.

`SampleScorer` holds the statistics of a real reference set on the digit
classifier's features and scores any batch of generated images against them.
The Fréchet distance here is NOT the published (Inception) FID: it is measured
on `upsample.quality`'s own small classifier and is comparable only within
this tool, between runs scored with the same classifier and reference set and
the same number of samples (the estimate is biased upwards for small sets).
`floor` gives the distance of held-out real images, the best a generator can
reach at that sample count.

Any other measure of an image batch joins through `measures` (name ->
function of the ``(n, h, w, c)`` images returning a float): that is where the
checkerboard measures of `upsample.analysis` plug in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from upsample.quality.classifier import DigitClassifier
from upsample.quality.diversity import ClassDiversity, class_diversity
from upsample.quality.frechet import FeatureStatistics, feature_statistics, frechet_distance

Array = np.ndarray
Measure = Callable[[Array], float]

SCORE_NAMES = (
    "frechet_distance",
    "diversity",
    "effective_classes",
    "confidence_mean",
    "confident_fraction",
)
NOT_FID = (
    "Fréchet distance on upsample's own digit classifier: NOT the published Inception FID, "
    "comparable only within this tool"
)


@dataclass(frozen=True)
class SampleScores:
    """The scores of one batch of generated images."""

    frechet_distance: float
    diversity: ClassDiversity
    measures: dict[str, float] = field(default_factory=dict)

    def logs(self) -> dict[str, float]:
        """Flat numbers for a `History`: one entry per score."""
        values = (
            self.frechet_distance,
            self.diversity.score,
            self.diversity.effective_classes,
            self.diversity.confidence_mean,
            self.diversity.confident_fraction,
        )
        return {**dict(zip(SCORE_NAMES, values, strict=True)), **self.measures}


class SampleScorer:
    """Scores images against a real reference set, on a `DigitClassifier`'s features.

    Args:
        classifier: The digit classifier (see `digit_classifier`).
        reference_images: Real images, ``(n, 28, 28[, 1])``, e.g. the test split.
        measures: Extra measures by name, each ``images -> float``.
    """

    def __init__(
        self,
        classifier: DigitClassifier,
        reference_images: Array,
        measures: Mapping[str, Measure] | None = None,
    ) -> None:
        self.classifier = classifier
        features, _ = classifier.features_and_probabilities(reference_images)
        self.reference: FeatureStatistics = feature_statistics(features)
        self.measures = dict(measures or {})
        clashes = set(self.measures) & set(SCORE_NAMES)
        if clashes:
            raise ValueError(
                f"`measures` may not reuse the names of the scores: {sorted(clashes)}."
            )

    def __call__(self, images: Array) -> SampleScores:
        features, probabilities = self.classifier.features_and_probabilities(images)
        return SampleScores(
            frechet_distance(feature_statistics(features), self.reference),
            class_diversity(probabilities),
            {name: float(measure(np.asarray(images))) for name, measure in self.measures.items()},
        )

    def floor(self, real_images: Array) -> float:
        """The Fréchet distance of other real images (held out from the reference) to it."""
        features, _ = self.classifier.features_and_probabilities(real_images)
        return frechet_distance(feature_statistics(features), self.reference)
