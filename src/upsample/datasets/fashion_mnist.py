"""Fashion-MNIST, as `keras.datasets.fashion_mnist`: download only.

No verified offline sample of Fashion-MNIST is bundled, so offline this raises
a clear error instead of substituting anything.  The downloaded files are
checked for their structure (Keras publishes no checksums for them) and cached
atomically.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from upsample.datasets import _files
from upsample.datasets.mnist import KEYS, SHAPES, Splits

BASE_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}


def load_data() -> Splits:
    """``((x_train, y_train), (x_test, y_test))``: 60,000 + 10,000 uint8 28x28 images."""
    path = _files.cache_dir() / "fashion-mnist.npz"
    arrays = _cached(path)
    if arrays is None:
        arrays = {}
        for key, name in FILES.items():
            try:
                data = _files.download(BASE_URL + name)
                arrays[key] = _files.read_idx(gzip.decompress(data), name)
            except (_files.DownloadError, OSError, ValueError) as error:
                raise RuntimeError(
                    f"Fashion-MNIST could not be downloaded ({error}). It has no offline "
                    "fallback: connect to the network once, and it is cached in "
                    f"{path.parent}."
                ) from error
        _check(arrays, BASE_URL)
        _files.write_npz(path, arrays)
        _files.say(f"Fashion-MNIST: downloaded from {BASE_URL} and cached in {path}")
    else:
        _files.say(f"Fashion-MNIST: from the cache {path}")
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _cached(path: Path) -> dict[str, np.ndarray] | None:
    if not path.is_file():
        return None
    try:
        arrays = _files.read_npz(path, KEYS)
        _check(arrays, path)
    except (OSError, ValueError) as error:
        _files.say(f"Not using the Fashion-MNIST cache: {error} Downloading it again.")
        return None
    return arrays


def _check(arrays: dict[str, np.ndarray], where: object) -> None:
    for key in KEYS:
        if arrays[key].shape != SHAPES[key] or arrays[key].dtype != np.uint8:
            raise ValueError(f"Fashion-MNIST from {where}: {key} has the wrong shape or dtype.")
