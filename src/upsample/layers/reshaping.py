"""`Flatten` and `Reshape`: shape changes, whose gradient is the inverse reshape."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from upsample import config as upsample_config
from upsample.layers.layer import Array, Gradients, Layer


class Flatten(Layer):
    """``(batch, ...) -> (batch, prod(...))``; channels_first inputs become channels_last first."""

    samples_independent = True

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = upsample_config.standardize_data_format(data_format)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size if rest else 1)

    def _channels_first(self, x: Array) -> bool:
        return self.data_format == "channels_first" and x.ndim > 2

    def forward(self, inputs: Array, training: bool = False) -> tuple[Array, Any]:
        x = np.moveaxis(inputs, 1, -1) if self._channels_first(inputs) else inputs
        return x.reshape(x.shape[0], -1), inputs.shape

    def backward(
        self, cache: Any, grad: Array, *, weights: bool = True, inputs: bool = True
    ) -> Gradients:
        shape = cache
        if not inputs:
            return Gradients(None, [] if weights else None)
        if self.data_format == "channels_first" and len(shape) > 2:
            last = (shape[0], *shape[2:], shape[1])
            dx = np.moveaxis(grad.reshape(last), -1, 1)
        else:
            dx = grad.reshape(shape)
        return Gradients(dx, [] if weights else None)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshape each sample to `target_shape` (one entry may be -1)."""

    samples_independent = True

    def __init__(self, target_shape: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.built = True  # as Keras: built on construction, no build_config saved
        shape = tuple(target_shape)
        if shape.count(-1) > 1 or any(
            isinstance(d, bool) or not isinstance(d, int | np.integer) or (d < 1 and d != -1)
            for d in shape
        ):
            raise ValueError(
                "The `target_shape` must be a tuple of positive ints, with at most one -1. "
                f"Received: target_shape={target_shape!r}"
            )
        self.target_shape = tuple(int(d) for d in shape)

    def _resolve(self, input_shape: Any) -> tuple[Any, ...]:
        rest = input_shape[1:]
        if any(d is None for d in rest):
            return tuple(None if d == -1 else d for d in self.target_shape)
        size = math.prod(rest)
        known = math.prod(d for d in self.target_shape if d != -1)
        if -1 in self.target_shape:
            if size % known:
                raise self._mismatch(input_shape)
            return tuple(size // known if d == -1 else d for d in self.target_shape)
        if known != size:
            raise self._mismatch(input_shape)
        return self.target_shape

    def _mismatch(self, input_shape: Any) -> ValueError:
        return ValueError(
            f"The total size of the target shape {self.target_shape} of layer {self.name!r} "
            f"must equal the size of each input sample, shape {tuple(input_shape[1:])}."
        )

    def check_input_shape(self, input_shape: Any) -> None:
        self._resolve(input_shape)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return (input_shape[0], *self._resolve(input_shape))

    def forward(self, inputs: Array, training: bool = False) -> tuple[Array, Any]:
        shape = self._resolve(inputs.shape)
        return inputs.reshape(inputs.shape[0], *shape), inputs.shape

    def backward(
        self, cache: Any, grad: Array, *, weights: bool = True, inputs: bool = True
    ) -> Gradients:
        return Gradients(grad.reshape(cache) if inputs else None, [] if weights else None)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "target_shape": tuple(self.target_shape)}
