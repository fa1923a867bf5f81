"""`upsample.config`: Keras's global defaults and the runtime's public controls."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from collections.abc import Iterator

import numpy as np
import pytest

from upsample import config
from upsample.ops import upsample
from upsample.runtime import tuning


@pytest.fixture
def defaults_after() -> Iterator[None]:
    yield
    config.set_num_threads(None)
    config.set_buffer_pool_limit(tuning.POOL_LIMIT_BYTES)
    config.release_buffers()


def test_thread_count(defaults_after: None) -> None:
    default = config.num_threads()
    assert default == len(os.sched_getaffinity(0))
    config.set_num_threads(3)
    assert config.num_threads() == 3 == config.runtime_state().num_threads
    config.set_num_threads(None)
    assert config.num_threads() == default
    with pytest.raises(ValueError, match=r"Received: count=0"):
        config.set_num_threads(0)


def test_buffer_pool_limit_and_release(
    defaults_after: None, monkeypatch: pytest.MonkeyPatch, rng: np.random.Generator
) -> None:
    assert config.buffer_pool_limit() == 256 << 20
    monkeypatch.setattr(tuning, "POOL_MIN_BYTES", 1024)
    config.release_buffers()
    x = rng.standard_normal((2, 8, 8, 4)).astype(np.float32)
    upsample(x, size=2, interpolation="bicubic")  # the result dies at once
    state = config.runtime_state()
    assert state.pooled_bytes == 2 * 16 * 16 * 4 * 4 and state.scratch_bytes > 0
    config.release_buffers()
    state = config.runtime_state()
    assert (state.pooled_bytes, state.scratch_bytes, state.workers_running) == (0, 0, False)
    config.set_buffer_pool_limit(0)
    assert config.buffer_pool_limit() == 0 == config.runtime_state().pool_limit
    upsample(x, size=2)
    assert config.runtime_state().pooled_bytes == 0
    with pytest.raises(ValueError, match=r"Received: -1"):
        config.set_buffer_pool_limit(-1)


def test_tune_allocator_is_an_opt_in() -> None:
    """In a fresh process: not tuned after import, tuned after the call (glibc), unless the
    environment sets malloc tunables of its own."""
    code = (
        "from upsample import config; before = config.runtime_state().allocator_tuned; "
        "print(before, config.tune_allocator(), config.runtime_state().allocator_tuned)"
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_"))}

    def run(environ: dict[str, str]) -> str:
        return subprocess.run(
            [sys.executable, "-c", code], env=environ, capture_output=True, text=True, check=True
        ).stdout.strip()

    glibc = platform.libc_ver()[0] == "glibc"
    assert run(environ) == f"False {glibc} {glibc}"
    assert run({**environ, "MALLOC_TRIM_THRESHOLD_": "131072"}) == "False False False"
