"""The bundled MNIST sample and one tiny classifier trained on it (cached in a temporary
folder), shared by the quality tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from quality.tiny import TINY
from upsample.datasets import mnist
from upsample.quality import DigitClassifier, digit_classifier


@pytest.fixture(scope="session")
def sample() -> Any:
    """2,000 training and all 1,000 test images of the bundled sample (uint8, as Keras's)."""
    with np.load(mnist.SAMPLE_PATH) as arrays:
        x_train, y_train = arrays["x_train"][:2000], arrays["y_train"][:2000]
        return (x_train, y_train), (arrays["x_test"], arrays["y_test"])


@pytest.fixture(scope="session")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("classifiers")


@pytest.fixture(scope="session")
def trained(sample: Any, cache: Path) -> DigitClassifier:
    return digit_classifier(sample, TINY, cache_dir=cache, verbose=False)
