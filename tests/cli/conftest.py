"""CLI tests run offline, in a temporary working folder, on a few hundred MNIST images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cli.helpers import Run
from upsample.cli import gan_training
from upsample.cli.main import main
from upsample.datasets import _files, mnist
from upsample.quality import ClassifierSettings


def _network_down(url: str, timeout: float) -> object:
    raise OSError("network disabled in tests")


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No network, empty dataset caches, and the current folder is `tmp_path`."""
    monkeypatch.setenv("UPSAMPLE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.setattr(_files, "open_url", _network_down)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """``run("train", ...)`` -> (exit code, stdout, stderr), argparse's exits included."""

    def invoke(*argv: str) -> tuple[int, str, str]:
        try:
            code = main(list(argv))
        except SystemExit as stop:
            code = int(stop.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


@pytest.fixture
def small_npz(tmp_path: Path) -> Path:
    """An .npz file with Keras's mnist.npz arrays: 300 training and 20 test images."""
    with np.load(mnist.SAMPLE_PATH) as sample:
        arrays = {
            "x_train": sample["x_train"][:300],
            "y_train": sample["y_train"][:300],
            "x_test": sample["x_test"][:20],
            "y_test": sample["y_test"][:20],
        }
    path = tmp_path / "small-mnist.npz"
    np.savez(path, **arrays)  # type: ignore[arg-type]
    return path


@pytest.fixture
def small_gan_scores(monkeypatch: pytest.MonkeyPatch) -> None:
    """GAN runs score 64 samples with a one-epoch, few-filter classifier: seconds, not minutes."""
    monkeypatch.setattr(gan_training, "SCORED_SAMPLES", 64)
    monkeypatch.setattr(
        gan_training,
        "CLASSIFIER",
        ClassifierSettings(epochs=1, batch_size=32, filters=(4, 8), features=16),
    )
