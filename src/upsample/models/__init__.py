"""Models: `Sequential`, the functional `Model`, and `.keras` files."""

from upsample.models.functional import Functional
from upsample.models.model import Model
from upsample.models.sequential import Sequential
from upsample.saving.keras_file import load_model, save_model

__all__ = ["Functional", "Model", "Sequential", "load_model", "save_model"]
