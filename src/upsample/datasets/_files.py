"""Downloads with checksums and progress, ``.npz`` files read safely, and the cache folders.

Nothing here trusts a file because it exists: a data file is read without ever
unpickling anything, and what is wrong with a file is said with its path.
"""

from __future__ import annotations

import hashlib
import os
import sys
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from upsample.utils.atomic_file import atomic_write
from upsample.utils.progbar import Progbar

# Tests replace this to simulate a network that is down or serves bad bytes.
Opener = Callable[[str, float], Any]


def _urlopen(url: str, timeout: float) -> Any:
    return urllib.request.urlopen(url, timeout=timeout)


open_url: Opener = _urlopen


class DownloadError(OSError):
    """A download failed (no network, a bad status, or a checksum mismatch)."""


class DataFileError(ValueError):
    """A data file that cannot be used; the message names the file and what is wrong."""


def cache_root() -> Path:
    """upsample's cache: ``$UPSAMPLE_HOME``, else ``$XDG_CACHE_HOME/upsample``, else
    ``~/.cache/upsample`` (the XDG Base Directory default)."""
    root = os.environ.get("UPSAMPLE_HOME")
    if root:
        return Path(root)
    xdg = os.environ.get("XDG_CACHE_HOME")
    # The XDG specification says a relative path is invalid and must be ignored.
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "upsample"


def cache_dir() -> Path:
    """Where datasets are cached: ``cache_root() / "datasets"``."""
    return cache_root() / "datasets"


def keras_cache_dir() -> Path:
    """Keras's own cache (``~/.keras/datasets``), read but never written."""
    root = os.environ.get("KERAS_HOME")
    return (Path(root) if root else Path.home() / ".keras") / "datasets"


def say(message: str) -> None:
    """Tell the user where their data came from (stderr, so stdout stays clean)."""
    print(message, file=sys.stderr, flush=True)


def download(
    url: str,
    *,
    sha256: str | None = None,
    timeout: float = 30.0,
    progress: bool = True,
) -> bytes:
    """The bytes at `url`, checked against the given digest; raises DownloadError."""
    try:
        with open_url(url, timeout) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            bar = Progbar(total, unit_name="B") if progress and sys.stderr.isatty() else None
            chunks, received = [], 0
            while chunk := response.read(1 << 16):
                chunks.append(chunk)
                received += len(chunk)
                if bar is not None:
                    bar.update(received)
    except (OSError, ValueError) as error:
        raise DownloadError(f"Could not download {url}: {error}") from error
    data = b"".join(chunks)
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise DownloadError(f"The file downloaded from {url} does not have the expected SHA-256.")
    return data


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write `arrays` as a compressed ``.npz`` at `path` atomically, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as handle:
        np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]


# How an .npz (a zip archive) and a single .npy array begin.
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_NPY_MAGIC = b"\x93NUMPY"


def read_npz(path: Path, keys: Sequence[str]) -> dict[str, np.ndarray]:
    """The arrays `keys` of the ``.npz`` file at `path`, never unpickling anything.

    A `DataFileError` naming `path` says what is wrong: a folder, a file of
    another format, a missing array, an array of Python objects, damage.  A
    missing or unreadable file is the `OSError` of opening it (which names it).
    """
    if path.is_dir():
        raise DataFileError(f"{path} is a folder, not an .npz file.")
    # Our own handle: NumPy leaks the one it opens when the zip archive is damaged.
    with path.open("rb") as handle:
        head = handle.read(len(_NPY_MAGIC))
        if head.startswith(_NPY_MAGIC):
            raise DataFileError(
                f"{path} is a single NumPy array (.npy), not an .npz archive holding "
                f"{', '.join(keys)}."
            )
        if head[:4] not in _ZIP_MAGIC:
            raise DataFileError(
                f"{path} is not an .npz file (NumPy's zip archive of arrays): it is another "
                "format, or damaged."
            )
        handle.seek(0)
        try:
            with np.load(handle, allow_pickle=False) as npz:
                missing = [key for key in keys if key not in npz.files]
                if missing:
                    raise DataFileError(
                        f"{path} lacks the array(s) {', '.join(missing)}; it holds "
                        f"{', '.join(npz.files) or 'no arrays'}."
                    )
                return {key: _array(npz, key, path) for key in keys}
        except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as error:
            raise DataFileError(f"{path} is damaged or truncated ({error}).") from error


def _array(npz: Any, key: str, path: Path) -> np.ndarray:
    """One array of an open ``.npz``, its header checked before any data is read."""
    member = f"{key}.npy" if f"{key}.npy" in npz.zip.namelist() else key
    try:
        with npz.zip.open(member) as stream:
            version = np.lib.format.read_magic(stream)
            read_header = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            dtype = read_header(stream)[2]
        if not dtype.hasobject:
            return np.asarray(npz[key])
    except ValueError as error:
        raise DataFileError(f"{path}: {key} is not a readable array ({error}).") from error
    raise DataFileError(
        f"{path}: {key} holds Python objects (dtype {dtype}), not numbers. A data file is "
        "never unpickled, since unpickling can run any code."
    )


def array_digest(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def read_idx(data: bytes, name: str) -> np.ndarray:
    """An array in the IDX format of the original MNIST files (big-endian header, uint8 data)."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{name} is not an IDX file of unsigned bytes.")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    payload = data[4 + 4 * ndim :]
    if len(payload) != int(np.prod(dims)):
        raise ValueError(f"{name} is truncated: expected {int(np.prod(dims))} bytes of data.")
    return np.frombuffer(payload, np.uint8).reshape(dims)
