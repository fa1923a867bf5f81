"""The Keras side of `upsample.interop.engine`: the hand-over, the batches, the callbacks.

Imported by `engine.fit_with_keras` only (it imports Keras).  See the engine's
docstring for the design; here are its parts:

- `fit`: save the upsample model, load it in Keras under the distribution,
  train, bring the weights and optimizer state back;
- `EpochBatches`: a ``keras.utils.PyDataset`` that serves epoch ``e``'s batches
  in `EpochShuffle`'s order (this process's share of each);
- `EpochCounter` tells it which epoch Keras is in; `UpsampleCallbacks` runs
  upsample's callbacks on Keras's hooks.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

import upsample.interop.keras  # noqa: F401 (registers the twins of upsample's own layers)
from upsample.interop.batches import Batches
from upsample.interop.engine import KerasFit
from upsample.interop.keras_import import import_keras
from upsample.models import data as data_utils
from upsample.models.model import Model
from upsample.models.trainer import FitData

keras = import_keras()
PyDataset: Any = keras.utils.PyDataset
KerasCallback: Any = keras.callbacks.Callback

PROCESS_VARIABLES = (
    "KERAS_DISTRIBUTION_JOB_ADDRESSES",
    "KERAS_DISTRIBUTION_NUM_PROCESSES",
    "KERAS_DISTRIBUTION_PROCESS_ID",
)
MODEL_FILE = "model.keras"
WEIGHTS_FILE = "model.weights.h5"


def fit(
    model: Model,
    data: FitData,
    shuffle: data_utils.EpochShuffle,
    *,
    epochs: int,
    initial_epoch: int,
    distribution: str | None,
    callbacks: Any,
    verbose: Any,
) -> KerasFit:
    """`engine.fit_with_keras` after its checks."""
    devices = checked_devices(
        distribution,
        samples=len(data.xs[0]),
        batch_size=data.batch_size,
        validation_samples=0 if data.validation is None else len(data.validation[0][0]),
        validation_batch_size=data.validation_batch_size,
    )
    processes, process = _processes()
    batches = Batches(
        len(data.xs[0]), data.batch_size, shuffle, processes=processes, process=process
    )
    scope = (
        # Each process feeds its own share of every batch: Keras must not shard it again.
        keras.distribution.DataParallel(devices=devices, auto_shard_dataset=False).scope()
        if distribution == "data_parallel"
        else contextlib.nullcontext()
    )
    with tempfile.TemporaryDirectory(prefix="upsample-keras-") as folder:
        weights = Path(folder) / WEIGHTS_FILE
        if not model.optimizer.built:
            # A built optimizer's state (zeros) makes the hand-over exact both ways.
            model.optimizer.build(model.trainable_weights)
        model.save(Path(folder) / MODEL_FILE)
        callback_list = model._callback_list(
            callbacks, verbose, epochs, batches.steps, add_history=True
        )
        with scope:
            keras_model = keras.saving.load_model(Path(folder) / MODEL_FILE)
            dataset = EpochBatches(data, batches)
            keras_model.fit(
                dataset,
                epochs=epochs,
                initial_epoch=initial_epoch,
                validation_data=_validation(data),
                validation_batch_size=data.validation_batch_size,
                shuffle=False,
                verbose=0,
                callbacks=[
                    EpochCounter(dataset),
                    UpsampleCallbacks(model, callback_list, weights, sync=bool(callbacks)),
                ],
            )
            _bring_back(keras_model, model, weights)
    return KerasFit(model, dict(model.history.history), engine_info(distribution, devices))


def checked_devices(
    distribution: str | None,
    *,
    samples: int,
    batch_size: int,
    validation_samples: int,
    validation_batch_size: int,
) -> list[str]:
    """The devices a fit trains on, once every batch is known to split evenly over them.

    Joins a multi-process run first (see `_join_processes`).
    """
    _join_processes()
    processes, _ = _processes()
    devices = _devices(distribution)
    Batches(samples, batch_size, None, processes=processes).check_devices(
        len(devices), "batch_size"
    )
    if validation_samples:
        # Every process validates on all the held-out samples (the mean is the same), in
        # local batches of validation_batch_size: each splits over the process's devices.
        validation = Batches(validation_samples, validation_batch_size, None)
        validation.check_devices(len(devices) // processes, "validation batch size")
    return devices


class EpochBatches(PyDataset):
    """Epoch ``epoch``'s batches, in `EpochShuffle`'s order, this process's share of each."""

    def __init__(self, data: FitData, batches: Batches) -> None:
        super().__init__()  # one worker, in this process: batches are made on demand, in order
        self.xs, self.ys = data.xs, data.ys
        self.batches = batches
        self.epoch = 0

    def __len__(self) -> int:
        return self.batches.steps

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        rows = self.batches.rows(self.epoch, index)
        return _one(data_utils.take(self.xs, rows)), _one(data_utils.take(self.ys, rows))


class EpochCounter(KerasCallback):
    """Tells the batches which epoch Keras starts (before it asks for the epoch's first batch)."""

    def __init__(self, dataset: EpochBatches) -> None:
        super().__init__()
        self.dataset = dataset

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self.dataset.epoch = epoch


class UpsampleCallbacks(KerasCallback):
    """Runs upsample's `CallbackList` on Keras's training hooks.

    With `sync`, the upsample model gets Keras's weights and optimizer state
    before each ``on_epoch_end`` (a checkpoint saves what Keras reached), and
    before an ``on_train_batch_end`` that a callback says reads them; a
    callback that stops training (``model.stop_training``) stops Keras's `fit`.
    """

    def __init__(self, model: Model, callback_list: Any, weights: Path, *, sync: bool) -> None:
        super().__init__()
        self.upsample_model = model
        self.callback_list = callback_list
        self.weights = weights
        self.sync = sync

    def _forward_stop(self) -> None:
        if self.upsample_model.stop_training:
            self.model.stop_training = True

    def on_train_begin(self, logs: Any = None) -> None:
        self.upsample_model.stop_training = False
        self.callback_list.on_train_begin(_floats(logs))

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self.callback_list.on_epoch_begin(epoch, _floats(logs))

    def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
        self.callback_list.on_train_batch_begin(batch, _floats(logs))

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        if any(callback.reads_weights_after_batch() for callback in self.callback_list.callbacks):
            _bring_back(self.model, self.upsample_model, self.weights)
        self.callback_list.on_train_batch_end(batch, _floats(logs))
        self._forward_stop()

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        if self.sync:
            _bring_back(self.model, self.upsample_model, self.weights)
        self.callback_list.on_epoch_end(epoch, _floats(logs))
        self._forward_stop()

    def on_train_end(self, logs: Any = None) -> None:
        self.callback_list.on_train_end(_floats(logs))


def _bring_back(keras_model: Any, model: Model, weights: Path) -> None:
    """Keras's weights and optimizer state into the upsample model, through a weights file."""
    keras_model.save_weights(weights)
    model.load_weights(weights)


def _validation(data: FitData) -> tuple[Any, Any] | None:
    """The validation arrays as Keras's `fit` takes them."""
    if data.validation is None:
        return None
    vx, vy, _ = data.validation
    return _one(vx), _one(vy)


def _one(arrays: list[Any]) -> Any:
    """One array as itself, several as a list (what Keras's `fit` takes)."""
    return arrays[0] if len(arrays) == 1 else arrays


def _floats(logs: Any) -> dict[str, float]:
    """Keras's logs (backend scalars) as Python floats, as upsample's callbacks expect."""
    return {key: float(np.asarray(value)) for key, value in (logs or {}).items()}


def _join_processes() -> None:
    """Join a multi-process (multi-host) run when its launcher set Keras's variables.

    ``keras.distribution.initialize()`` reads ``KERAS_DISTRIBUTION_JOB_ADDRESSES``
    (for JAX, the coordinator's ``host:port`` is enough),
    ``KERAS_DISTRIBUTION_NUM_PROCESSES`` and ``KERAS_DISTRIBUTION_PROCESS_ID``;
    it must run before any device is used, and once.
    """
    if not any(name in os.environ for name in PROCESS_VARIABLES):
        return
    if keras.backend.backend() != "jax":
        raise ValueError(
            f"A multi-process run ({', '.join(n for n in PROCESS_VARIABLES if n in os.environ)} "
            f"set) needs Keras's JAX backend; KERAS_BACKEND is {keras.backend.backend()!r}."
        )
    if not importlib.import_module("jax").distributed.is_initialized():
        keras.distribution.initialize()


def _processes() -> tuple[int, int]:
    """``(number of processes, this process's index)`` of a multi-host JAX run, else (1, 0)."""
    if keras.backend.backend() != "jax":
        return 1, 0
    jax = importlib.import_module("jax")
    return int(jax.process_count()), int(jax.process_index())


def _devices(distribution: str | None) -> list[str]:
    """The devices training runs on: every one Keras lists, or the first for no distribution."""
    if distribution == "data_parallel" and keras.backend.backend() != "jax":
        raise ValueError(
            "distribution='data_parallel' needs Keras's JAX backend (keras.distribution is "
            f"implemented for JAX); KERAS_BACKEND is {keras.backend.backend()!r}. Set "
            "KERAS_BACKEND=jax, or pass distribution=None to train on one device."
        )
    try:
        devices = list(keras.distribution.list_devices())
    except (NotImplementedError, AttributeError, ValueError):
        devices = [f"{keras.backend.backend()}:default"]
    return devices if distribution == "data_parallel" else devices[:1]


def engine_info(distribution: str | None, devices: list[str]) -> dict[str, Any]:
    """Which engine, backend, distribution, devices, processes and versions trained a model."""
    backend = keras.backend.backend()
    packages = {"jax": ("jax", "jaxlib"), "tensorflow": ("tensorflow",), "torch": ("torch",)}
    versions = {"keras": keras.__version__}
    for package in packages.get(backend, ()):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "unknown"
    processes, _ = _processes()
    return {
        "engine": "keras",
        "backend": backend,
        "distribution": "DataParallel" if distribution == "data_parallel" else None,
        "devices": {
            "count": len(devices),
            "kinds": dict(Counter(device.split(":")[0] for device in devices)),
            "names": devices,
        },
        "processes": processes,
        "versions": versions,
    }
