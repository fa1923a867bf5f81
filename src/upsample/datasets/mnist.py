"""MNIST handwritten digits, as `keras.datasets.mnist`, from the best source available.

Sources, in order, and the user is always told which one was used:

1. an explicit file: a `path` with a folder in it (``"data/mnist.npz"``,
   ``"./mnist.npz"``, ``"~/mnist.npz"``) is read as given and never replaced by
   another source: a missing or unusable file is an error naming it;
2. otherwise `path` is a file name in the caches (as in Keras): ours, then
   Keras's ``~/.keras/datasets``, each verified;
3. a download of the canonical ``mnist.npz`` (Keras's URL, SHA-256 checked),
   kept in our cache;
4. offline, the bundled sample: the first 6,000 training and 1,000 test images
   of MNIST itself (never generated digits), with a warning that it is a sample
   and how to supply the whole dataset.

Every full copy is verified by the SHA-256 of its four arrays, so a damaged
cache is detected (and replaced by the next download).

MNIST: Y. LeCun, C. Cortes and C. J. C. Burges, CC BY-SA 3.0.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from upsample.datasets import _files

Split = tuple[np.ndarray, np.ndarray]
Splits = tuple[Split, Split]

KEYS = ("x_train", "y_train", "x_test", "y_test")
CANONICAL_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
CANONICAL_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
# SHA-256 of each array's bytes in Keras's mnist.npz.
ARRAY_SHA256 = {
    "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}
SHAPES = {
    "x_train": (60000, 28, 28),
    "y_train": (60000,),
    "x_test": (10000, 28, 28),
    "y_test": (10000,),
}
IMAGE_SHAPE = (28, 28)
SAMPLE_PATH = Path(__file__).parent / "data" / "mnist_sample.npz"
SAMPLE_SHA256 = "95c08517bf0955602193d20af84827ad6f151558f620a52fb2fa2124918b5bf2"


class SampleWarning(UserWarning):
    """The data is the bundled sample of MNIST, not the whole dataset."""


@dataclass(frozen=True)
class Source:
    """Where the data came from: `kind` is file, cache, download or sample."""

    kind: str
    location: str
    train: int
    test: int

    @property
    def full(self) -> bool:
        return self.kind != "sample"

    def describe(self) -> str:
        what = f"{self.train:,} training and {self.test:,} test images"
        if self.kind == "sample":
            return f"MNIST: the bundled SAMPLE of real MNIST digits ({what}), {self.location}"
        return f"MNIST: {what} from {self.kind} {self.location}"


def load_data(path: str = "mnist.npz") -> Splits:
    """``((x_train, y_train), (x_test, y_test))`` as uint8 arrays, as Keras returns them.

    `path` is a file name in the cache folders (Keras's meaning), or, if it
    names a folder too (``"./mnist.npz"``, ``"/data/mnist.npz"``), the file to
    read, which must exist and hold Keras's four arrays.  The source used is
    printed on stderr; offline, the bundled sample is used with a `SampleWarning`.
    """
    data, _ = load(path)
    return data


def load(
    path: str | None = "mnist.npz",
    *,
    download: bool = True,
    allow_sample: bool = True,
    progress: bool = True,
    quiet: bool = False,
) -> tuple[Splits, Source]:
    """Like `load_data`, and also return the `Source` used (for run records).

    A `FileNotFoundError` or `DataFileError` (a ValueError) for an explicit
    file that is missing or not MNIST; a `RuntimeError` saying how to supply
    the file when no source is available and `allow_sample` is false.
    """
    tried: list[str] = []
    name = path or "mnist.npz"
    explicit = _explicit_file(name)
    data: dict[str, np.ndarray] | None
    source: Source | None
    if explicit is not None:
        data = _from_file(explicit)
        source = Source("file", str(explicit), len(data["y_train"]), len(data["y_test"]))
    else:
        data, source = _from_caches_or_download(name, download, progress, tried)
    if data is None and allow_sample:
        data = _read_arrays(SAMPLE_PATH, expect_sha256=SAMPLE_SHA256)
        source = Source("sample", str(SAMPLE_PATH), len(data["y_train"]), len(data["y_test"]))
        warnings.warn(
            f"Using the bundled sample of {source.train:,} + {source.test:,} real MNIST images, "
            f"not the full dataset (tried: {'; '.join(tried)}). {how_to_supply()}",
            SampleWarning,
            stacklevel=2,
        )
    if data is None or source is None:
        raise RuntimeError(f"MNIST is not available (tried: {'; '.join(tried)}). {how_to_supply()}")
    if not quiet:
        _files.say(source.describe())
    return ((data["x_train"], data["y_train"]), (data["x_test"], data["y_test"])), source


def _explicit_file(path: str) -> Path | None:
    """`path` as a file the user named, or None for a bare name looked up in the caches."""
    separators = [os.sep, *([os.altsep] if os.altsep else [])]
    if path.startswith("~") or any(separator in path for separator in separators):
        return Path(path).expanduser().absolute()
    return None


def how_to_supply() -> str:
    """What to do when MNIST cannot be downloaded here."""
    return (
        f"To use all of MNIST, download {CANONICAL_URL} (SHA-256 {CANONICAL_SHA256}) where "
        f"there is network access, then put it at {_files.cache_dir() / 'mnist.npz'} or pass "
        "its path: mnist.load_data('/path/to/mnist.npz'), or --data /path/to/mnist.npz."
    )


def _from_file(path: Path) -> dict[str, np.ndarray]:
    if not path.exists():
        raise FileNotFoundError(
            f"No such MNIST file: {path}. A path with a folder in it is read as given (never "
            "replaced by a download or the sample); a bare name such as 'mnist.npz' is looked "
            f"up in the cache {_files.cache_dir()}."
        )
    return _read_arrays(path)


def _from_caches_or_download(
    name: str, download: bool, progress: bool, tried: list[str]
) -> tuple[dict[str, np.ndarray] | None, Source | None]:
    if Path(name).is_file():
        tried.append(
            f"./{name} is not read (a bare name means a file in the caches; write ./{name})"
        )
    ours = _files.cache_dir() / name
    for candidate in (ours, _files.keras_cache_dir() / name):
        if not candidate.is_file():
            tried.append(f"no cache at {candidate}")
            continue
        try:
            arrays = _read_arrays(candidate)
            _verify(arrays, candidate)
        except (OSError, ValueError) as error:
            tried.append(str(error))
            _files.say(f"Not using the cache: {error}")
            continue
        return arrays, Source("cache", str(candidate), 60000, 10000)
    if not download:
        tried.append("downloads disabled")
        return None, None
    try:
        arrays = _from_canonical_url(progress)
    except (_files.DownloadError, ValueError) as error:
        tried.append(str(error))
        return None, None
    _write_cache(ours, arrays)
    return arrays, Source("download", CANONICAL_URL, 60000, 10000)


def _read_arrays(path: Path, expect_sha256: str | None = None) -> dict[str, np.ndarray]:
    """The four arrays of an MNIST ``.npz`` file; what is wrong is a `DataFileError`."""
    if expect_sha256 is not None and hashlib.sha256(path.read_bytes()).hexdigest() != expect_sha256:
        raise _files.DataFileError(f"{path} is damaged (its SHA-256 is not the shipped one).")
    arrays = _files.read_npz(path, KEYS)
    for key, array in arrays.items():
        is_images = key.startswith("x")
        expected = "(N, 28, 28)" if is_images else "(N,)"
        shape_ok = array.ndim > 0 and array.shape[1:] == (IMAGE_SHAPE if is_images else ())
        if array.dtype != np.uint8 or not shape_ok:
            raise _files.DataFileError(
                f"{path}: {key} must be uint8 of shape {expected}, as in Keras's mnist.npz; it "
                f"is {array.dtype} of shape {array.shape}."
            )
    for split in ("train", "test"):
        images, labels = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if len(images) != len(labels):
            raise _files.DataFileError(
                f"{path}: x_{split} holds {len(images)} images but y_{split} {len(labels)} "
                "labels; there must be one label per image."
            )
    return arrays


def _verify(arrays: dict[str, np.ndarray], where: object) -> None:
    for key in KEYS:
        if (
            arrays[key].shape != SHAPES[key]
            or _files.array_digest(arrays[key]) != ARRAY_SHA256[key]
        ):
            raise _files.DataFileError(
                f"The MNIST copy at {where} failed verification ({key} differs from MNIST's)."
            )


def _from_canonical_url(progress: bool) -> dict[str, np.ndarray]:
    data = _files.download(CANONICAL_URL, sha256=CANONICAL_SHA256, progress=progress)
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        arrays = {key: np.asarray(npz[key]) for key in KEYS}
    _verify(arrays, CANONICAL_URL)
    return arrays


def _write_cache(path: Path, arrays: dict[str, np.ndarray]) -> None:
    try:
        _files.write_npz(path, arrays)
    except OSError as error:
        _files.say(f"Could not cache MNIST at {path}: {error}")
