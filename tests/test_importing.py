"""Importing `upsample` changes nothing in the process (checked in fresh interpreters).

What is compared before and after ``import upsample, upsample.layers,
upsample.models, upsample.ops``: BLAS thread counts (threadpoolctl), the warnings
filters, the legacy global NumPy RNG state and the number of Python threads.

glibc's malloc settings cannot be read back, so their effect is observed: a
24 MiB block is served by mmap under glibc's defaults (the mmap threshold starts
at 128 KiB) and from the heap once `upsample.config.tune_allocator` has raised
the threshold to 32 MiB.  A fresh interpreter that imports the package must map
the block as one that imports only NumPy does, and one that opts in must not.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys

CHILD = r"""
import ctypes, hashlib, json, pickle, sys, threading, warnings
import numpy as np
from threadpoolctl import threadpool_info

def snapshot():
    return {
        "blas": [(p["internal_api"], p["num_threads"]) for p in threadpool_info()],
        "warnings": repr(warnings.filters),
        "rng": hashlib.sha256(pickle.dumps(np.random.get_state())).hexdigest(),
        "threads": threading.active_count(),
    }

def block_is_mapped():
    class Mallinfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd",
            "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]
    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = Mallinfo2
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    mapped = libc.mallinfo2().hblkhd
    block = libc.malloc(24 << 20)
    mapped = libc.mallinfo2().hblkhd > mapped
    libc.free(block)
    return mapped

before = snapshot()
tuned = None
if sys.argv[1] == "import":
    import upsample, upsample.layers, upsample.models, upsample.ops
elif sys.argv[1] == "opt-in":
    from upsample import config
    tuned = config.tune_allocator()
after = snapshot()
glibc = hasattr(ctypes.CDLL(None), "mallinfo2")
print(json.dumps({"before": before, "after": after, "tuned": tuned,
                  "mapped": block_is_mapped() if glibc else None}))
"""


def _child(mode: str) -> dict[str, object]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_"))}
    result = subprocess.run(
        [sys.executable, "-c", CHILD, mode], env=environ, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_importing_the_package_leaves_the_process_as_it_was() -> None:
    imported = _child("import")
    assert imported["after"] == imported["before"]
    assert imported["before"]["blas"]  # type: ignore[index]  # (threadpoolctl found BLAS)
    baseline = _child("numpy-only")
    assert imported["mapped"] == baseline["mapped"]


def test_the_allocator_probe_sees_the_opt_in() -> None:
    """The probe above is not blind: opting in changes what it observes (glibc only)."""
    baseline, opted = _child("numpy-only"), _child("opt-in")
    if platform.libc_ver()[0] == "glibc":
        assert (baseline["mapped"], opted["mapped"], opted["tuned"]) == (True, False, True)
    else:  # no glibc: nothing to tune, and nothing is tuned
        assert opted["tuned"] is False
