"""Test-suite configuration shared by every test."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from typing import Any

# The reference implementation runs on Keras's JAX backend, on the CPU, in a
# worker process that inherits these; matplotlib never needs a display.
os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("MPLBACKEND", "Agg")

from collections.abc import Callable

import numpy as np
import pytest

from support.reference import USAGE, KerasReference, Usage, required_reference
from upsample import config
from upsample.runtime import tuning


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> np.random.Generator:
    """A generator seeded from the test's name, so that every failure reproduces."""
    seed = int.from_bytes(request.node.nodeid.encode()[-8:].ljust(8, b"\0"), "little")
    return np.random.default_rng(seed)


@pytest.fixture
def threads() -> Iterator[Callable[[int | None], None]]:
    """`upsample.config.set_num_threads` for one test; the default is restored after."""
    yield config.set_num_threads
    config.set_num_threads(None)


@pytest.fixture
def tiny_chunks(
    monkeypatch: pytest.MonkeyPatch, threads: Callable[[int | None], None]
) -> Callable[[], None]:
    """Call to split every kernel's work into chunks of a few hundred bytes (several per
    item, a partial last one) on two worker threads, for the rest of the test."""

    def shrink() -> None:
        for name in (
            "CONV_CHUNK_BYTES",
            "ONE_CHANNEL_CHUNK_BYTES",
            "RESAMPLE_CHUNK_BYTES",
            "LINEAR_X2_CHUNK_BYTES",
            "POOLING_CHUNK_BYTES",
        ):
            monkeypatch.setattr(tuning, name, 1 << 9)
        monkeypatch.setattr(tuning, "PARALLEL_BYTES", 0)
        threads(2)

    return shrink


@pytest.fixture(scope="session")
def keras_reference() -> Iterator[KerasReference]:
    """Real Keras 3 in a worker process (support/reference.py), one for the whole run."""
    yield from required_reference()


_skipped: list[str] = []
_parity_tests: set[str] = set()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)
    if "parity" in report.keywords:
        _parity_tests.add(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A skipped test is not a passing one: fail the run, and fail it when nothing ran."""
    if _skipped and exitstatus == 0:
        session.exitstatus = 1
        print(f"\n{len(_skipped)} test(s) were skipped; this suite allows no skips:")
        for nodeid in _skipped:
            print(f"  {nodeid}")
    if session.testscollected == 0 and exitstatus == 0:
        session.exitstatus = 5
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # a pytest-xdist worker: report to the controller
        workeroutput["reference_usage"] = dataclasses.asdict(USAGE)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """pytest-xdist's controller: add up what each worker's Keras reference did."""
    usage = getattr(node, "workeroutput", {}).get("reference_usage")
    if usage is not None:
        USAGE.add(Usage(**usage))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How much the parity tests asked of Keras, so that a change of the harness can be
    checked to evaluate no fewer cases (and to see where the reference's time goes)."""
    if not _parity_tests and not USAGE.requests:
        return
    terminalreporter.write_line(
        f"parity: {len(_parity_tests)} tests ran; Keras reference: {USAGE.requests} "
        f"evaluations in {USAGE.cpu_seconds:.1f} s of its CPU time, {USAGE.compilations} XLA "
        f"compilations ({USAGE.compile_seconds:.1f} s), {USAGE.restarts} restarts after a crash"
    )
