"""`Dropout`: zero a random fraction `rate` of the inputs in training, scale the rest.

Keras's *inverted* dropout: kept values are divided by ``1 - rate`` so that the
expected output equals the input, and inference is the identity.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from upsample import random
from upsample.layers.layer import Array, Gradients, Layer


class Dropout(Layer):
    """Randomly sets inputs to 0 with probability `rate` in training; identity otherwise.

    `noise_shape` (one entry per input axis, None for "the input's size") shares
    the random decision along axes where it is 1, e.g. ``(batch, 1, 1, channels)``
    drops whole feature maps.  `seed` makes the masks repeatable.
    """

    samples_independent = False  # masks drawn per piece would differ

    def __init__(
        self, rate: float, noise_shape: Any = None, seed: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.built = True  # as Keras: built on construction, no build_config saved
        self.rate = _rate(rate)
        self.noise_shape = _noise_shape(noise_shape)
        self.seed = seed
        # As Keras, only a layer that drops anything owns a random stream, so that
        # `Dropout(0.0)` does not consume the global generator.
        self._rng: np.random.Generator | None = None
        if self.rate > 0:
            self._rng = random.generator(seed) if seed is not None else random.spawn()

    def check_input_shape(self, input_shape: Any) -> None:
        if isinstance(input_shape, list):
            raise ValueError(f"Layer {self.name!r} expects one input, received {len(input_shape)}.")
        if self.noise_shape is None:
            return
        compatible = len(self.noise_shape) == len(input_shape) and all(
            n is None or n == 1 or d is None or n == d
            for n, d in zip(self.noise_shape, input_shape)
        )
        if not compatible:
            raise ValueError(
                f"The `noise_shape` of {self.name!r} must have one entry per input axis, each "
                "None, 1 or the input's size. Received: "
                f"noise_shape={self.noise_shape} for inputs of shape {tuple(input_shape)}"
            )

    def forward(self, inputs: Array, training: bool = False) -> tuple[Array, Any]:
        if not training or self.rate == 0:
            return inputs, None
        self.check_input_shape(inputs.shape)
        shape = inputs.shape
        if self.noise_shape is not None:
            shape = tuple(d if n is None else n for n, d in zip(self.noise_shape, inputs.shape))
        keep = 1.0 - self.rate
        assert self._rng is not None
        mask = self._rng.random(shape) < keep  # Bernoulli(keep), broadcast over noise_shape's 1s
        return _masked_scale(inputs, mask, keep), (mask, keep)

    def backward(
        self, cache: Any, grad: Array, *, weights: bool = True, inputs: bool = True
    ) -> Gradients:
        weight_grads: list[Array] | None = [] if weights else None
        if not inputs:
            return Gradients(None, weight_grads)
        if cache is None:  # inference: the identity
            return Gradients(grad, weight_grads)
        mask, keep = cache
        # The same mask as the forward pass: dropout is linear in its input.
        return Gradients(_masked_scale(grad, mask, keep), weight_grads)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "rate": self.rate,
            "seed": self.seed,
            "noise_shape": list(self.noise_shape) if self.noise_shape is not None else None,
        }


def _masked_scale(values: Array, mask: Array, keep: float) -> Array:
    """``values / keep`` where `mask`, else 0 (Keras divides; it does not multiply by 1/keep)."""
    if keep == 0:  # rate 1: Keras returns zeros
        return np.zeros_like(values)
    return np.where(mask, values / values.dtype.type(keep), values.dtype.type(0))


def _rate(rate: Any) -> float:
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= float(rate) <= 1:
        raise ValueError(
            "Invalid value received for argument `rate`. Expected a float value between "
            f"0 and 1. Received: rate={rate!r}"
        )
    return float(rate)


def _noise_shape(noise_shape: Any) -> tuple[int | None, ...] | None:
    """Validate `noise_shape` as Keras does: a sequence of positive ints or None."""
    if noise_shape is None:
        return None
    error = (
        "Invalid value received for argument `noise_shape`. Expected a tuple or list of "
        f"positive integers or None. Received: noise_shape={noise_shape!r}"
    )
    if isinstance(noise_shape, str):
        raise ValueError(error)
    try:
        dims = tuple(noise_shape)
    except TypeError:
        raise ValueError(error) from None
    for d in dims:
        if d is not None and (isinstance(d, bool) or not isinstance(d, numbers.Integral) or d <= 0):
            raise ValueError(error)
    return tuple(None if d is None else int(d) for d in dims)
