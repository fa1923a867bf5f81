"""The memory limit: sizes upsample refuses before asking NumPy for them.

Sizes a user types (an `UpSampling2D` size, `filters`, `units`, a batch size, the
same values in a `.keras` file) can ask for more memory than any machine has; NumPy
would then fail deep in a kernel with "Unable to allocate 28.5 TiB for an array with
shape (31360000000000,)", naming nothing the user wrote.  So before allocating,
upsample estimates the bytes of

* each weight a layer creates (at build, from its shape),
* a layer's output when it is called on arrays (from `compute_output_shape`),
* every layer's output for one batch of `fit`, `evaluate` and `predict` (all of
  them are alive at once during a training step),

and refuses what *cannot fit*: more bytes than the memory limit, which is this
machine's physical memory (``os.sysconf``) unless `upsample.config.set_memory_limit`
sets another.  The estimates are lower bounds (training also keeps gradients and
caches), so what passes may still run short of memory; what is refused never fits.
The error, a `MemoryLimitError` (a `MemoryError`), names the layer, the arguments
that set the size and the size.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable

import numpy as np
from numpy.typing import DTypeLike


class MemoryLimitError(MemoryError):
    """What upsample was about to allocate is larger than the memory limit.

    `batch_size`: when a batch is too large, the most samples per batch that fit
    (0: not even one); None otherwise.
    """

    def __init__(self, message: str, batch_size: int | None = None) -> None:
        super().__init__(message)
        self.batch_size = batch_size


_limit: int | None = None  # None: the physical memory


def physical_memory() -> int | None:
    """This machine's physical memory in bytes, or None where the system does not say."""
    try:
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None
    return pages * page_size if pages > 0 and page_size > 0 else None


def memory_limit() -> int | None:
    """The most bytes one array, or one batch's activations, may take (None: no limit)."""
    return _limit if _limit is not None else physical_memory()


def set_memory_limit(nbytes: int | None) -> None:
    """Refuse work above `nbytes`; None restores the default (the physical memory)."""
    global _limit
    if nbytes is not None and (
        isinstance(nbytes, bool) or not isinstance(nbytes, int | np.integer) or nbytes <= 0
    ):
        raise ValueError(
            f"The memory limit must be a positive number of bytes or None. Received: {nbytes!r}"
        )
    _limit = None if nbytes is None else int(nbytes)


def format_bytes(nbytes: float) -> str:
    """``28.5 TiB``: bytes in binary units, three significant digits."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(nbytes) < 1024 or unit == "PiB":
            return f"{nbytes:.0f} {unit}" if unit == "B" else f"{nbytes:.3g} {unit}"
        nbytes /= 1024
    raise AssertionError("unreachable")


def array_bytes(shape: Iterable[int | None], dtype: DTypeLike) -> int | None:
    """Bytes of an array of `shape` (in Python ints: no overflow) and `dtype`; None when a
    length is unknown."""
    lengths = list(shape)
    if any(n is None for n in lengths):
        return None
    return math.prod(int(n) for n in lengths if n is not None) * np.dtype(dtype).itemsize


def limit_description() -> str:
    limit = memory_limit()
    source = (
        "this machine's physical memory" if _limit is None else "set by config.set_memory_limit"
    )
    return f"the memory limit ({format_bytes(limit or 0)}, {source})"


def exceeds_limit(nbytes: int | None) -> bool:
    """Whether `nbytes` (None: unknown) are known to exceed the limit."""
    limit = memory_limit()
    return limit is not None and nbytes is not None and nbytes > limit


def check(nbytes: int | None, what: str) -> None:
    """Raise a `MemoryLimitError` if `nbytes` exceed the limit; `what` says what needs them."""
    if exceeds_limit(nbytes):
        assert nbytes is not None
        raise MemoryLimitError(
            f"{what} would need {format_bytes(nbytes)}, more than {limit_description()}."
        )
