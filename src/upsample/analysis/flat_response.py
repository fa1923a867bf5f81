"""The response of a model (or of its upsampling part) to a flat input.

A flat input has nothing at any frequency but 0, so whatever periodic pattern
the output shows away from the borders was made by the upsampling: nearest or
bilinear upsampling followed by convolutions keeps it flat for any weights, a
transposed convolution only if its phases have equal DC gains (`dc_gain`).
Odena et al. (Distill 2016) show the checkerboard in a GAN's samples at step 0;
this is that experiment with the content taken out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from upsample.analysis.arguments import FloatArray
from upsample.analysis.phase_imbalance import phase_mean_imbalance
from upsample.analysis.upsampling_layers import total_factor
from upsample.layers.layer import Layer


def flat_response(model: Layer, *, value: float = 1.0, start: str | None = None) -> FloatArray:
    """The output of `model` for one input that is `value` everywhere: ``(1, *output_shape)``.

    start: the name of a layer of `model` (a Sequential): the flat input is fed to
    that layer instead, and the layers from it on are run.  This isolates the
    upsampling part of a model: an autoencoder's decoder, or a generator whose
    own input is a latent vector, not an image.
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"The `value` must be a finite number. Received: value={value!r}")
    layers, shape = _stack(model, start)
    x: Any = np.full((1, *shape[1:]), float(value), dtype=np.float32)
    for layer in layers:
        x = layer(x)
    return np.asarray(x, dtype=np.float64)


def flat_response_imbalance(
    model: Layer,
    *,
    stride: int | Sequence[int] | None = None,
    border: int = 0,
    value: float = 1.0,
    start: str | None = None,
) -> float:
    """`phase_mean_imbalance` of `flat_response` (stride: the model's `total_factor` if None).

    border: pixels left out at both ends of each axis, where zero padding, not
    the upsampling, shapes the response.
    """
    period = total_factor(model) if stride is None else stride
    response = flat_response(model, value=value, start=start)
    return phase_mean_imbalance(response, stride=period, border=border)


def _stack(model: Layer, start: str | None) -> tuple[list[Layer], tuple[Any, ...]]:
    """The layers to run and the shape of their input (batch first)."""
    if start is None:
        shape = getattr(model, "input_shape", None)
        if not isinstance(shape, tuple):
            raise ValueError(
                f"The model {model.name!r} must be built with a single input to be fed a flat "
                f"one. Received: input_shape={shape!r}"
            )
        return [model], shape
    layers = list(getattr(model, "layers", []))
    names = [layer.name for layer in layers]
    if start not in names:
        raise ValueError(
            f"The `start` must name a layer of the model {model.name!r}: one of "
            f"{', '.join(names)}. Received: start={start!r}"
        )
    first = names.index(start)
    return layers[first:], tuple(layers[first].input.shape)
