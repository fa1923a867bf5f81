"""Dataset tests never download: empty caches, and a network that records what was asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from upsample.datasets import _files


@pytest.fixture(autouse=True)
def requested(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """The URLs the loaders tried (every one fails, as offline); caches start empty."""
    urls: list[str] = []

    def network_down(url: str, timeout: float) -> object:
        urls.append(url)
        raise OSError("network disabled in tests")

    monkeypatch.setenv("UPSAMPLE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.setattr(_files, "open_url", network_down)
    monkeypatch.chdir(tmp_path)
    return urls
