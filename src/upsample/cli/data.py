"""MNIST for the commands: `--data auto|sample|PATH` and `--limit`, scaled as the seeds scale it."""

from __future__ import annotations

import argparse
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from upsample.cli.common import Console, UsageError
from upsample.datasets import mnist
from upsample.datasets._files import array_digest

# The first eight test digits, as the seeds show them (7, 2, 1, 0, 4, 1, 4, 9).
SHOWN_DIGITS = 8
DATA_HELP = (
    "where MNIST comes from: 'auto' (the loader's order: the cache, a download kept in "
    "the cache ($UPSAMPLE_HOME or ~/.cache/upsample), then the bundled sample), 'sample' "
    "(the bundled 6,000 + 1,000 real MNIST images, offline), or the path of an .npz "
    "file with Keras's mnist.npz arrays"
)


def data_option(text: str) -> str:
    """An argparse `type` for --data: 'auto', 'sample' or an existing file."""
    if text in ("auto", "sample"):
        return text
    path = Path(text).expanduser()
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {text} (or use 'auto' or 'sample')")
    return str(path.resolve())


@dataclass(frozen=True)
class Digits:
    """MNIST scaled to [0, 1] with a channel axis, and where it came from."""

    train: np.ndarray  # (N, 28, 28, 1) float32: training and validation images
    test: np.ndarray  # (M, 28, 28, 1) float32: the source's held-out test images, all of them
    shown: np.ndarray  # (8, 28, 28, 1) float32: the test digits the figures show (test[:8])
    shown_targets: np.ndarray  # their labels
    source: mnist.Source
    available: int  # training images in the source, before --limit
    sha256: str  # of the images used (uint8, before scaling): what --resume checks

    def record(self) -> dict[str, object]:
        """For config.json: where the data came from and how much was used."""
        return {
            "source": self.source.kind,
            "location": self.source.location,
            "description": self.source.describe(),
            "full_dataset": self.source.full,
            "images_available": self.available,
            "images_used": len(self.train),
            "images_sha256": self.sha256,
        }


def load_digits(
    option: str,
    limit: int | None,
    validation_split: float,
    console: Console,
    *,
    allow_sample: bool = True,
) -> Digits:
    """The images `--data` names, the first `limit` of them; the source is told to the user.

    A `UsageError` if too few images are left to split for validation (checked
    before loading when `limit` says so, so that the error comes at once), if
    the file is missing or not MNIST, or if 'auto' finds no full copy and
    `allow_sample` is false.
    """
    if limit is not None:
        check_sizes(limit, validation_split)
    with warnings.catch_warnings(record=True) as caught:
        # The loader warns when it falls back to the sample; we say so in a message.
        warnings.simplefilter("always", mnist.SampleWarning)
        try:
            if option == "sample":
                data, _ = mnist.load(str(mnist.SAMPLE_PATH), download=False, quiet=True)
            elif option == "auto":
                data, source = mnist.load(
                    quiet=True, progress=not console.quiet, allow_sample=allow_sample
                )
            else:
                data, source = mnist.load(option, download=False, quiet=True)
        except (OSError, ValueError, RuntimeError) as error:  # missing, not MNIST, unavailable
            # A file's errors name it already.
            prefix = f"--data {option}" if option in ("auto", "sample") else "--data"
            raise UsageError(f"{prefix}: {error}") from None
    if option == "sample":
        (x, _), (x_test, _) = data
        source = mnist.Source("sample", str(mnist.SAMPLE_PATH), len(x), len(x_test))
    for warning in caught:
        if not issubclass(warning.category, mnist.SampleWarning):
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    (x_train, _), (x_test, y_test) = data
    console.note(source.describe())
    if not source.full and option == "auto":
        console.note(
            "Note: MNIST could not be found or downloaded; using the bundled sample. "
            + mnist.how_to_supply()
        )
    used = x_train if limit is None else x_train[:limit]
    check_sizes(len(used), validation_split)
    test = _scaled(x_test)
    return Digits(
        train=_scaled(used),
        test=test,
        shown=test[:SHOWN_DIGITS],
        shown_targets=np.asarray(y_test[:SHOWN_DIGITS]),
        source=source,
        available=len(x_train),
        sha256=array_digest(used),
    )


def _scaled(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) -> float32 (N, 28, 28, 1) in [0, 1], as the seeds prepare MNIST."""
    return (images.reshape(*images.shape, 1).astype("float32")) / 255


def split_sizes(count: int, validation_split: float) -> tuple[int, int]:
    """Training and validation counts as `fit(validation_split=...)` makes them (Keras)."""
    train = math.floor(count * (1 - validation_split))
    return train, count - train


def check_sizes(count: int, validation_split: float) -> tuple[int, int]:
    train, validation = split_sizes(count, validation_split)
    if train < 1 or (validation_split > 0 and validation < 1):
        raise UsageError(
            f"{count} image(s) with --validation-split {validation_split} leave "
            f"{train} for training and {validation} for validation; use a larger --limit"
        )
    return train, validation
