"""Measures of upsampling: overlap maps, DC gains, checkerboard and border scores.

Pure functions on arrays and on layers, each validated on inputs whose answer
is known (tests/analysis):

* geometry: `overlap_map` (how many input taps reach each output of a
  transposed convolution, per phase, and the imbalance), and the explainer's
  arithmetic (`conv_transpose_arithmetic`, `zero_inserted_input`,
  `scatter_map`, `interpolation_weights`);
* weights: `phase_dc_gains` and `dc_imbalance` (Sugawara et al.'s per-phase DC
  condition), `flat_response_imbalance` through a whole model;
* images: `phase_mean_imbalance`, `spectral_checkerboard`, `border_score`,
  `power_spectrum` and `azimuthal_spectrum`;
* at initialisation: `over_initializations` (Odena et al.: the checkerboard is
  there at step 0).
"""

from upsample.analysis.arithmetic import (
    TransposeAxis,
    conv_transpose_arithmetic,
    scatter_map,
    zero_inserted_input,
)
from upsample.analysis.border import BorderScore, border_means, border_score
from upsample.analysis.dc_gain import dc_imbalance, layer_phase_dc_gains, phase_dc_gains
from upsample.analysis.flat_response import flat_response, flat_response_imbalance
from upsample.analysis.initialization import (
    Spread,
    initializations,
    over_initializations,
    reinitialize,
    restored_weights,
)
from upsample.analysis.interpolation import (
    InterpolationWeights,
    interpolation_weights,
    source_positions,
)
from upsample.analysis.overlap import AxisOverlap, Overlap, layer_overlap, overlap_map
from upsample.analysis.phase_imbalance import phase_mean_imbalance, phase_means
from upsample.analysis.spectrum import (
    RadialSpectrum,
    SpectralPeaks,
    azimuthal_spectrum,
    power_spectrum,
    spectral_checkerboard,
)
from upsample.analysis.upsampling_layers import total_factor, upsampling_factors, upsampling_layers

__all__ = [
    "AxisOverlap",
    "BorderScore",
    "InterpolationWeights",
    "Overlap",
    "RadialSpectrum",
    "SpectralPeaks",
    "Spread",
    "TransposeAxis",
    "azimuthal_spectrum",
    "border_means",
    "border_score",
    "conv_transpose_arithmetic",
    "dc_imbalance",
    "flat_response",
    "flat_response_imbalance",
    "initializations",
    "interpolation_weights",
    "layer_overlap",
    "layer_phase_dc_gains",
    "over_initializations",
    "overlap_map",
    "phase_dc_gains",
    "phase_mean_imbalance",
    "phase_means",
    "power_spectrum",
    "reinitialize",
    "restored_weights",
    "scatter_map",
    "source_positions",
    "spectral_checkerboard",
    "total_factor",
    "upsampling_factors",
    "upsampling_layers",
    "zero_inserted_input",
]
