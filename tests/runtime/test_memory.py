"""`runtime.memory`: the memory limit, byte counts and the error for work above the limit."""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np
import pytest

from upsample import config
from upsample.runtime import memory


@pytest.fixture
def default_limit_after() -> Iterator[None]:
    yield
    config.set_memory_limit(None)


def test_the_default_limit_is_the_physical_memory(default_limit_after: None) -> None:
    physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    assert memory.physical_memory() == physical == config.memory_limit()
    assert "this machine's physical memory" in memory.limit_description()


def test_a_limit_can_be_set_and_restored(default_limit_after: None) -> None:
    config.set_memory_limit(1 << 30)
    assert config.memory_limit() == 1 << 30
    assert memory.limit_description() == "the memory limit (1 GiB, set by config.set_memory_limit)"
    config.set_memory_limit(None)
    assert config.memory_limit() == memory.physical_memory()


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "1 GiB"])
def test_a_limit_must_be_a_positive_int(bad: object) -> None:
    with pytest.raises(ValueError, match=rf"Received: {bad!r}"):
        config.set_memory_limit(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("nbytes", "text"),
    [(0, "0 B"), (1023, "1023 B"), (1024, "1 KiB"), (1536, "1.5 KiB"), (3 << 30, "3 GiB")],
)
def test_format_bytes(nbytes: int, text: str) -> None:
    assert memory.format_bytes(nbytes) == text


def test_the_issue_s_allocation_in_binary_units() -> None:
    # NumPy's "Unable to allocate 28.5 TiB for an array with shape (31360000000000,) uint8".
    assert memory.format_bytes(memory.array_bytes((31_360_000_000_000,), np.uint8)) == "28.5 TiB"


def test_array_bytes_do_not_overflow_and_know_what_they_do_not_know() -> None:
    assert memory.array_bytes((10**12, 10**12), np.float32) == 4 * 10**24
    assert memory.array_bytes((None, 28, 28, 1), np.float32) is None


def test_check_raises_a_memory_error_naming_what_and_how_much(default_limit_after: None) -> None:
    config.set_memory_limit(1000)
    memory.check(1000, "a thing")
    memory.check(None, "an unknown size")
    with pytest.raises(config.MemoryLimitError) as raised:
        memory.check(1001, "Layer 'x' (X, size=(2, 2)): its output")
    assert isinstance(raised.value, MemoryError)
    assert str(raised.value) == (
        "Layer 'x' (X, size=(2, 2)): its output would need 1001 B, more than the memory limit "
        "(1000 B, set by config.set_memory_limit)."
    )
