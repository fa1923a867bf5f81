"""Saving and loading: Keras 3's object serialization and `.keras` files."""

from upsample.saving.keras_file import load_model, load_weights, save_model, save_weights

__all__ = ["load_model", "load_weights", "save_model", "save_weights"]
