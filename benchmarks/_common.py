"""What the benchmarks share: worker processes over a JSON-line protocol, timing, the machine.

Not a benchmark of its own.  `bench_ops.py` (kernels) and `bench_training.py`
(``fit`` of the seed models) both run each framework in its own process (Keras fixes
its backend at import, and a framework's threads and allocator must not disturb the
others), drive it with one JSON object per line over its stdin and stdout, interleave
the runners in rotating rounds and report medians, with the machine, the versions and
the load average beside the numbers.  This module holds those parts once:

* parent side: `WorkerProcess` (start, request, receive with a timeout, close),
  `PeerError`, `progress`, `timed`, `machine`, `load_average`, `rotated`,
  `max_relative_error`;
* worker side: `protocol_channel` (keep the protocol on the original stdout, send
  whatever the libraries print to stderr) and `serve` (the request loop).

Only the standard library and NumPy are imported at module level.
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
import os
import platform
import select
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np

Message = dict[str, Any]


# --------------------------------------------------------------------------- parent side


class PeerError(Exception):
    """A worker failed: not installed, crashed, timed out or answered with an error."""


class WorkerProcess:
    """One worker process, driven by JSON lines over pipes; its stderr goes to `log_path`."""

    def __init__(self, argv: Sequence[str], env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(
                list(argv),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                env={**os.environ, **env},
            )

    def log_tail(self, lines: int = 5) -> str:
        try:
            text = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return " | ".join(text[-lines:])

    def receive(self, timeout: float) -> Message:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            raise PeerError(f"no answer within {timeout:g} s")
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait(timeout=10)
            raise PeerError(f"worker exited with code {code}; log: {self.log_tail()}")
        answer: Message = json.loads(line)
        if not answer.get("ok"):
            raise PeerError(str(answer.get("error", "unknown error")))
        return answer

    def request(self, message: Message, timeout: float) -> Message:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(message) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as error:
            code = self.proc.poll()
            raise PeerError(
                f"worker is gone (exit code {code}, {error}); log: {self.log_tail()}"
            ) from error
        return self.receive(timeout)

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(PeerError):
                self.request({"cmd": "quit"}, timeout=10)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def progress(message: str) -> None:
    """A progress line on stderr (stdout carries only the final report)."""
    print(message, file=sys.stderr, flush=True)


def timed(fn: Callable[[], Any], repeats: int) -> list[float]:
    """Wall-clock seconds of `repeats` calls, garbage collection paused."""
    times = []
    gc.disable()
    try:
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    finally:
        gc.enable()
    return times


def rotated(items: Sequence[str], round_index: int) -> list[str]:
    """`items` rotated left by `round_index` places: who goes first changes every round."""
    shift = round_index % max(len(items), 1)
    return [*items[shift:], *items[:shift]]


def max_relative_error(actual: Sequence[np.ndarray], expected: Sequence[np.ndarray]) -> float:
    """``max |actual - expected| / max |expected|`` over a list of arrays (inf on shape errors)."""
    if len(actual) != len(expected):
        return math.inf
    worst = 0.0
    for a, e in zip(actual, expected):
        if a.shape != e.shape:
            return math.inf
        scale = float(np.max(np.abs(e))) if e.size else 0.0
        diff = float(np.max(np.abs(a - e))) if e.size else 0.0
        worst = max(worst, diff / (scale or 1.0))
    return worst


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def machine(dirty_paths: Sequence[str] = ("src/upsample/ops",)) -> dict[str, str]:
    """CPU model, cores, memory, OS, Python, NumPy/BLAS, upsample version and commit.

    The commit is marked when `dirty_paths` (relative to the repository root) have
    uncommitted changes, since the numbers then belong to a work in progress.
    """
    info: dict[str, str] = {}
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info["CPU"] = f"{cpu}, {usable_cores()} usable cores ({os.cpu_count()} logical)"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["CPU"] += f", {int(line.split()[1]) / 2**20:.1f} GiB RAM"
    except OSError:
        pass
    info["OS"] = platform.platform()
    info["Python"] = platform.python_version()
    blas = ""
    try:
        from threadpoolctl import threadpool_info

        blas = ", ".join(
            f"{p['internal_api']} {p['version']} ({p['num_threads']} threads)"
            for p in threadpool_info()
            if p["user_api"] == "blas"
        )
    except ImportError:
        pass
    info["NumPy"] = np.__version__ + (f" ({blas})" if blas else "")
    try:
        import upsample
    except ImportError as error:
        info["upsample"] = f"not importable ({error})"
        return info

    commit = ""
    try:
        root = Path(upsample.__file__).resolve().parents[2]
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", *dirty_paths],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        where = ", ".join(p.rstrip("/") + "/" for p in dirty_paths)
        commit = f", git {head}" + (f" + uncommitted changes in {where}" if dirty else "")
    except (OSError, subprocess.CalledProcessError, IndexError):
        pass
    info["upsample"] = upsample.__version__ + commit
    return info


def load_average() -> float | None:
    """The 1-minute load average (how many processes wanted the CPU), where known."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


# --------------------------------------------------------------------------- worker side


def protocol_channel() -> TextIO:
    """The original stdout, for the protocol; stdout itself is pointed at stderr.

    Libraries print (TensorFlow's banners, Keras's warnings, progress bars): none of
    it may reach the parent's pipe, so file descriptor 1 becomes a copy of 2.
    """
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return channel


def serve(
    channel: TextIO,
    start: Callable[[], Message],
    handle: Callable[[Message], Message],
) -> None:
    """Answer requests until ``{"cmd": "quit"}`` or the end of stdin.

    `start` runs first (imports, thread settings) and returns the greeting; if it
    raises, the worker answers ``{"ok": false, "error": ...}`` and stops.  Each
    request line goes to `handle`, whose answer is sent with ``"ok": true``; an
    exception becomes ``{"ok": false, "error": ...}`` (traceback on stderr) and the
    worker goes on serving.
    """

    def send(message: Message) -> None:
        channel.write(json.dumps(message) + "\n")
        channel.flush()

    try:
        greeting = start()
    except Exception as error:  # ImportError, or a broken installation
        traceback.print_exc()
        send({"ok": False, "error": f"{type(error).__name__}: {error}"})
        return
    send({"ok": True, **greeting})
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("cmd") == "quit":
            send({"ok": True})
            return
        try:
            send({"ok": True, **handle(request)})
        except Exception as error:
            traceback.print_exc()
            send({"ok": False, "error": f"{type(error).__name__}: {error}"})
