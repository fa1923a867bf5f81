"""The artifacts of an architecture at initialisation, over many random initialisations.

Odena, Dumoulin & Olah (Distill 2016) show that a generator's checkerboard is
there at step 0, before any training: it comes from the architecture and the
random weights.  `over_initializations` measures a model after each of `draws`
fresh initialisations and reports the mean and spread.  Every weight is drawn
again from its layer's own initializer (``kernel`` from ``kernel_initializer``,
``gamma`` from ``gamma_initializer``, ...) with a seed taken from one seeded
`numpy.random.Generator`, so the draws repeat exactly and the package's global
generator is never touched.  The model's weights are restored afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from upsample.analysis.upsampling_layers import leaf_layers
from upsample.layers.layer import Layer
from upsample.random import generator

# Seeds handed to the initializers lie in [0, _SEED_LIMIT).
_SEED_LIMIT = 2**31 - 1


@dataclass(frozen=True)
class Spread:
    """A measure over random initialisations: each draw's value, their mean and std."""

    values: tuple[float, ...]

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def std(self) -> float:
        return float(np.std(self.values))


def reinitialize(model: Layer, rng: np.random.Generator) -> None:
    """Draw every weight of `model` again from its initializer, seeded from `rng` (in place)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"The `rng` must be a numpy.random.Generator. Received: rng={rng!r}")
    for _, variable, initializer in _weights(model):
        seeded = type(initializer).from_config(_reseeded(initializer.get_config(), rng))
        variable.assign(seeded(variable.shape, dtype=variable.dtype))


@contextmanager
def restored_weights(model: Layer) -> Iterator[None]:
    """Run a block that changes `model`'s weights, then put the weights back (even on errors)."""
    saved = model.get_weights()
    try:
        yield
    finally:
        model.set_weights(saved)


def initializations(
    model: Layer, *, draws: int = 10, seed: int | np.random.Generator = 0
) -> Iterator[int]:
    """Re-initialise `model` `draws` times, yielding the draw's index after each.

    seed: an int or a `numpy.random.Generator` from which the draws are seeded.
    The arguments are checked at once; use it inside `restored_weights(model)`
    to keep the model's own weights.
    """
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < 1:
        raise ValueError(f"The `draws` must be a positive int. Received: draws={draws!r}")
    rng = generator(seed)
    list(_weights(model))  # a weight without an initializer fails here, before any work
    return _draws(model, int(draws), rng)


def over_initializations(
    model: Layer,
    measure: Callable[[Layer], float],
    *,
    draws: int = 10,
    seed: int | np.random.Generator = 0,
) -> Spread:
    """`measure(model)` after each of `draws` random initialisations of its weights.

    The model's own weights are put back afterwards, even if `measure` fails.
    """
    each_draw = initializations(model, draws=draws, seed=seed)
    with restored_weights(model):
        return Spread(tuple(float(measure(model)) for _ in each_draw))


def _draws(model: Layer, draws: int, rng: np.random.Generator) -> Iterator[int]:
    for draw in range(draws):
        reinitialize(model, rng)
        yield draw


def _weights(model: Layer) -> Iterator[tuple[Layer, Any, Any]]:
    """Each weight of `model` with its layer and the initializer it was made by."""
    for layer in leaf_layers(model):
        for variable in layer.weights:
            initializer = getattr(layer, f"{variable.name}_initializer", None)
            if initializer is None:
                raise ValueError(
                    f"The weight {variable.path!r} of layer {layer.name!r} has no "
                    f"`{variable.name}_initializer` to draw it again from."
                )
            yield layer, variable, initializer


def _reseeded(config: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """`config` with every "seed" (nested ones too: an initializer may wrap another) drawn anew."""
    return {
        key: int(rng.integers(_SEED_LIMIT))
        if key == "seed"
        else _reseeded(value, rng)
        if isinstance(value, dict)
        else value
        for key, value in config.items()
    }
