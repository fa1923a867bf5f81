"""`--engine`: what trains the models of `train` and `compare`, checked before any work.

``numpy`` is upsample's own code on this machine; ``keras`` hands the model to
Keras 3 (`upsample.interop.engine`), which trains it on every device it sees.
Both take epoch ``e``'s images in the order ``EpochShuffle(seed)`` gives, so a
run may change engine when it resumes, and every model of a comparison sees the
same images in the same order.
"""

from __future__ import annotations

import argparse
from typing import Any

from upsample.cli.common import UsageError
from upsample.interop import engine as keras_engine
from upsample.models import Model
from upsample.models.data import EpochShuffle

ENGINES = ("numpy", "keras")
# Why a GAN refuses --engine keras.
GAN_ENGINE = "a GAN's step (two networks, each with its optimizer) runs on the NumPy engine only"
NUMPY_RECORD = {"engine": "numpy", "devices": {"count": 1, "kinds": {"cpu": 1}}}
HELP = (
    "what trains the model: upsample's own NumPy code, or Keras 3 on every device it sees "
    "(keras.distribution.DataParallel; backend from KERAS_BACKEND, JAX by default; needs "
    'pip install "upsample[keras]"). Both feed the same batches in the same order'
)


def add_engine_option(
    parser: argparse.ArgumentParser, *, default: str | None, **kwargs: Any
) -> None:
    """``--engine``; a `default` of None (`chosen` reads it as numpy) lets a task refuse it."""
    parser.add_argument(
        "--engine", choices=ENGINES, default=default, help=HELP + " (default: numpy)", **kwargs
    )


def chosen(args: argparse.Namespace) -> str:
    return str(args.engine or "numpy")


def check(engine: str, *, samples: int, batch_size: int, validation_samples: int) -> dict[str, Any]:
    """What will train (recorded in the run's files); a UsageError now if it cannot.

    For Keras: installed, and every batch splits evenly over its devices.
    """
    if engine == "numpy":
        return dict(NUMPY_RECORD)
    try:
        return keras_engine.check_keras_fit(
            samples=samples, batch_size=batch_size, validation_samples=validation_samples
        )
    except (ImportError, ValueError) as error:
        raise UsageError(f"--engine keras: {error}") from error


def fit(model: Model, x: Any, *, engine: str, seed: int, **arguments: Any) -> dict[str, Any]:
    """``model.fit(x, x, **arguments)`` on `engine` in `EpochShuffle(seed)` order.

    Returns the record of what trained it (Keras's devices and versions).
    """
    if engine == "keras":
        return keras_engine.fit_with_keras(model, x, x, seed=seed, **arguments).engine_info
    model.fit(x, x, shuffle=EpochShuffle(seed), **arguments)
    return dict(NUMPY_RECORD)


def describe(record: dict[str, Any]) -> str:
    """E.g. "upsample's NumPy engine", "Keras 3.15.1 (jax) on 2 cpu devices"."""
    if record["engine"] == "numpy":
        return "upsample's NumPy engine"
    kinds = ", ".join(f"{count} {kind}" for kind, count in record["devices"]["kinds"].items())
    plural = "s" if record["devices"]["count"] > 1 else ""
    return f"Keras {record['versions']['keras']} ({record['backend']}) on {kinds} device{plural}"
