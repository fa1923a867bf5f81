"""Utilities with Keras's names: `set_random_seed`, `clear_session`, `Progbar`."""

from upsample.random import set_random_seed
from upsample.utils.naming import clear_session
from upsample.utils.progbar import Progbar

__all__ = ["Progbar", "clear_session", "set_random_seed"]
