"""Fixtures for the callback tests: a fake model and the progress bar's clock."""

from __future__ import annotations

import pytest

from callbacks.fake_training import FakeClock, FakeModel


@pytest.fixture
def model() -> FakeModel:
    return FakeModel()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    return FakeClock(monkeypatch)
