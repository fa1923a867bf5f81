"""Runs `upsample.interop.engine.fit_with_keras` jobs in a process of its own.

``python -m support.keras_engine_worker JOBS.json RESULTS.pickle``, with
``XLA_FLAGS=--xla_force_host_platform_device_count=2`` (two JAX host devices
on a CPU-only machine), ``KERAS_BACKEND=jax`` and ``JAX_PLATFORMS=cpu`` set by
the caller: JAX reads them once, when it starts, so the test process (whose
JAX, if any, has one device) cannot run these itself.  One process runs every
job, so JAX starts once.

JOBS.json: ``{"data": NPZ path (arrays "x"), "seed", "batch_size",
"validation_split", "runs": [{"name", "model" (a .keras path), "epochs",
"initial_epoch", "distribution", "checkpoint" (a ModelCheckpoint filepath or
null)}]}``.  RESULTS.pickle: per run name, the trained weights, the optimizer's
iteration count, the history, the predictions on the data and the engine info.
"""

from __future__ import annotations

import json
import pickle
import sys
from typing import Any

import numpy as np


def run_jobs(jobs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    from upsample.callbacks import ModelCheckpoint
    from upsample.interop.engine import fit_with_keras
    from upsample.models import load_model

    x = np.load(jobs["data"])["x"]
    results = {}
    for run in jobs["runs"]:
        model = load_model(run["model"])
        callbacks = [ModelCheckpoint(run["checkpoint"])] if run["checkpoint"] else None
        fitted = fit_with_keras(
            model,
            x,
            x,
            epochs=run["epochs"],
            initial_epoch=run["initial_epoch"],
            seed=jobs["seed"],
            batch_size=jobs["batch_size"],
            validation_split=jobs["validation_split"],
            distribution=run["distribution"],
            callbacks=callbacks,
        )
        assert fitted.model is model
        results[run["name"]] = {
            "weights": model.get_weights(),
            "iterations": int(model.optimizer.iterations.value),
            "history": fitted.history,
            "predictions": model.predict(x, verbose=0),
            "engine_info": fitted.engine_info,
        }
    return results


def main(argv: list[str]) -> None:
    jobs_path, results_path = argv
    with open(jobs_path) as handle:
        jobs = json.load(handle)
    results = run_jobs(jobs)
    with open(results_path, "wb") as handle:
        pickle.dump(results, handle)


if __name__ == "__main__":
    main(sys.argv[1:])
