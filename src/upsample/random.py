"""Explicit random number generators.

Everything random in `upsample` (initial weights, shuffling, dropout, latent
noise) draws from a `numpy.random.Generator`.  Without an explicit seed it draws
from the package's global generator, which `set_random_seed` resets, so a whole
run repeats exactly.  NumPy's legacy global state (`np.random.seed`) is never
used or touched.
"""

from __future__ import annotations

import numpy as np

_global = np.random.default_rng()


def set_random_seed(seed: int) -> None:
    """Make every later random draw of `upsample` repeatable (`keras.utils.set_random_seed`)."""
    global _global
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"The `seed` must be a non-negative int. Received: seed={seed!r}")
    _global = np.random.default_rng(int(seed))


def global_generator() -> np.random.Generator:
    """The generator used when no seed is given."""
    return _global


def generator(seed: int | np.random.Generator | None = None) -> np.random.Generator:
    """A generator for `seed`: fixed for an int, the global one for None, itself if given."""
    if seed is None:
        return _global
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"The `seed` must be a non-negative int or None. Received: seed={seed!r}")
    return np.random.default_rng(int(seed))


def spawn() -> np.random.Generator:
    """An independent generator derived from the global one (for an object's own stream)."""
    return np.random.default_rng(_global.integers(0, 2**63 - 1))
