"""Keras 3 as a training engine: `fit_with_keras` trains an upsample model on all Keras's devices.

The model travels as a ``.keras`` file, which both libraries read and write
bit-exactly (config, weights, optimizer state): upsample saves it, Keras loads
it (with `upsample.interop.keras` imported, so upsample's own layers load too)
inside a ``keras.distribution.DataParallel`` over
``keras.distribution.list_devices()`` (all GPUs or TPUs, else the CPU devices)
and trains it with its own `fit`; the weights and the optimizer state come back
into the same upsample model through a weights file, and the history is
recorded by upsample's `History` (the callbacks are upsample's).  The backend
is the user's ``KERAS_BACKEND``, JAX when unset; `DataParallel` needs JAX.

Data order.  Both engines feed the same batches given the same seed: epoch
``e`` takes the samples in the order `upsample.models.data.epoch_order(seed, e,
n)` (after Keras's validation split, which holds out the last fraction first),
cut into batches of `batch_size`.  Keras gets them from a ``PyDataset``
(``shuffle=False``), the NumPy engine from ``fit(shuffle=EpochShuffle(seed))``.
Because an epoch's order depends on the seed and the epoch only, a run can stop
after any epoch on one engine and resume on the other (``initial_epoch``) and
end where a run on one engine alone ends, up to float32 rounding.

Several processes (hosts).  Started with Keras's variables
(``KERAS_DISTRIBUTION_JOB_ADDRESSES``, ``..._NUM_PROCESSES``,
``..._PROCESS_ID``), the engine calls ``keras.distribution.initialize()``
before using a device; each process then feeds its contiguous share of every
global batch (and validates on all the held-out samples, which leaves the mean
unchanged), and each process's upsample model ends with the same weights.

Numbers.  `DataParallel` splits each batch across devices and computes the
batch's mean loss and gradient as one program, so a data-parallel step equals
a one-device step up to the order of float32 sums; Keras's and upsample's
steps agree within float32 rounding (the parity tests).  Every batch, the last
included, must split evenly over the devices (Keras cannot shard a remainder):
that is checked before any work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from upsample.interop.keras_import import import_keras
from upsample.models.data import EpochShuffle
from upsample.models.model import Model

DISTRIBUTIONS = ("data_parallel", None)


@dataclass(frozen=True)
class KerasFit:
    """What `fit_with_keras` returns.

    model: the upsample model that was passed in, now holding the trained
    weights and optimizer state; history: ``{"loss": [...], "val_loss": [...]}``
    for the epochs trained (as `History.history`); engine_info: which engine,
    backend, distribution, devices, processes and versions trained it (for a
    run folder's records).
    """

    model: Model
    history: dict[str, list[float]]
    engine_info: dict[str, Any]


def fit_with_keras(
    model: Model,
    x: Any,
    y: Any,
    *,
    epochs: int,
    seed: int,
    batch_size: int | None = None,
    initial_epoch: int = 0,
    validation_split: float = 0.0,
    validation_data: Any = None,
    distribution: str | None = "data_parallel",
    callbacks: Any = None,
    verbose: Any = 0,
) -> KerasFit:
    """Train the compiled upsample `model` with Keras 3's `fit`, as ``model.fit`` would.

    Arguments mean what they mean in `Model.fit`, with the data order of
    ``shuffle=EpochShuffle(seed)`` (see the module docstring).  `distribution`:
    "data_parallel" (`keras.distribution.DataParallel` over every device Keras
    lists; JAX backend) or None (Keras's default device).  `callbacks` are
    upsample callbacks; before each ``on_epoch_end`` the model holds the
    weights Keras reached, so `ModelCheckpoint` saves them.  Every argument and
    array is checked before any work; an ImportError says what to install when
    Keras is missing.
    """
    shuffle = EpochShuffle(seed)
    _check_distribution(distribution)
    data = model._fit_data(
        x,
        y,
        None,
        verbose=verbose,
        batch_size=batch_size,
        epochs=epochs,
        initial_epoch=initial_epoch,
        validation_split=validation_split,
        validation_data=validation_data,
        validation_batch_size=None,
    )
    import_keras()
    # Imports Keras at module level: only when the Keras engine runs.
    from upsample.interop import keras_training

    return keras_training.fit(
        model,
        data,
        shuffle,
        epochs=epochs,
        initial_epoch=initial_epoch,
        distribution=distribution,
        callbacks=callbacks,
        verbose=verbose,
    )


def check_keras_fit(
    *,
    samples: int,
    batch_size: int,
    validation_samples: int = 0,
    distribution: str | None = "data_parallel",
) -> dict[str, Any]:
    """Check, before any work, that `fit_with_keras` can train on `samples` in `batch_size`.

    Imports Keras (an ImportError that says what to install when it is
    missing), lists the devices and checks that every batch, training and
    validation (in batches of `batch_size`, as `fit`'s default), splits evenly
    over them.  Returns the `KerasFit.engine_info` such a fit records.
    """
    _check_distribution(distribution)
    import_keras()
    from upsample.interop import keras_training

    devices = keras_training.checked_devices(
        distribution,
        samples=samples,
        batch_size=batch_size,
        validation_samples=validation_samples,
        validation_batch_size=batch_size,
    )
    return keras_training.engine_info(distribution, devices)


def _check_distribution(distribution: Any) -> None:
    if distribution not in DISTRIBUTIONS:
        raise ValueError(
            "The `distribution` must be 'data_parallel' (keras.distribution.DataParallel over "
            f"every device) or None (one device). Received: distribution={distribution!r}"
        )
