"""Reusable memory of the kernels: a pool of dead outputs, and per-thread scratch buffers.

Writing to memory the kernel has just mapped costs a page fault per 4 KiB page,
about as much as the writes themselves, and a training loop allocates and frees
the same arrays every step.  So:

* Outputs of at least `tuning.POOL_MIN_BYTES` (which glibc always maps afresh)
  reuse the buffers of outputs that died (`new_array`), as TensorFlow's and
  XLA's allocators do; in training loops and benchmarks they are the previous
  step's.  At most `pool_limit()` bytes of dead outputs are kept.
* Temporaries a kernel needs while it runs (im2col patches, zero-bordered
  windows, the passes of resampling) come from `scratch`: a few buffers per
  thread, reused from call to call, which keeps a chunk's working set in cache.

`release_buffers` gives all of it back.
"""

from __future__ import annotations

import contextlib
import math
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from upsample.runtime import threads, tuning

Array = NDArray[np.floating]

# --------------------------------------------------------------------------- the output pool

_idle: list[NDArray[np.uint8]] = []  # released buffers, oldest first
_idle_lock = threading.RLock()  # reentrant: a release may run inside `_reuse` (GC)
_limit = tuning.POOL_LIMIT_BYTES


def _reuse(nbytes: int) -> NDArray[np.uint8] | None:
    with _idle_lock:
        for k in range(len(_idle) - 1, -1, -1):
            if _idle[k].nbytes == nbytes:
                return _idle.pop(k)
    return None


def _trim(limit: int) -> None:
    with _idle_lock:
        total = sum(b.nbytes for b in _idle)
        while total > limit:
            total -= _idle.pop(0).nbytes


def _release(buffer: NDArray[np.uint8]) -> None:
    with _idle_lock:
        _idle.append(buffer)
        _trim(_limit)


class _Lease:
    """Lends a pooled buffer to an array; gives it back when no array can reach it.

    NumPy keeps the object an array is made from (through ``__array_interface__``)
    as that array's base, and every view keeps its base alive, so ``__del__`` runs
    only after the last view of the output is gone.
    """

    __slots__ = ("__array_interface__", "_buffer")

    def __init__(self, buffer: NDArray[np.uint8], shape: tuple[int, ...], dtype: np.dtype) -> None:
        self._buffer = buffer
        self.__array_interface__ = {
            "data": (buffer.ctypes.data, False),
            "shape": shape,
            "typestr": dtype.str,
            "version": 3,
        }

    def __del__(self, release: Callable[[NDArray[np.uint8]], None] = _release) -> None:
        with contextlib.suppress(Exception):  # the pool may be gone at interpreter exit
            release(self._buffer)


def new_array(shape: tuple[int, ...], dtype: np.dtype) -> Array:
    """An uninitialised C-contiguous array, like `np.empty`; large ones from the pool."""
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes < tuning.POOL_MIN_BYTES or _limit < nbytes:
        return np.empty(shape, dtype)
    buffer = _reuse(nbytes)
    if buffer is None:
        buffer = np.empty(nbytes, np.uint8)
    return np.asarray(_Lease(buffer, shape, dtype))


def pooled_bytes() -> int:
    """Bytes of dead outputs the pool holds now."""
    with _idle_lock:
        return sum(b.nbytes for b in _idle)


def pool_limit() -> int:
    return _limit


def set_pool_limit(nbytes: int) -> None:
    """Keep at most `nbytes` of dead outputs (0: none, every output is a fresh array)."""
    global _limit
    if isinstance(nbytes, bool) or not isinstance(nbytes, int) or nbytes < 0:
        raise ValueError(
            f"The buffer pool limit must be a non-negative int of bytes. Received: {nbytes!r}"
        )
    _limit = nbytes
    _trim(nbytes)


# --------------------------------------------------------------------------- scratch

_local = threading.local()  # `cache`, and the `generation` it belongs to
_generation = 0  # bumped by `release_buffers`: older caches are dropped when next used


def scratch(key: tuple[object, ...], shape: tuple[int, ...], dtype: np.dtype) -> Array:
    """A per-thread reusable buffer; windows (keys starting "window") keep their zero borders.

    A caller must be done with a buffer before asking for the same key again.
    """
    cache: OrderedDict[tuple[object, ...], Array] | None = getattr(_local, "cache", None)
    if cache is None or _local.generation != _generation:
        cache = _local.cache = OrderedDict()
        _local.generation = _generation
    full_key = (*key, np.dtype(dtype).str)
    size = math.prod(shape)
    buffer = cache.get(full_key)
    if key[0] == "window":
        if buffer is None:
            buffer = np.zeros(shape, dtype)
    elif buffer is None or buffer.size < size:
        buffer = np.empty(size, dtype)
    cache[full_key] = buffer
    cache.move_to_end(full_key)
    while len(cache) > tuning.SCRATCH_ENTRIES:
        cache.popitem(last=False)
    return buffer[:size].reshape(shape) if key[0] != "window" else buffer


def scratch_bytes() -> int:
    """Bytes of scratch buffers the calling thread holds."""
    cache = getattr(_local, "cache", None)
    if cache is None or _local.generation != _generation:
        return 0
    return sum(buffer.nbytes for buffer in cache.values())


# What owns a buffer that a planned step reuses (`upsample.models.plan`): it has a
# `release_buffer()` method, and allocates the buffer again when next needed.
_step_buffer_owners: weakref.WeakSet[Any] = weakref.WeakSet()


def own_step_buffer(owner: Any) -> None:
    """Note that `owner` keeps a buffer between steps, for `release_buffers` to drop."""
    _step_buffer_owners.add(owner)


def release_buffers() -> None:
    """Drop the pooled outputs, the planned steps' buffers and every thread's scratch buffers.

    The calling thread's scratch and the worker threads (stopped, restarted on
    demand) are freed at once; another thread's scratch when it next runs a
    kernel or ends.  Arrays already returned are not affected.
    """
    global _generation
    with _idle_lock:
        _idle.clear()
    _generation += 1
    _local.__dict__.pop("cache", None)
    for owner in list(_step_buffer_owners):
        owner.release_buffer()
    _step_buffer_owners.clear()
    threads.stop_workers()
