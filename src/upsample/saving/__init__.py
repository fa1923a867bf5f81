"""Saving and loading: Keras 3's configs of models (both ways) and `.keras` files."""

from upsample.saving import deserialize, serialize
from upsample.saving.gan_checkpoint import load_gan, save_gan
from upsample.saving.keras_file import load_model, load_weights, save_model, save_weights

__all__ = [
    "deserialize",
    "load_gan",
    "load_model",
    "load_weights",
    "save_gan",
    "save_model",
    "save_weights",
    "serialize",
]
