"""The weights of interpolating upsampling, per output position: the explainer's table.

Keras 3's ``UpSampling2D`` samples output ``o`` of an axis upsampled by ``f`` at
the input position ``x_o = (o + 0.5) / f - 0.5`` (half-pixel centres), weighs
the inputs near it by the interpolation kernel, drops taps that fall outside
the input and renormalises the rest ("nearest" repeats each pixel, which is the
nearest input to ``x_o``).  See `upsample.ops.resampling` for the sources.

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


@dataclass(frozen=True)
class InterpolationWeights:
    """The 1-D upsampling operator: ``y[o] = sum_j matrix[o, j] * x[j]``.

    matrix: ``(factor * input_length, input_length)``.
    """

    interpolation: str
    factor: int
    matrix: FloatArray

    @property
    def positions(self) -> FloatArray:
        """Where each output samples the input (half-pixel centres): ``(output_length,)``."""
        return source_positions(self.matrix.shape[0], factor=self.factor)

    def taps(self, output: int) -> list[tuple[int, float]]:
        """The inputs output `output` reads, with their weights (non-zero only)."""
        row = self.matrix[output]
        return [(int(j), float(row[j])) for j in np.flatnonzero(row)]


def source_positions(output_length: int, *, factor: int) -> FloatArray:
    """``(o + 0.5) / factor - 0.5`` for each output ``o``: Keras's half-pixel sample points."""
    return (np.arange(output_length) + 0.5) / factor - 0.5


def interpolation_weights(
    input_length: int, *, factor: int, interpolation: str = "bilinear"
) -> InterpolationWeights:
    """The operator that upsamples an axis of `input_length` by `factor` with `interpolation`."""
    length = check_positive_int(input_length, "input_length")
    size = check_positive_int(factor, "factor")
    method = resample.check_interpolation(interpolation)
    impulses = np.eye(length)[None]  # one 1-D signal per channel: channel j is the impulse at j
    columns = resample.upsample(impulses, size=size, interpolation=method)
    return InterpolationWeights(method, size, np.asarray(columns[0], dtype=np.float64))
