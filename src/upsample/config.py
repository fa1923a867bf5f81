"""Global defaults, as `keras.config` (float type, dtype policy, fuzz factor, image data
format), the memory limit, and the controls of the runtime: threads, reusable buffers and
the allocator.

Importing `upsample` changes nothing in the process.  The kernels keep some
state between calls to run fast, all of it in `upsample.runtime` and all of it
under the control of the functions below: the worker threads (started by the
first large kernel call), buffers of dead outputs and per-thread scratch
(`release_buffers` gives them back), and glibc's malloc settings, which only
`tune_allocator` applies (the `upsample` command and the benchmarks do; a
library user may).  BLAS is held to one thread only while a kernel or a
training step runs, and restored after.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upsample import runtime
from upsample.ops.shapes import DataFormat, normalize_data_format
from upsample.runtime import memory

if TYPE_CHECKING:
    from upsample.dtype_policies import DTypePolicy

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT: DataFormat = "channels_last"


def floatx() -> str:
    """The default float type of weights and layer computations ("float32")."""
    return _FLOATX


def set_floatx(value: str) -> None:
    global _FLOATX
    if value not in ("float16", "float32", "float64"):
        raise ValueError(
            f"Unknown `floatx` value: {value!r}. Expected one of 'float16', 'float32', 'float64'."
        )
    _FLOATX = value


def dtype_policy() -> DTypePolicy:
    """The policy of layers created without ``dtype=`` (by default: `floatx`)."""
    from upsample import dtype_policies  # which imports this module

    return dtype_policies.dtype_policy()


def set_dtype_policy(policy: Any) -> None:
    """Set the global dtype policy: "float16", "float32" or "float64" (None: `floatx`).

    Mixed-precision policies ("mixed_float16", "mixed_bfloat16") and "bfloat16"
    are refused with an error naming the policy (see `upsample.dtype_policies`).
    """
    from upsample import dtype_policies

    dtype_policies.set_dtype_policy(policy)


def epsilon() -> float:
    """The fuzz factor used by losses (Keras's 1e-7), e.g. to clip probabilities."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> DataFormat:
    """ "channels_last" unless changed with `set_image_data_format`."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format: str) -> None:
    global _IMAGE_DATA_FORMAT
    _IMAGE_DATA_FORMAT = normalize_data_format(data_format)


def standardize_data_format(data_format: str | None) -> DataFormat:
    """`None` means the configured default, as in Keras layers."""
    return _IMAGE_DATA_FORMAT if data_format is None else normalize_data_format(data_format)


# --------------------------------------------------------------------------- memory

# What upsample raises, before allocating, for work larger than the memory limit.
MemoryLimitError = memory.MemoryLimitError


def memory_limit() -> int | None:
    """The most bytes upsample lets one array, or one batch's layer outputs, take.

    By default this machine's physical memory (``os.sysconf``); sizes above it cannot
    fit, so a layer, a `.keras` file or a batch size that asks for more is refused with
    a `MemoryLimitError` naming the layer, its arguments and the size, before anything
    is allocated (see `upsample.runtime.memory`).  None: the system does not say.
    """
    return memory.memory_limit()


def set_memory_limit(nbytes: int | None) -> None:
    """Refuse work above `nbytes` (e.g. to leave room for other programs); None restores
    the default, the physical memory."""
    memory.set_memory_limit(nbytes)


# --------------------------------------------------------------------------- the runtime


def num_threads() -> int:
    """How many threads the kernels use (by default, every core this process may run on)."""
    return runtime.num_threads()


def set_num_threads(count: int | None) -> None:
    """Let the kernels use `count` threads; None restores the default (every usable core).

    Running worker threads are stopped; new ones start with the next large kernel call.
    """
    runtime.set_num_threads(count)


def release_buffers() -> None:
    """Give back the memory the kernels keep between calls: dead outputs held for reuse,
    the buffers planned training steps reuse, and per-thread scratch buffers (the worker
    threads are stopped, restarted on demand).  Call it between steps, not during one."""
    runtime.release_buffers()


def buffer_pool_limit() -> int:
    """The most bytes of dead outputs kept for reuse by large outputs (default 256 MiB)."""
    return runtime.pool_limit()


def set_buffer_pool_limit(nbytes: int) -> None:
    """Keep at most `nbytes` of dead outputs for reuse; 0 turns the pool off."""
    runtime.set_pool_limit(nbytes)


def tune_allocator() -> bool:
    """Opt in to glibc malloc settings that keep freed memory mapped (faster training).

    They apply to the whole process and last until it ends, so they are never
    applied on import.  Nothing is done under another C library or when the
    environment already sets malloc tunables.  Returns whether the settings are
    in force.
    """
    return runtime.tune_allocator()


def planned_steps() -> bool:
    """Whether training and inference run planned steps (the default; see `Model.plan`)."""
    return runtime.planned_steps()


def set_planned_steps(enabled: bool) -> None:
    """Run planned steps (True, the default) or every layer's own forward and backward (False).

    Both compute the same numbers, bit for bit; the unplanned path is the reference
    the tests compare plans with.
    """
    runtime.set_planned_steps(enabled)


def runtime_state() -> runtime.RuntimeState:
    """Threads, pooled and scratch bytes, the pool limit, whether malloc is tuned and
    whether steps are planned."""
    return runtime.state()
