"""`--engine keras` on `train` and `compare`: what it records, where it refuses, and a run that
changes engine when it resumes ending where a run on one engine ends.

Keras runs in a subprocess (``python -m upsample``) with two JAX host devices, so that
this test process never imports Keras or JAX; the NumPy runs happen here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cli.helpers import Run
from upsample.cli import engines
from upsample.interop import keras_import
from upsample.models import load_model

TWO_DEVICES = "--xla_force_host_platform_device_count=2"
# 40 images: 32 to train on in four batches of 8 (each splits over two devices), 8 to validate.
RUN = ["--limit", "40", "--batch-size", "8", "--validation-split", "0.2", "--seed", "3"]


def _json(path: Path) -> Any:
    return json.loads(path.read_text())


def _upsample_with_keras(*argv: str) -> subprocess.CompletedProcess[str]:
    """``python -m upsample ARGV`` with Keras's default backend (JAX) on two host devices."""
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    env["XLA_FLAGS"] = TWO_DEVICES
    return subprocess.run(
        [sys.executable, "-m", "upsample", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


@pytest.mark.slow
def test_a_run_resumed_on_keras_ends_where_a_numpy_run_ends(
    run: Run, tmp_path: Path, small_npz: Path
) -> None:
    data = ["--data", str(small_npz), *RUN]
    assert run("train", "ae-upsampling", *data, "--epochs", "2", "-o", "numpy", "-q")[0] == 0
    assert run("train", "ae-upsampling", *data, "--epochs", "1", "-o", "mixed", "-q")[0] == 0

    resumed = _upsample_with_keras(
        "train", "ae-upsampling", "--epochs", "2", "-o", "mixed", "--resume", "--engine", "keras"
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "Resuming with --engine keras (the run had --engine numpy)" in resumed.stderr
    assert "with Keras" in resumed.stdout and "(jax) on 2 cpu devices" in resumed.stdout

    alone, mixed = _json(tmp_path / "numpy/history.json"), _json(tmp_path / "mixed/history.json")
    assert mixed["loss"][0] == alone["loss"][0]  # the first epoch ran on NumPy in both
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(mixed[key], alone[key], rtol=2e-6)
    ours = load_model(tmp_path / "numpy/model.keras").get_weights()
    theirs = load_model(tmp_path / "mixed/model.keras").get_weights()
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)

    for record in ("config.json", "result.json"):
        engine = _json(tmp_path / "mixed" / record)["engine"]
        assert (engine["engine"], engine["backend"], engine["distribution"]) == (
            "keras",
            "jax",
            "DataParallel",
        )
        assert engine["devices"]["count"] == 2 and engine["devices"]["kinds"] == {"cpu": 2}
    assert _json(tmp_path / "numpy/result.json")["engine"] == engines.NUMPY_RECORD


@pytest.mark.slow
def test_compare_on_keras_names_the_engine_in_its_report(tmp_path: Path, small_npz: Path) -> None:
    done = _upsample_with_keras(
        "compare", "--models", "nearest+conv", "--data", str(small_npz), "--limit", "64",
        "--steps", "4", "--batch-size", "16", "--engine", "keras", "-o", "report", "-q",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = _json(tmp_path / "report/results.json")
    assert results["engine"]["engine"] == "keras"
    assert results["engine"]["devices"]["count"] == 2
    [model] = results["models"]
    # The loss curve was measured on Keras's weights: it moved from the initial point.
    assert model["curve"][0]["step"] == 0 and model["curve"][-1]["step"] == 4
    assert model["curve"][-1]["test_loss"] != model["curve"][0]["test_loss"]
    assert "Keras 3." in (tmp_path / "report/report.md").read_text()


def test_missing_keras_is_refused_before_any_work(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, "keras", raising=False)
    monkeypatch.setattr(keras_import.importlib.util, "find_spec", lambda name: None)
    code, _, err = run("train", "ae-upsampling", "--data", "sample", "--engine", "keras", "-o", "r")
    assert code == 2
    assert "--engine keras" in err and 'pip install "upsample[keras]"' in err
    assert not (tmp_path / "r" / "config.json").exists()


def test_batches_that_do_not_split_over_the_devices_are_refused_before_any_work(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def two_devices(*, samples: int, batch_size: int, validation_samples: int) -> Any:
        raise ValueError(f"batch_size={batch_size} does not split over the 2 devices")

    monkeypatch.setattr(engines.keras_engine, "check_keras_fit", two_devices)
    code, _, err = run(
        "train", "ae-upsampling", "--data", "sample", "--batch-size", "25", "--engine", "keras",
        "-o", "r",
    )  # fmt: skip
    assert code == 2
    assert "--engine keras: batch_size=25 does not split" in err
    assert not (tmp_path / "r" / "model.keras").exists()


def test_an_unknown_engine_is_refused(run: Run) -> None:
    code, _, err = run("train", "ae-upsampling", "--engine", "torch")
    assert code == 2
    assert "--engine" in err and "'torch'" in err


def test_gans_train_on_the_numpy_engine_only(run: Run, tmp_path: Path) -> None:
    code, _, err = run("train", "generator-upsampling-28", "--engine", "keras", "-o", "g")
    assert code == 2 and "--engine keras does not apply to generator-upsampling-28" in err
    code, _, err = run("compare", "--task", "generator", "--engine", "keras", "-o", "c")
    assert code == 2 and "--engine does not apply to --task generator" in err
    assert not (tmp_path / "g").exists() and not (tmp_path / "c").exists()
