"""The weights of interpolating upsampling, per output position: the explainer's table.

Keras 3's ``UpSampling2D`` samples output ``o`` of an axis upsampled by ``f`` at
the input position ``x_o = (o + 0.5) / f - 0.5`` (half-pixel centres), weighs
the inputs near it by the interpolation kernel, drops taps that fall outside
the input and renormalises the rest ("nearest" repeats each pixel, which is the
nearest input to ``x_o``).  The other coordinate conventions move the samples:
``x_o = o (n - 1) / (f n - 1)`` (align_corners) or ``x_o = o / f`` (asymmetric);
see `upsample.ops.resampling.coordinates` for them and the sources.

The table is read off the operator `upsample.ops.upsample` applies:
resampling is linear, so upsampling the unit impulses gives the columns of its
matrix, and the explainer shows exactly what the layer computes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from upsample.analysis.arguments import FloatArray
from upsample.layers.affine import check_positive_int
from upsample.ops import resampling as resample
from upsample.ops.resampling.coordinates import sample_positions


@dataclass(frozen=True)
class InterpolationWeights:
    """The 1-D upsampling operator: ``y[o] = sum_j matrix[o, j] * x[j]``.

    matrix: ``(factor * input_length, input_length)``.
    """

    interpolation: str
    factor: int
    matrix: FloatArray
    coordinates: str = resample.HALF_PIXEL

    @property
    def positions(self) -> FloatArray:
        """Where each output samples the input, in the convention: ``(output_length,)``."""
        outputs, inputs = self.matrix.shape
        return sample_positions(self.coordinates, inputs, outputs)

    def taps(self, output: int) -> list[tuple[int, float]]:
        """The inputs output `output` reads, with their weights (non-zero only)."""
        row = self.matrix[output]
        return [(int(j), float(row[j])) for j in np.flatnonzero(row)]


def source_positions(output_length: int, *, factor: int) -> FloatArray:
    """``(o + 0.5) / factor - 0.5`` for each output ``o``: Keras's half-pixel sample points."""
    return (np.arange(output_length) + 0.5) / factor - 0.5


def interpolation_weights(
    input_length: int,
    *,
    factor: int,
    interpolation: str = "bilinear",
    coordinates: str = resample.HALF_PIXEL,
) -> InterpolationWeights:
    """The operator that upsamples an axis of `input_length` by `factor` with `interpolation`,
    its samples placed by `coordinates` (Keras's half-pixel centres by default)."""
    length = check_positive_int(input_length, "input_length")
    size = check_positive_int(factor, "factor")
    method = resample.check_interpolation(interpolation)
    resample.check_coordinates(coordinates, method)
    impulses = np.eye(length)[None]  # one 1-D signal per channel: channel j is the impulse at j
    columns = resample.upsample(impulses, size=size, interpolation=method, coordinates=coordinates)
    return InterpolationWeights(method, size, np.asarray(columns[0], dtype=np.float64), coordinates)
