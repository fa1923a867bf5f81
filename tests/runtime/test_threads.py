"""Worker threads and BLAS thread counts."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from upsample.runtime.threads import (
    cpu_count,
    map_chunks,
    num_threads,
    set_num_threads,
    single_threaded_blas,
    workers_running,
)


def _blas_threads() -> list[int]:
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


def test_blas_is_single_threaded_inside_and_restored_after() -> None:
    before = _blas_threads()
    with single_threaded_blas():
        assert _blas_threads() == [1] * len(before)
        with single_threaded_blas():  # nested: still one thread
            assert _blas_threads() == [1] * len(before)
        assert _blas_threads() == [1] * len(before)
    assert _blas_threads() == before


def test_blas_scope_as_a_decorator_restores_after_an_error() -> None:
    before = _blas_threads()

    @single_threaded_blas()
    def fails() -> None:
        assert _blas_threads() == [1] * len(before)
        raise RuntimeError("inside")

    with pytest.raises(RuntimeError, match="inside"):
        fails()
    assert _blas_threads() == before


def test_map_chunks_keeps_the_order_and_uses_the_worker_threads(
    threads: Callable[[int], None],
) -> None:
    threads(3)
    names: list[str] = []

    def square(n: int) -> int:
        names.append(threading.current_thread().name)
        return n * n

    assert map_chunks(square, range(10)) == [n * n for n in range(10)]
    assert {name.split("_")[0] for name in names} == {"upsample"}
    assert workers_running()
    assert map_chunks(square, range(4), parallel=False) == [0, 1, 4, 9]
    assert names[-1] == threading.current_thread().name


def test_the_pool_starts_on_first_use_and_follows_the_thread_count(
    threads: Callable[[int | None], None],
) -> None:
    threads(2)
    assert not workers_running()
    assert num_threads() == 2
    map_chunks(np.sqrt, [1.0, 4.0])
    assert workers_running()
    threads(None)
    assert not workers_running()
    assert num_threads() == cpu_count()


@pytest.mark.parametrize("count", [0, -2, 1.0, True, "2"])
def test_a_bad_thread_count_names_the_value(count: object) -> None:
    with pytest.raises(ValueError, match=f"Received: count={count!r}"):
        set_num_threads(count)  # type: ignore[arg-type]
