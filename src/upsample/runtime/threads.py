"""Worker threads for independent chunks of a kernel, and BLAS held to one thread while they run.

NumPy releases the GIL inside copies, ufunc loops and BLAS calls, so a few
Python threads that each process a different batch chunk keep every core busy
during the data movement too (im2col copies, scatters), which a single
multi-threaded BLAS call cannot do.  While kernels run, BLAS is limited to one
thread, so that the workers do not oversubscribe the cores, and the previous
count is restored when the outermost kernel (or training step) returns.

Chunks are assigned to workers statically (worker `i` takes chunks `i, i + w,
...`), and results are returned in chunk order, so any reduction the caller does
over them is deterministic.  The pool of worker threads is created on first use.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np  # noqa: F401  (BLAS must be loaded before threadpoolctl looks for it)
from threadpoolctl import ThreadpoolController

from upsample.runtime import tuning

T = TypeVar("T")
C = TypeVar("C")

_lock = threading.Lock()
_local = threading.local()  # `worker`: this thread is running a share of a `map_chunks`
_pool: ThreadPoolExecutor | None = None
_threads: int | None = None  # None: every usable core


@functools.cache
def cpu_count() -> int:
    """Cores this process may run on (respects affinity and cgroup-pinned CPU sets), as
    first asked."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def num_threads() -> int:
    """How many threads kernels may use (by default, the number of usable cores)."""
    return cpu_count() if _threads is None else _threads


def set_num_threads(count: int | None) -> None:
    """Let kernels use `count` threads (None: every usable core); stops the running workers."""
    global _threads
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise ValueError(
            f"The number of threads must be a positive int or None. Received: count={count!r}"
        )
    stop_workers()
    _threads = count


def workers_running() -> bool:
    """Whether the pool of worker threads exists (it is created by the first parallel call)."""
    return _pool is not None


def stop_workers() -> None:
    """Shut the worker threads down (with their scratch buffers); the next parallel call
    starts them again.  Must not be called from inside a kernel."""
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=True)
            _pool = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=num_threads(), thread_name_prefix="upsample")
        return _pool


class _SingleThreadedBlas(contextlib.ContextDecorator):
    """BLAS on one thread inside a `with` block or a decorated function (nested ones
    included), the previous thread counts restored after.

    OpenBLAS on several threads is catastrophic for the skinny matrices of
    convolutions with few channels (measured here: 12 ms instead of 1.9 ms for
    a (19600, 32) @ (32, 8) product), so kernels always call BLAS single-threaded
    and parallelise over chunks themselves.  The outermost block costs a few
    microseconds (the library's own get/set functions, found once through
    threadpoolctl, are called directly); nested ones cost a counter.
    """

    def __init__(self) -> None:
        self._depth = 0
        self._functions: list[tuple[Callable[[], int], Callable[[int], Any]]] | None = None
        self._saved: list[int] = []
        self._lock = threading.Lock()

    @staticmethod
    def _find() -> list[tuple[Callable[[], int], Callable[[int], Any]]]:
        found = []
        for lib in ThreadpoolController().lib_controllers:
            if lib.user_api != "blas":
                continue
            getter = getattr(lib, "_get_symbol", None)
            get = getter("openblas_get_num_threads") if getter else None
            set_ = getter("openblas_set_num_threads") if getter else None
            if get is None or set_ is None or lib.threading_layer == "openmp":
                # Not OpenBLAS with its own pool: threadpoolctl's public methods.
                get, set_ = lib.get_num_threads, lib.set_num_threads
            found.append((get, set_))
        return found

    def __enter__(self) -> None:
        with self._lock:
            if self._depth == 0:
                if self._functions is None:
                    self._functions = self._find()
                self._saved = [get() for get, _ in self._functions]
                for (_, set_), threads in zip(self._functions, self._saved, strict=True):
                    if threads != 1:
                        set_(1)
            self._depth += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0 and self._functions is not None:
                for (_, set_), threads in zip(self._functions, self._saved, strict=True):
                    if threads != 1:
                        set_(threads)

    @property
    def active(self) -> bool:
        return self._depth > 0


_blas = _SingleThreadedBlas()


def single_threaded_blas() -> _SingleThreadedBlas:
    """BLAS on one thread inside (a context manager or a decorator), restored after.

    Kernels enter it themselves; a caller that runs many kernels in a row (a
    training step) enters it once around them, so the counts are switched once.
    """
    return _blas


def map_chunks(fn: Callable[[C], T], chunks: Sequence[C], *, parallel: bool = True) -> list[T]:
    """Apply `fn` to every chunk, in order; on several threads when `parallel` and worth it.

    Handing chunks to the worker threads costs tens of microseconds, more than
    small layers take: their kernels pass ``parallel=False``.  Inside a worker
    (a model training pieces of a batch on every core) chunks run serially: the
    cores are busy already, and waiting on the same pool could deadlock.
    """
    in_worker = getattr(_local, "worker", False)
    workers = min(num_threads(), len(chunks)) if parallel and not in_worker else 1
    if workers <= 1:
        with _blas:
            return [fn(chunk) for chunk in chunks]

    def run_share(start: int) -> list[T]:
        _local.worker = True
        try:
            return [fn(chunk) for chunk in chunks[start::workers]]
        finally:
            _local.worker = False

    with _blas:
        shares = list(_executor().map(run_share, range(workers)))
    results: list[T] = [None] * len(chunks)  # type: ignore[list-item]
    for start, share in enumerate(shares):
        results[start::workers] = share
    return results


def run_chunks(fn: Callable[[C], object], chunks: Sequence[C], nbytes: int) -> None:
    """Apply `fn` to every chunk of an op that touches `nbytes`: on the worker threads
    when there are several chunks and the op is large enough to gain
    (`tuning.PARALLEL_BYTES`)."""
    map_chunks(fn, chunks, parallel=len(chunks) > 1 and nbytes >= tuning.PARALLEL_BYTES)
