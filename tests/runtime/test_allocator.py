"""glibc's malloc settings: which apply, and only on request (see also tests/test_importing.py)."""

from __future__ import annotations

from upsample.runtime import allocator, tuning


def test_malloc_settings_only_for_glibc_and_never_over_the_users() -> None:
    settings = allocator.malloc_settings({}, "glibc")
    assert settings == {
        allocator.M_MMAP_THRESHOLD: tuning.MMAP_THRESHOLD_BYTES,
        allocator.M_TRIM_THRESHOLD: tuning.TRIM_THRESHOLD_BYTES,
    }
    assert allocator.malloc_settings({}, "") == {}  # musl, macOS, Windows
    for name in ("GLIBC_TUNABLES", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_"):
        assert allocator.malloc_settings({name: "1"}, "glibc") == {}
