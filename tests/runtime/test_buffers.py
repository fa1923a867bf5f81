"""Reusable memory: the pool of dead outputs, per-thread scratch, and releasing both."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import pytest

from upsample.ops import conv, upsample
from upsample.runtime import buffers, tuning


@pytest.fixture
def small_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Outputs from 1 KiB up come from an empty pool (instead of 32 MiB up)."""
    monkeypatch.setattr(tuning, "POOL_MIN_BYTES", 1024)
    buffers.release_buffers()
    yield
    buffers.release_buffers()
    buffers.set_pool_limit(tuning.POOL_LIMIT_BYTES)


def test_large_outputs_reuse_the_memory_of_dead_outputs_only(
    small_pool: None, rng: np.random.Generator
) -> None:
    """A pooled buffer is reused once no view of the output that held it is alive."""
    x = rng.standard_normal((2, 8, 8, 4)).astype(np.float32)  # output: 8 KiB
    first = upsample(x, size=2, interpolation="bilinear")
    assert type(first) is np.ndarray and first.flags.c_contiguous and first.flags.writeable
    address, expected = first.ctypes.data, first.copy()
    view = first[1, ::3]
    del first
    second = upsample(x, size=2, interpolation="bilinear")
    assert second.ctypes.data != address  # `view` still holds the first buffer
    np.testing.assert_array_equal(view, expected[1, ::3])
    del view
    third = upsample(x, size=2, interpolation="bilinear")
    assert third.ctypes.data == address
    np.testing.assert_array_equal(third, expected)
    np.testing.assert_array_equal(second, expected)


def test_large_convolution_outputs_come_from_the_pool(
    small_pool: None, rng: np.random.Generator
) -> None:
    x = rng.standard_normal((2, 10, 10, 3)).astype(np.float32)
    kernel = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    first = conv(x, kernel)
    address, expected = first.ctypes.data, first.copy()
    del first
    again = conv(x, kernel)
    assert again.ctypes.data == address
    np.testing.assert_array_equal(again, expected)


def test_the_pool_keeps_at_most_its_limit(small_pool: None, rng: np.random.Generator) -> None:
    buffers.set_pool_limit(40_000)
    x = rng.standard_normal((2, 8, 8, 4)).astype(np.float32)
    outputs = [upsample(x, size=2) for _ in range(8)]  # 8 KiB each, all alive
    size = outputs[0].nbytes
    assert buffers.pooled_bytes() == 0
    del outputs
    assert buffers.pooled_bytes() == 40_000 // size * size
    buffers.set_pool_limit(size)  # lowering the limit drops the oldest at once
    assert buffers.pooled_bytes() == size


def test_a_zero_limit_turns_the_pool_off(small_pool: None, rng: np.random.Generator) -> None:
    buffers.set_pool_limit(0)
    x = rng.standard_normal((2, 8, 8, 4)).astype(np.float32)
    out = upsample(x, size=2)
    np.testing.assert_array_equal(out, np.repeat(np.repeat(x, 2, 1), 2, 2))
    del out
    assert buffers.pooled_bytes() == 0  # nothing kept


def test_release_buffers_empties_the_pool_and_the_scratch(
    small_pool: None, rng: np.random.Generator
) -> None:
    x = rng.standard_normal((2, 8, 8, 4)).astype(np.float32)
    kernel = rng.standard_normal((3, 3, 4, 4)).astype(np.float32)
    upsample(x, size=2, interpolation="bicubic")  # the results die at once
    conv(x, kernel, padding="same")
    assert buffers.pooled_bytes() > 0 and buffers.scratch_bytes() > 0
    buffers.release_buffers()
    assert buffers.pooled_bytes() == 0 and buffers.scratch_bytes() == 0


@pytest.mark.parametrize("limit", [-1, 1.5, True, "1"])
def test_a_bad_pool_limit_names_the_value(limit: object) -> None:
    with pytest.raises(ValueError, match=f"Received: {limit!r}"):
        buffers.set_pool_limit(limit)  # type: ignore[arg-type]


def test_scratch_buffers_are_per_thread_and_reused() -> None:
    first = buffers.scratch(("test",), (3, 4), np.dtype(np.float32))
    again = buffers.scratch(("test",), (2, 5), np.dtype(np.float32))
    assert again.shape == (2, 5) and again.ctypes.data == first.ctypes.data  # fits: reused
    other: list[np.ndarray] = []
    worker = threading.Thread(
        target=lambda: other.append(buffers.scratch(("test",), (3, 4), np.dtype(np.float32)))
    )
    worker.start()
    worker.join()
    assert other[0].ctypes.data != first.ctypes.data


def test_windows_keep_their_zero_borders() -> None:
    """A "window" buffer is zeroed once; callers write only its interior after that."""
    window = buffers.scratch(("window", "test"), (4, 4), np.dtype(np.float64))
    assert not window.any()
    window[1:3, 1:3] = 7.0
    again = buffers.scratch(("window", "test"), (4, 4), np.dtype(np.float64))
    assert again is window
