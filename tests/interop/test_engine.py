"""The Keras engine on two JAX devices against one device and against the NumPy engine.

The Keras runs happen in one worker process (support/keras_engine_worker.py)
started with two JAX host devices, then in two processes of one device each
(a multi-host run on one machine); the NumPy runs happen here.  On a small
slice of the bundled MNIST sample, from the same initial weights, the seed
autoencoders (ae-upsampling, ae-transpose) train for two epochs of four steps:

- data-parallel over two devices == one device (Keras), within float32 rounding;
- the NumPy engine == Keras, within float32 rounding (ae-transpose less tightly:
  see TOLERANCE);
- a run started on one engine and resumed on the other (through the
  `.keras` file written by `ModelCheckpoint` at the end of the first epoch)
  ends where a run on either engine alone ends;
- the sub-pixel autoencoder (upsample's own layers, through their Keras
  twins) trains data-parallel in Keras as it does in NumPy;
- two processes (``KERAS_DISTRIBUTION_*`` set, the coordinator on localhost),
  each feeding its half of every batch, == one process with two devices.

The worker runs without ``KERAS_BACKEND``: the engine's default (JAX) is checked too.
Everything is one test, so that the test processes of pytest-xdist do not each
start the worker: the comparisons are made in turn and every failure is reported.
"""

from __future__ import annotations

import json
import os
import pickle
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from upsample import zoo
from upsample.datasets.mnist import SAMPLE_PATH
from upsample.models import EpochShuffle, load_model
from upsample.utils import clear_session, set_random_seed

TESTS = Path(__file__).resolve().parent.parent
MODELS = ["ae-upsampling", "ae-transpose", "ae-sub-pixel"]
SEED = 5
FIT = {"batch_size": 8, "validation_split": 0.2}
IMAGES = 40  # 32 to train on (four batches of 8), 8 to validate on
# Losses of Keras and NumPy agree to float32 rounding after eight steps for ae-upsampling
# (measured: within 2e-7). In ae-transpose a ReLU pre-activation that is exactly 0 in one
# engine's float32 rounding and not in the other's switches a unit's gradient on or off, and
# Adam (epsilon 1e-7) turns near-zero gradient differences into whole steps: its losses agree
# within about 1e-5 relative (measured), and some weights differ by up to a few learning rates.
DEVICES = "--xla_force_host_platform_device_count=2"
TOLERANCE = {"ae-upsampling": 2e-6, "ae-transpose": 1e-4, "ae-sub-pixel": 1e-4}

pytestmark = pytest.mark.slow


def images() -> np.ndarray:
    with np.load(SAMPLE_PATH) as sample:
        return (sample["x_train"][:IMAGES, ..., None] / np.float32(255.0)).astype(np.float32)


def initial_model(name: str) -> Any:
    clear_session()
    set_random_seed(SEED)
    return zoo.get(name).compiled()


def numpy_fit(model: Any, x: np.ndarray, epochs: int, initial_epoch: int = 0) -> dict[str, Any]:
    history = model.fit(
        x,
        x,
        epochs=epochs,
        initial_epoch=initial_epoch,
        shuffle=EpochShuffle(SEED),
        verbose=0,
        **FIT,
    )
    return {
        "weights": model.get_weights(),
        "iterations": int(model.optimizer.iterations.value),
        "history": history.history,
        "predictions": model.predict(x, verbose=0),
    }


def all_runs(folder: Path) -> dict[str, dict[str, Any]]:
    """Every run, by name: ``<model>/<run>``; Keras's in one worker process."""
    x = images()
    np.savez(folder / "x.npz", x=x)
    results: dict[str, dict[str, Any]] = {}
    jobs: list[dict[str, Any]] = []
    for name in MODELS:
        start = folder / f"{name}-start.keras"
        model = initial_model(name)
        model.optimizer.build(model.trainable_weights)
        model.save(start)
        results[f"{name}/numpy"] = numpy_fit(load_model(start), x, epochs=2)
        half = load_model(start)
        numpy_fit(half, x, epochs=1)
        half.save(folder / f"{name}-numpy-epoch1.keras")
        job = {"model": str(start), "initial_epoch": 0, "epochs": 2, "checkpoint": None}
        jobs.append({**job, "name": f"{name}/keras-2-devices", "distribution": "data_parallel"})
        if name == "ae-sub-pixel":
            continue
        jobs[-1]["checkpoint"] = str(folder / f"{name}-keras-epoch{{epoch}}.keras")
        jobs.append({**job, "name": f"{name}/keras-1-device", "distribution": None})
        jobs.append(
            {
                **job,
                "name": f"{name}/numpy-then-keras",
                "model": str(folder / f"{name}-numpy-epoch1.keras"),
                "initial_epoch": 1,
                "distribution": "data_parallel",
            }
        )
    # Every Keras run on two devices of one process, then ae-upsampling on two processes of
    # one device each (a multi-host run on one machine: Keras's coordinator on localhost).
    results.update(keras_worker(folder, "devices", jobs, [{"XLA_FLAGS": DEVICES}]))
    processes = [
        {
            "KERAS_DISTRIBUTION_JOB_ADDRESSES": f"127.0.0.1:{free_port()}",
            "KERAS_DISTRIBUTION_NUM_PROCESSES": "2",
            "KERAS_DISTRIBUTION_PROCESS_ID": str(index),
        }
        for index in range(2)
    ]
    processes[1]["KERAS_DISTRIBUTION_JOB_ADDRESSES"] = processes[0][
        "KERAS_DISTRIBUTION_JOB_ADDRESSES"
    ]
    job = {**jobs[0], "name": "ae-upsampling/keras-2-processes", "checkpoint": None}
    assert job["model"].endswith("ae-upsampling-start.keras")
    results.update(keras_worker(folder, "processes", [job], processes))
    for name in ("ae-upsampling", "ae-transpose"):
        # Keras's checkpoint after its first epoch, trained on by the NumPy engine.
        resumed = load_model(folder / f"{name}-keras-epoch1.keras")
        results[f"{name}/keras-then-numpy"] = numpy_fit(resumed, x, epochs=2, initial_epoch=1)
    return results


def keras_worker(
    folder: Path, label: str, jobs: list[dict[str, Any]], processes: list[dict[str, str]]
) -> dict[str, dict[str, Any]]:
    """Run `jobs` in worker processes started together, one per environment in `processes`.

    Returns the results of process 0, and those of every other process under
    ``<run name>@<process index>``.
    """
    job_file = folder / f"jobs-{label}.json"
    job_file.write_text(
        json.dumps({"data": str(folder / "x.npz"), "seed": SEED, **FIT, "runs": jobs})
    )
    base = {k: v for k, v in os.environ.items() if k not in ("KERAS_BACKEND", "XLA_FLAGS")}
    base.update(
        JAX_PLATFORMS="cpu",
        PYTHONPATH=os.pathsep.join([str(TESTS), base.get("PYTHONPATH", "")]),
    )
    started = []
    for index, extra in enumerate(processes):
        result_file = folder / f"results-{label}-{index}.pickle"
        command = [
            sys.executable,
            "-m",
            "support.keras_engine_worker",
            str(job_file),
            str(result_file),
        ]
        started.append(
            (
                result_file,
                subprocess.Popen(
                    command,
                    env={**base, **extra},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                ),
            )
        )
    results: dict[str, dict[str, Any]] = {}
    for index, (result_file, process) in enumerate(started):
        _, errors = process.communicate(timeout=900)
        assert process.returncode == 0, errors[-4000:]
        with open(result_file, "rb") as handle:
            for name, result in pickle.load(handle).items():
                results[name if index == 0 else f"{name}@{index}"] = result
    return results


def free_port() -> int:
    """A TCP port nobody listens on now (for Keras's coordinator)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def assert_same_run(ours: dict[str, Any], theirs: dict[str, Any], rtol: float, what: str) -> None:
    """The same number of steps, and histories and predictions within `rtol`."""
    assert ours["iterations"] == theirs["iterations"] == 8, what
    epochs = len(ours["history"]["loss"])
    assert set(ours["history"]) == set(theirs["history"]) == {"loss", "val_loss"}, what
    for key, values in ours["history"].items():
        np.testing.assert_allclose(
            values, theirs["history"][key][-epochs:], rtol=rtol, err_msg=f"{what}: {key}"
        )
    np.testing.assert_allclose(
        ours["predictions"], theirs["predictions"], rtol=0, atol=rtol, err_msg=what
    )


def two_devices_equal_one_device(runs: dict[str, dict[str, Any]], name: str) -> None:
    two, one = runs[f"{name}/keras-2-devices"], runs[f"{name}/keras-1-device"]
    assert_same_run(two, one, 2e-6, f"{name}: 2 devices vs 1")
    for i, (a, b) in enumerate(zip(two["weights"], one["weights"], strict=True)):
        scale = max(1.0, float(np.abs(b).max()))
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6 * scale, err_msg=f"{name}: weight {i}")
    assert two["engine_info"]["devices"] == {
        "count": 2,
        "kinds": {"cpu": 2},
        "names": ["cpu:0", "cpu:1"],
    }
    assert one["engine_info"]["devices"]["count"] == 1
    assert two["engine_info"]["distribution"] == "DataParallel"
    assert one["engine_info"]["distribution"] is None


def two_processes_equal_two_devices(runs: dict[str, dict[str, Any]]) -> None:
    devices = runs["ae-upsampling/keras-2-devices"]
    for name in ("ae-upsampling/keras-2-processes", "ae-upsampling/keras-2-processes@1"):
        assert_same_run(runs[name], devices, 2e-6, name)
        info = runs[name]["engine_info"]
        assert info["processes"] == 2 and info["devices"]["count"] == 2, info


def keras_equals_the_numpy_engine(runs: dict[str, dict[str, Any]], name: str) -> None:
    keras_run, numpy_run = runs[f"{name}/keras-2-devices"], runs[f"{name}/numpy"]
    assert_same_run(keras_run, numpy_run, TOLERANCE[name], f"{name}: Keras vs NumPy")
    info = keras_run["engine_info"]
    assert (info["engine"], info["backend"], info["processes"]) == ("keras", "jax", 1)
    assert {"keras", "jax", "jaxlib"} <= set(info["versions"])
    # Training moved the weights far beyond any tolerance: the comparison means something.
    start = initial_model(name).get_weights()
    moved = max(float(np.abs(a - b).max()) for a, b in zip(start, numpy_run["weights"]))
    assert moved > 1e-3


def resumed_on_the_other_engine_ends_where_one_engine_ends(
    runs: dict[str, dict[str, Any]], name: str, resumed: str
) -> None:
    run = runs[f"{name}/{resumed}"]
    for alone in ("numpy", "keras-2-devices"):
        assert_same_run(run, runs[f"{name}/{alone}"], TOLERANCE[name], f"{name}: {resumed}")


def test_the_keras_engine_against_one_device_the_numpy_engine_and_resumption(
    tmp_path: Path,
) -> None:
    runs = all_runs(tmp_path)
    checks = [
        *(
            (f"{name}: 2 devices vs 1", two_devices_equal_one_device, (name,))
            for name in ("ae-upsampling", "ae-transpose")
        ),
        ("ae-upsampling: 2 processes vs 2 devices", two_processes_equal_two_devices, ()),
        *((f"{name}: Keras vs NumPy", keras_equals_the_numpy_engine, (name,)) for name in MODELS),
        *(
            (
                f"{name}: {resumed}",
                resumed_on_the_other_engine_ends_where_one_engine_ends,
                (name, resumed),
            )
            for name in ("ae-upsampling", "ae-transpose")
            for resumed in ("numpy-then-keras", "keras-then-numpy")
        ),
    ]
    failures = []
    for what, check, arguments in checks:
        try:
            check(runs, *arguments)
        except AssertionError as error:
            failures.append(f"{what}: {error}")
    assert not failures, "\n\n".join(failures)
