"""Every artifact measure of a model at its current weights, as one record.

This applies the measures of `upsample.analysis` to a whole model, for reports
(`upsample artifacts`, comparisons of decoders):

* per transposed convolution, the overlap imbalance of its geometry and the
  DC imbalance of its kernel (the median over output channels), and the DC
  imbalance of each sub-pixel convolution's kernel;
* on its outputs for given inputs, the phase-mean imbalance and the spectral
  checkerboard at the model's period (the product of its upsampling factors),
  and the border score;
* the phase-mean imbalance of its response to a flat input, fed to its first
  upsampling layer when the model is a Sequential one (its upsampling part),
  else to the model, measured on the central half of each axis (zero padding
  shapes the rest).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from upsample.analysis.border import border_score
from upsample.analysis.dc_gain import dc_imbalance, layer_phase_dc_gains
from upsample.analysis.flat_response import flat_response
from upsample.analysis.overlap import layer_overlap
from upsample.analysis.phase_imbalance import phase_mean_imbalance
from upsample.analysis.spectrum import spectral_checkerboard
from upsample.analysis.upsampling_layers import (
    spatial_input_shape,
    total_factor,
    upsampling_factors,
    upsampling_layers,
)
from upsample.layers.convolutional import ConvTranspose
from upsample.layers.layer import Layer
from upsample.layers.pixel_shuffle import DepthToSpace
from upsample.layers.resize_conv import ResizeConv
from upsample.layers.sub_pixel_conv import SubPixelConv
from upsample.models.model import Model
from upsample.ops.resampling import HALF_PIXEL

# Pixels per axis the spectral measure needs per unit of its period (Hann window).
_SPECTRAL_PIXELS = 5

Scores = dict[str, float | None]


@dataclass(frozen=True)
class UpsamplingLayer:
    """An upsampling layer of a model: what it is and its weight-free overlap imbalance.

    phases: for a layer whose output phases cannot differ on a flat input, or
    whose difference is not in its own weights, why (None for a transposed or a
    sub-pixel convolution: their `dc_imbalance` measures it).
    """

    name: str
    kind: str
    factors: tuple[int, ...]
    input_shape: tuple[int, ...]
    description: str
    overlap_imbalance: float | None  # None: not a transposed convolution
    phases: str | None = None


def has_phase_weights(layer: Layer) -> bool:
    """Whether `layer` gives its output phases weights of their own (a DC imbalance applies)."""
    return isinstance(layer, ConvTranspose | SubPixelConv)


def describe_upsampling(model: Layer) -> list[UpsamplingLayer]:
    """The upsampling layers of `model` (built), in order."""
    found = []
    for layer in upsampling_layers(model):
        spatial = spatial_input_shape(layer)
        factors = upsampling_factors(layer)
        assert factors is not None
        description, phases = _description(layer, _by(factors))
        imbalance = (
            layer_overlap(layer, spatial).imbalance if isinstance(layer, ConvTranspose) else None
        )
        found.append(
            UpsamplingLayer(
                layer.name, type(layer).__name__, factors, spatial, description, imbalance, phases
            )
        )
    return found


def _description(layer: Layer, factors: str) -> tuple[str, str | None]:
    """What `layer` is (its arguments) and, for one without phase weights, why."""
    kernel = _by(getattr(layer, "kernel_size", ()))
    if isinstance(layer, ConvTranspose):
        return f"kernel {kernel}, strides {factors}, {layer.padding}", None
    if isinstance(layer, SubPixelConv):
        return f"kernel {kernel}, scale {factors}, {layer.order}", None
    if isinstance(layer, ResizeConv):
        return (
            f"size {factors}, {_resampling(layer)}, then kernel {kernel}",
            "one kernel for every phase: a flat input stays flat",
        )
    if isinstance(layer, DepthToSpace):
        return (
            f"block {factors}, {layer.order}",
            "no weights: its phases are its input's channel groups",
        )
    return f"size {factors}, {_resampling(layer)}", "no weights: a flat input stays flat"


def _resampling(layer: Layer) -> str:
    """A resampling layer's interpolation, and its coordinate convention when not Keras's."""
    coordinates = getattr(layer, "coordinates", HALF_PIXEL)
    interpolation = getattr(layer, "interpolation", "")
    return interpolation if coordinates == HALF_PIXEL else f"{interpolation}, {coordinates}"


def _by(values: Any) -> str:
    return "x".join(map(str, values))


def spectral_period(period: tuple[int, ...], spatial: tuple[int, ...]) -> tuple[int, ...] | None:
    """The largest divisor of `period`, per axis, that images of `spatial` shape can measure.

    A pattern of the model's period shows at every divisor's frequencies too
    (a period-2 checkerboard is also period 4); None if only 1 fits everywhere.
    """
    fitting = []
    for p, n in zip(period, spatial):
        divisors = [d for d in range(p, 0, -1) if p % d == 0]
        fitting.append(next(d for d in divisors if n - n % d >= _SPECTRAL_PIXELS * d or d == 1))
    return None if all(d == 1 for d in fitting) else tuple(fitting)


def artifact_scores(model: Model, inputs: Any, *, border: int = 2, reference: Any = None) -> Scores:
    """The measures of the module for `model` at its current weights, by name.

    inputs: a batch for `model.predict`; border: the band, in pixels, of the
    border score, also left out of the outputs' phase-mean imbalance;
    reference: images whose border the outputs' border is compared with (an
    autoencoder's inputs).  Names: ``"<layer>/dc_imbalance"``,
    ``"outputs/phase_imbalance"``, ``"outputs/spectral_amplitude"``,
    ``"outputs/peak_to_background"``, ``"outputs/border"``,
    ``"outputs/interior"``, ``"inputs/border"``, ``"inputs/interior"``,
    ``"flat/phase_imbalance"``; None where a measure does not apply (no
    stride, no reference, images too small).  The DC imbalance is there for
    each transposed or sub-pixel convolution (`has_phase_weights`); with unit
    strides such a layer has a single phase: its DC imbalance is None, not 0.
    """
    period = total_factor(model)
    scores: Scores = {}
    for layer in upsampling_layers(model):
        if has_phase_weights(layer):
            factors = upsampling_factors(layer)
            assert factors is not None
            strided = any(s > 1 for s in factors)
            scores[f"{layer.name}/dc_imbalance"] = (
                float(np.median(dc_imbalance(layer_phase_dc_gains(layer)))) if strided else None
            )
    outputs = _channels_last(model, np.asarray(model.predict(inputs, verbose=0)))
    periodic = image_scores(outputs, period=period, border=border)
    scores |= {f"outputs/{key}": value for key, value in periodic.items()}
    frame = border_score(outputs, width=border, inputs=reference)
    scores["outputs/border"] = frame.border
    scores["outputs/interior"] = frame.interior
    scores["inputs/border"] = frame.reference_border
    scores["inputs/interior"] = frame.reference_interior
    scores["flat/phase_imbalance"] = flat_input_imbalance(model)
    return scores


def image_scores(images: Any, *, period: tuple[int, ...], border: int = 2) -> Scores:
    """The periodic-pattern measures of `images` (channels last) at `period`, by name.

    ``"phase_imbalance"`` (the `border` band left out) and, at the largest
    divisor of `period` the images can measure (`spectral_period`),
    ``"spectral_amplitude"`` and ``"peak_to_background"``; None where the
    period is 1 or the images are too small.  For a model's outputs, and for
    its inputs as the baseline that content alone gives.
    """
    array = np.asarray(images)
    strided = any(p > 1 for p in period)
    fitting = spectral_period(period, array.shape[1:-1])
    peaks = None if fitting is None else spectral_checkerboard(array, stride=fitting)
    return {
        "phase_imbalance": (
            phase_mean_imbalance(array, stride=period, border=border) if strided else None
        ),
        "spectral_amplitude": None if peaks is None else peaks.amplitude,
        "peak_to_background": None if peaks is None else peaks.peak_to_background,
    }


def flat_start(model: Layer) -> str | None:
    """Where the flat input enters: the first upsampling layer of a Sequential model, else None."""
    first = upsampling_layers(model)[0]
    return first.name if first in getattr(model, "layers", []) else None


def flat_input_response(model: Layer) -> np.ndarray | None:
    """The response of `model` to a flat input (1.0) fed at `flat_start`, channels last.

    ``(1, *spatial, channels)``; None for a model whose input is not an image (a
    generator's latent vector cannot be flat in space).
    """
    start = flat_start(model)
    if start is None and len(getattr(model, "input_shape", ())) < 3:
        return None
    return _channels_last(model, flat_response(model, start=start))


def flat_input_imbalance(model: Layer) -> float | None:
    """The phase-mean imbalance of `flat_input_response` on the central half of each axis.

    At the model's period (`total_factor`); None if the model never upsamples by
    a stride, has no image input, or its output's central half holds no period.
    """
    period = total_factor(model)
    response = flat_input_response(model) if any(p > 1 for p in period) else None
    if response is None:
        return None
    central = min(response.shape[1:-1]) // 4
    if any(n - 2 * central < p for n, p in zip(response.shape[1:-1], period)):
        return None
    return phase_mean_imbalance(response, stride=period, border=central)


def _channels_last(model: Layer, images: np.ndarray) -> np.ndarray:
    last = upsampling_layers(model)[-1]
    if getattr(last, "data_format", "channels_last") == "channels_first":
        return np.moveaxis(images, 1, -1)
    return images
