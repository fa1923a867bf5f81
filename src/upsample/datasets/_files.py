"""Downloads with checksums and progress, atomic cache writes, and the cache folders.

Nothing here trusts a file because it exists: every dataset is verified by the
hashes of its arrays before use, and a file that fails is replaced, not used.
"""

from __future__ import annotations

import base64
import hashlib
import os
import sys
import tempfile
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import numpy as np

# Tests replace this to simulate a network that is down or serves bad bytes.
Opener = Callable[[str, float], Any]


def _urlopen(url: str, timeout: float) -> Any:
    return urllib.request.urlopen(url, timeout=timeout)


open_url: Opener = _urlopen


class DownloadError(OSError):
    """A download failed (no network, a bad status, or a checksum mismatch)."""


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
    sha512_base64: str | None = None,
    timeout: float = 30.0,
    progress: bool = True,
) -> bytes:
    """The bytes at `url`, checked against the given digest; raises DownloadError."""
    from upsample.utils.progbar import Progbar

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
    if sha512_base64 is not None:
        digest = base64.b64encode(hashlib.sha512(data).digest()).decode()
        if digest != sha512_base64:
            raise DownloadError(
                f"The file downloaded from {url} does not have the expected SHA-512."
            )
    return data


@contextmanager
def atomic_write(path: Path) -> Iterator[IO[bytes]]:
    """Write to a temporary file beside `path`, then rename: a failure leaves `path` intact."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed after the `with` below
        "wb", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


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
