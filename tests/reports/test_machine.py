"""What a report says about the machine; reading it changes nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import upsample
from upsample.reports import machine


def test_the_details_a_report_gives() -> None:
    info = machine.machine()
    assert list(info) == ["CPU", "Threads", "OS", "Python", "NumPy", "upsample", "Date"]
    assert info["CPU"] and info["upsample"].startswith(upsample.__version__)
    assert f"{machine.usable_cores()} usable cores ({os.cpu_count()} logical)" in info["Threads"]
    assert "(" in info["NumPy"]  # the BLAS NumPy uses, in brackets


def test_thread_caps_from_the_environment_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert machine.threads().endswith("; OPENBLAS_NUM_THREADS=1")


def test_an_installed_copy_has_no_commit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A package outside a src/ checkout must not report the commit of a repository around it."""
    installed = tmp_path / "lib" / "python3" / "site-packages" / "upsample" / "__init__.py"
    monkeypatch.setattr(upsample, "__file__", str(installed))
    assert machine.git_commit() is None
