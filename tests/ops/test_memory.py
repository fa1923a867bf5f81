"""Kernel output memory: the pool of large buffers, and glibc's malloc settings."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import numpy as np
import pytest

from upsample.ops import _memory as memory
from upsample.ops.conv import conv
from upsample.ops.resample import upsample


def test_large_outputs_reuse_the_memory_of_dead_outputs_only(
    monkeypatch: pytest.MonkeyPatch, rng: np.random.Generator
) -> None:
    """A pooled buffer is reused once no view of the output that held it is alive."""
    monkeypatch.setattr(memory, "POOL_MIN_BYTES", 1024)
    monkeypatch.setattr(memory, "_idle", [])
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


def test_idle_pooled_memory_is_capped(
    monkeypatch: pytest.MonkeyPatch, rng: np.random.Generator
) -> None:
    monkeypatch.setattr(memory, "POOL_MIN_BYTES", 1024)
    monkeypatch.setattr(memory, "POOL_IDLE_BYTES", 40_000)
    monkeypatch.setattr(memory, "_idle", [])
    x = rng.standard_normal((2, 8, 8, 4)).astype(np.float32)
    outputs = [upsample(x, size=2) for _ in range(8)]  # 8 KiB each, all alive
    size = outputs[0].nbytes
    assert memory._idle == []
    del outputs
    assert len(memory._idle) == 40_000 // size


def test_large_convolution_outputs_come_from_the_pool(
    monkeypatch: pytest.MonkeyPatch, rng: np.random.Generator
) -> None:
    monkeypatch.setattr(memory, "POOL_MIN_BYTES", 1024)
    monkeypatch.setattr(memory, "_idle", [])
    x = rng.standard_normal((2, 10, 10, 3)).astype(np.float32)
    kernel = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    first = conv(x, kernel)
    address, expected = first.ctypes.data, first.copy()
    del first
    again = conv(x, kernel)
    assert again.ctypes.data == address
    np.testing.assert_array_equal(again, expected)


def test_malloc_settings_only_for_glibc_and_never_over_the_users() -> None:
    settings = memory.malloc_settings({}, "glibc")
    assert settings == {
        memory._M_MMAP_THRESHOLD: memory.MMAP_THRESHOLD_BYTES,
        memory._M_TRIM_THRESHOLD: memory.TRIM_THRESHOLD_BYTES,
    }
    assert memory.malloc_settings({}, "") == {}  # musl, macOS, Windows
    for name in ("GLIBC_TUNABLES", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_"):
        assert memory.malloc_settings({name: "1"}, "glibc") == {}


def _tuned_in_a_fresh_process(environ: dict[str, str]) -> str:
    code = "from upsample.ops import _memory; print(_memory.MALLOC_TUNED)"
    return subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_importing_the_kernels_applies_the_settings_unless_the_user_has_some() -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_"))}
    glibc = platform.libc_ver()[0] == "glibc"
    assert _tuned_in_a_fresh_process(environ) == str(glibc)
    assert _tuned_in_a_fresh_process({**environ, "MALLOC_TRIM_THRESHOLD_": "131072"}) == "False"
