"""Run records: atomic JSON and text files, and the versions a run used."""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import numpy as np

from upsample import __version__


@contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """Write to a temporary file beside `path`, then rename it over `path`.

    An interrupted run leaves the previous file (or none), never half of one.
    The temporary file is opened like any other (mode 0666 less the umask), so
    the result is as readable as a file written directly.
    """
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "xb") as handle:
            yield handle
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write `text` (UTF-8) atomically: an interrupted run never leaves half a file."""
    target = Path(path)
    with atomic_write(target) as handle:
        handle.write(text.encode("utf-8"))
    return target


def write_json(path: str | os.PathLike[str], data: Any) -> Path:
    return write_text(path, json.dumps(data, indent=2, default=_jsonable) + "\n")


def read_json(path: str | os.PathLike[str]) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _jsonable(value: Any) -> Any:
    """NumPy scalars and paths, which `json` does not know, as plain values."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"Cannot write {type(value).__name__} to JSON: {value!r}")


def versions() -> dict[str, str]:
    """The versions that decide a run's numbers."""
    import matplotlib

    return {
        "upsample": __version__,
        "numpy": np.__version__,
        "matplotlib": matplotlib.__version__,
        "python": platform.python_version(),
    }
