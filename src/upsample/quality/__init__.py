"""Measured quality of generated digits: a Fréchet distance, class diversity and confidence.

All of it rests on a small digit classifier that upsample trains itself
(`digit_classifier`); the Fréchet distance on its features is NOT the
published Inception FID and is comparable only within this tool.

- `digit_classifier`: the classifier, trained from a seed or read from the cache;
- `frechet_distance`, `feature_statistics`: the distance between two feature sets;
- `class_diversity`: the class histogram, its normalised entropy, the confidences;
- `SampleScorer`: all of these for a batch of generated images;
- `GANMonitor`: a callback that scores a GAN and keeps sample grids every epoch.
"""

from upsample.quality.classifier import (
    ClassifierSettings,
    DigitClassifier,
    digit_classifier,
    train_classifier,
)
from upsample.quality.diversity import ClassDiversity, class_diversity
from upsample.quality.frechet import FeatureStatistics, feature_statistics, frechet_distance
from upsample.quality.monitor import GANMonitor
from upsample.quality.scores import NOT_FID, SampleScorer, SampleScores

__all__ = [
    "NOT_FID",
    "ClassDiversity",
    "ClassifierSettings",
    "DigitClassifier",
    "FeatureStatistics",
    "GANMonitor",
    "SampleScorer",
    "SampleScores",
    "class_diversity",
    "digit_classifier",
    "feature_statistics",
    "frechet_distance",
    "train_classifier",
]
