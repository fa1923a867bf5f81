"""Everything that is process state: worker threads, BLAS threads, reusable buffers, malloc.

The kernels in `upsample.ops` are pure functions of their arguments; what they
share across calls lives here, and nothing here acts on import:

* `threads`   the worker threads (created on first use) that run a kernel's
              chunks, and BLAS held to one thread while kernels run, restored after;
* `buffers`   the pool of dead outputs reused by large outputs, and per-thread
              scratch buffers, both released by `release_buffers`;
* `allocator` glibc's malloc settings, applied only by `tune_allocator`;
* `tuning`    every threshold, with the measurement behind it.

Users change these through `upsample.config`; the kernels and the training loop
use the functions below.
"""

from __future__ import annotations

from dataclasses import dataclass

from upsample.runtime.allocator import allocator_tuned, tune_allocator
from upsample.runtime.buffers import (
    new_array,
    pool_limit,
    pooled_bytes,
    release_buffers,
    scratch,
    scratch_bytes,
    set_pool_limit,
)
from upsample.runtime.threads import (
    cpu_count,
    map_chunks,
    num_threads,
    run_chunks,
    set_num_threads,
    single_threaded_blas,
    workers_running,
)


@dataclass(frozen=True)
class RuntimeState:
    """A snapshot of the runtime (`upsample.config.runtime_state`)."""

    num_threads: int  # threads kernels may use
    workers_running: bool  # whether the worker threads have been started
    pooled_bytes: int  # dead outputs kept for reuse
    pool_limit: int  # the most the pool keeps
    scratch_bytes: int  # scratch buffers of the calling thread
    allocator_tuned: bool  # whether `tune_allocator` applied its malloc settings


def state() -> RuntimeState:
    return RuntimeState(
        num_threads(),
        workers_running(),
        pooled_bytes(),
        pool_limit(),
        scratch_bytes(),
        allocator_tuned(),
    )


__all__ = [
    "RuntimeState",
    "allocator_tuned",
    "cpu_count",
    "map_chunks",
    "new_array",
    "num_threads",
    "pool_limit",
    "pooled_bytes",
    "release_buffers",
    "run_chunks",
    "scratch",
    "scratch_bytes",
    "set_num_threads",
    "set_pool_limit",
    "single_threaded_blas",
    "state",
    "tune_allocator",
    "workers_running",
]
