"""Models: `Sequential`, the functional `Model`, the `GAN`, and `.keras` files."""

from typing import Any

from upsample.models.data import EpochShuffle
from upsample.models.functional import Functional
from upsample.models.gan import GAN, StepNoise
from upsample.models.model import Model
from upsample.models.saving_hook import saving
from upsample.models.sequential import Sequential


def __getattr__(name: str) -> Any:
    """`load_model` and `save_model` (Keras's ``keras.models.*``) and `load_gan` come from
    `upsample.saving`."""
    if name in ("load_gan", "load_model", "save_model"):
        return getattr(saving(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "GAN",
    "EpochShuffle",
    "Functional",
    "Model",
    "Sequential",
    "StepNoise",
    "load_gan",
    "load_model",
    "save_model",
]
