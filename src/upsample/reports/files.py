"""Run records: atomic JSON and text files, and the versions a run used."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

import numpy as np

from upsample import __version__
from upsample.utils.atomic_file import write_bytes


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write `text` (UTF-8) atomically: an interrupted run never leaves half a file."""
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike[str], data: Any) -> Path:
    return write_text(path, json.dumps(data, indent=2, default=_jsonable) + "\n")


def read_json(path: str | os.PathLike[str]) -> Any:
    """The JSON value in `path`; a ValueError naming the file if it is not valid JSON."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} is not valid JSON ({error})") from None
    except RecursionError:
        raise ValueError(f"{path} is nested too deeply to be read as JSON") from None


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
