"""glibc's malloc, tuned to keep freed memory mapped: an explicit opt-in, never on import.

Arrays below the output pool's threshold (`buffers`) come from malloc's heap.
By default glibc gives the top of the heap back to the system as soon as more
than a few hundred KiB are free there, and lets its mmap threshold drift, so the
next training step faults the same pages in again.  `tune_allocator` fixes the
mmap threshold at its maximum and keeps up to `tuning.TRIM_THRESHOLD_BYTES` of
freed memory (see `tuning` for the measurement).  These settings are the whole
process's: the `upsample` command and the benchmarks opt in; a library user may.

A user's own malloc settings (``MALLOC_*_`` variables or ``GLIBC_TUNABLES``) are
left alone, and so is any C library other than glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
from collections.abc import Mapping

from upsample.runtime import tuning

# glibc's mallopt parameters (malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

_USER_SETTINGS = (
    "GLIBC_TUNABLES",
    "MALLOC_TRIM_THRESHOLD_",
    "MALLOC_MMAP_THRESHOLD_",
    "MALLOC_TOP_PAD_",
    "MALLOC_MMAP_MAX_",
)

_tuned = False


def malloc_settings(environ: Mapping[str, str], libc: str) -> dict[int, int]:
    """The mallopt settings to apply: none unless glibc and no user settings."""
    if libc != "glibc" or any(name in environ for name in _USER_SETTINGS):
        return {}
    return {
        M_MMAP_THRESHOLD: tuning.MMAP_THRESHOLD_BYTES,
        M_TRIM_THRESHOLD: tuning.TRIM_THRESHOLD_BYTES,
    }


def tune_allocator() -> bool:
    """Apply `malloc_settings` to this process; whether they are in force."""
    global _tuned
    if _tuned:
        return True
    settings = malloc_settings(os.environ, platform.libc_ver()[0])
    name = ctypes.util.find_library("c")
    if not settings or name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    _tuned = all(mallopt(parameter, value) == 1 for parameter, value in settings.items())
    return _tuned


def allocator_tuned() -> bool:
    """Whether `tune_allocator` has applied its settings in this process."""
    return _tuned
