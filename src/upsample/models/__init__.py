"""Models: `Sequential`, the functional `Model`, the `GAN`, and `.keras` files."""

from upsample.models.functional import Functional
from upsample.models.gan import GAN, StepNoise
from upsample.models.gan_checkpoint import load_gan
from upsample.models.model import Model
from upsample.models.sequential import Sequential
from upsample.saving.keras_file import load_model, save_model

__all__ = [
    "GAN",
    "Functional",
    "Model",
    "Sequential",
    "StepNoise",
    "load_gan",
    "load_model",
    "save_model",
]
