"""The machine a run's times belong to: CPU, BLAS and threads, load, version and commit.

Times mean little without the machine that measured them; the reports and the
benchmarks write these beside their numbers.  Everything here reads and never
changes the process (no thread settings are touched).
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np

import upsample

# Environment variables that cap the threads of BLAS and OpenMP libraries.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity), else the logical count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def load_average() -> float | None:
    """The 1-minute load average (how many processes wanted the CPU), where known."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux), or what `platform` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def blas() -> str:
    """NumPy's BLAS as loaded (threadpoolctl: library, version, threads), else as built."""
    try:
        from threadpoolctl import threadpool_info

        loaded = [
            f"{p['internal_api']} {p['version']} ({p['num_threads']} threads)"
            for p in threadpool_info()
            if p.get("user_api") == "blas"
        ]
    except ImportError:
        loaded = []
    if loaded:
        return ", ".join(loaded)
    try:
        built = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{built['name']} {built.get('version', '')} (as built)".replace("  ", " ")
    except (KeyError, TypeError, ValueError):
        return "unknown"


def threads() -> str:
    """Cores usable, logical CPUs, and any thread caps set in the environment."""
    caps = [f"{name}={os.environ[name]}" for name in THREAD_VARIABLES if name in os.environ]
    text = f"{usable_cores()} usable cores ({os.cpu_count()} logical)"
    return text + (f"; {', '.join(caps)}" if caps else "")


def git_commit(dirty_paths: Sequence[str] = ("src/upsample",)) -> str | None:
    """The short commit of the source checkout `upsample` runs from, if it runs from one.

    Marked when `dirty_paths` (relative to the checkout) have uncommitted changes.
    None for an installed copy: a site-packages folder may sit inside some other
    repository, whose commit would say nothing about this code.
    """
    package = Path(upsample.__file__).resolve().parent
    root = package.parents[1]
    if package != root / "src" / "upsample" or not (root / "pyproject.toml").is_file():
        return None
    try:
        head = _git(root, "rev-parse", "--short", "HEAD")
        dirty = _git(root, "status", "--porcelain", "--", *dirty_paths)
    except (OSError, subprocess.CalledProcessError):
        return None
    where = ", ".join(p.rstrip("/") + "/" for p in dirty_paths)
    return head + (f" + uncommitted changes in {where}" if dirty else "")


def _git(root: Path, *arguments: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *arguments], capture_output=True, text=True, check=True
    ).stdout.strip()


def machine(dirty_paths: Sequence[str] = ("src/upsample",)) -> dict[str, str]:
    """CPU, memory, OS, Python, NumPy and BLAS, threads, upsample's version and commit, date."""
    info = {"CPU": cpu_model()}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["CPU"] += f", {int(line.split()[1]) / 2**20:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    info["Threads"] = threads()
    info["OS"] = platform.platform()
    info["Python"] = platform.python_version()
    info["NumPy"] = f"{np.__version__} ({blas()})"
    commit = git_commit(dirty_paths)
    info["upsample"] = upsample.__version__ + (f", git {commit}" if commit else "")
    info["Date"] = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    return info
