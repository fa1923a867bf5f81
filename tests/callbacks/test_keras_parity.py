"""The same scripted `fit` through Keras 3's callbacks and ours: identical effects.

Keras runs in a subprocess (NumPy backend, synchronous callback dispatch as on
the TensorFlow backend) on the `fake_training` script; everything observable
is compared: stdout byte for byte (progress bars included, under a fake
clock), `History`, learning rates set, weights restored, files written and
warnings.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from callbacks.fake_training import run_scenario
from upsample import callbacks as upsample_callbacks
from upsample.utils import progbar as upsample_progbar

pytestmark = pytest.mark.parity

TESTS = Path(__file__).resolve().parent.parent
NAN = math.nan


def _logs(key: str, *values: float, **constant: float) -> list[dict[str, float]]:
    return [{**constant, key: value} for value in values]


SCENARIOS: dict[str, dict[str, Any]] = {
    "verbose1": {
        "epochs": [
            {"loss": 0.6931, "mae": 0.5, "val_loss": 0.5, "val_mae": 0.45},
            {"loss": 0.25, "mae": 0.0004, "val_loss": 0.125, "val_mae": 0.3},
        ],
        "steps": 3,
        "verbose": 1,
        "callbacks": [],
    },
    "verbose2": {
        "epochs": [
            {"loss": 0.6931, "mae": 0.5, "val_loss": 0.5},
            {"loss": 0.25, "mae": -0.5, "val_loss": 1e-5},
        ],
        "steps": 12,
        "verbose": 2,
        "callbacks": [],
    },
    "verbose_auto_one_epoch": {
        "epochs": [{"loss": 0.5}],
        "steps": 1,
        "verbose": "auto",
        "callbacks": [],
    },
    "silent": {"epochs": [{"loss": 0.5}, {"loss": 0.4}], "verbose": 0, "callbacks": []},
    "running_batch_averages": {
        "epochs": [{"loss": 0.3}],
        "steps": 3,
        "batch_logs": [[{"loss": 0.5}, {"loss": 0.4}, {"loss": 0.3}]],
        "callbacks": [],
    },
    "early_stopping_restores_best": {
        "epochs": _logs("val_loss", 0.5, 0.4, 0.45, 0.41, 0.3, 0.2, loss=1.0),
        "verbose": 0,
        "callbacks": [
            ["EarlyStopping", {"patience": 2, "verbose": 1, "restore_best_weights": True}]
        ],
    },
    "early_stopping_baseline_never_beaten": {
        "epochs": _logs("val_loss", 0.5, 0.4, 0.45, 0.41, 0.3, loss=1.0),
        "verbose": 0,
        "callbacks": [
            [
                "EarlyStopping",
                {"patience": 2, "baseline": 0.2, "restore_best_weights": True, "verbose": 1},
            ]
        ],
    },
    "early_stopping_min_delta_warm_up": {
        "epochs": _logs("loss", 1.0, 2.0, 0.9, 0.88, 0.87, 0.5),
        "verbose": 0,
        "callbacks": [
            [
                "EarlyStopping",
                {
                    "monitor": "loss",
                    "min_delta": 0.05,
                    "start_from_epoch": 1,
                    "patience": 1,
                    "mode": "min",
                    "verbose": 1,
                },
            ]
        ],
    },
    "early_stopping_max": {
        "epochs": _logs("val_acc", 0.5, 0.7, 0.6, 0.65, 0.9, loss=1.0),
        "verbose": 0,
        "callbacks": [["EarlyStopping", {"monitor": "val_acc", "mode": "max", "verbose": 1}]],
    },
    "early_stopping_missing_monitor": {
        "epochs": _logs("loss", 0.5, 0.4),
        "verbose": 0,
        "callbacks": [["EarlyStopping", {"monitor": "val_acc", "mode": "max"}]],
    },
    "reduce_lr_cooldown_min_lr": {
        "epochs": _logs("val_loss", 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, loss=1.0),
        "verbose": 1,
        "steps": 1,
        "callbacks": [
            [
                "ReduceLROnPlateau",
                {"factor": 0.5, "patience": 1, "cooldown": 1, "min_lr": 0.0002, "verbose": 1},
            ]
        ],
    },
    "reduce_lr_learning_rate_in_logs_verbose2": {
        "epochs": _logs("val_loss", 0.5, 0.5, 0.4, loss=1.0),
        "verbose": 2,
        "learning_rate": 0.01,
        "callbacks": [["ReduceLROnPlateau", {"patience": 0, "verbose": 1}]],
    },
    "reduce_lr_missing_monitor": {
        "epochs": _logs("loss", 0.5, 0.4),
        "verbose": 0,
        "callbacks": [["ReduceLROnPlateau", {"monitor": "val_acc", "mode": "max"}]],
    },
    "csv_logger": {
        "epochs": [{"loss": 0.5, "mae": 0.25, "val_loss": 0.75}, {"loss": 1 / 3, "mae": 0.2}],
        "verbose": 0,
        "callbacks": [["CSVLogger", {"filename": "log.csv"}]],
    },
    "csv_logger_no_validation_separator": {
        "epochs": _logs("loss", 0.5, 0.25, mae=1.0),
        "verbose": 0,
        "callbacks": [["CSVLogger", {"filename": "log.tsv", "separator": "\t"}]],
    },
    "checkpoint_every_epoch": {
        "epochs": _logs("val_loss", 0.5, 0.25, 0.75, loss=1.0),
        "verbose": 0,
        "callbacks": [
            ["ModelCheckpoint", {"filepath": "ckpt-{epoch:02d}-{val_loss:.2f}.keras", "verbose": 1}]
        ],
    },
    "checkpoint_best_only_threshold": {
        "epochs": _logs("val_loss", 0.5, 0.4, 0.45, 0.3, loss=1.0),
        "verbose": 0,
        "callbacks": [
            [
                "ModelCheckpoint",
                {
                    "filepath": "best.keras",
                    "save_best_only": True,
                    "initial_value_threshold": 0.45,
                    "verbose": 1,
                },
            ]
        ],
    },
    "checkpoint_weights_every_two_batches": {
        "epochs": _logs("loss", 0.5, 0.4),
        "steps": 3,
        "verbose": 0,
        "callbacks": [
            [
                "ModelCheckpoint",
                {
                    "filepath": "w-{epoch}-{batch}.weights.h5",
                    "save_weights_only": True,
                    "save_freq": 2,
                    "verbose": 1,
                },
            ]
        ],
    },
    "checkpoint_best_missing_monitor": {
        "epochs": _logs("loss", 0.5, 0.4),
        "verbose": 0,
        "callbacks": [["ModelCheckpoint", {"filepath": "m.keras", "save_best_only": True}]],
    },
    "terminate_on_nan": {
        "epochs": _logs("loss", 0.5, 0.4, 0.3),
        "steps": 3,
        "batch_logs": [
            [{"loss": 0.5}] * 3,
            [{"loss": 0.4}, {"loss": NAN}, {"loss": 0.4}],
            [{"loss": 0.3}] * 3,
        ],
        "callbacks": [["TerminateOnNaN", {}]],
    },
    "everything_verbose2": {
        "epochs": _logs("val_loss", 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, loss=0.5),
        "verbose": 2,
        "callbacks": [
            ["ReduceLROnPlateau", {"patience": 1, "verbose": 1}],
            ["EarlyStopping", {"patience": 3, "verbose": 1}],
            ["CSVLogger", {"filename": "log.csv", "append": True}],
            [
                "ModelCheckpoint",
                {"filepath": "e{epoch}.keras", "save_best_only": True, "verbose": 1},
            ],
        ],
    },
}

_KERAS_SCRIPT = """
import json, os, sys
os.environ["KERAS_BACKEND"] = "numpy"
sys.path.insert(0, sys.argv[1])
import keras
import keras.src.backend
# Synchronous dispatch (the TensorFlow backend's): output order is deterministic.
keras.src.backend.IS_THREAD_SAFE = False
from keras.src.utils import progbar
from callbacks.fake_training import run_scenario
results = {}
for name, scenario in json.load(sys.stdin).items():
    os.makedirs(name)
    os.chdir(name)
    results[name] = run_scenario(keras.callbacks, progbar, scenario)
    os.chdir("..")
print("RESULTS " + json.dumps(results))
"""


@pytest.fixture(scope="module")
def keras_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    workdir = tmp_path_factory.mktemp("keras")
    env = {**os.environ, "KERAS_BACKEND": "numpy"}
    done = subprocess.run(
        [sys.executable, "-c", _KERAS_SCRIPT, str(TESTS)],
        input=json.dumps(SCENARIOS),
        capture_output=True,
        text=True,
        cwd=workdir,
        env=env,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"The Keras reference failed:\n{done.stderr}")
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULTS "))
    results: dict[str, Any] = json.loads(line.removeprefix("RESULTS "))
    return results


def _normalise(result: dict[str, Any]) -> dict[str, Any]:
    # NaN != NaN: compare JSON text, where NaN is spelled the same on both sides.
    return json.loads(json.dumps(result), parse_constant=str)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_callbacks_match_keras(
    name: str,
    keras_results: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    ours = run_scenario(upsample_callbacks, upsample_progbar, SCENARIOS[name])
    theirs = keras_results[name]
    ours, theirs = _normalise(ours), _normalise(theirs)
    # Field by field, for a readable failure.
    for field in theirs:
        assert ours[field] == theirs[field], field
