"""How close an autoencoder's reconstructions are to its inputs: BCE, MSE and PSNR.

For images in [0, 1] (MNIST scaled as the seeds scale it), over a whole test set:

* ``bce``: the binary cross-entropy per pixel, as the seeds' training loss
  computes it (Keras's, with predictions clipped to ``[1e-7, 1 - 1e-7]``);
* ``mse``: the mean squared error per pixel;
* ``psnr``: the peak signal-to-noise ratio of that MSE, ``10 log10(1 / mse)``
  in decibels (the peak value is 1), the dataset-level PSNR (not a mean of
  per-image PSNRs, which would weigh the easiest images most); infinite for a
  perfect reconstruction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from upsample.losses.crossentropy import binary_crossentropy


@dataclass(frozen=True)
class ReconstructionScores:
    """Test-set BCE and MSE per pixel, and the PSNR in dB of the MSE."""

    bce: float
    mse: float
    psnr: float


def psnr(mse: float, *, peak: float = 1.0) -> float:
    """``10 log10(peak**2 / mse)`` in decibels; `inf` for an MSE of 0."""
    if not (isinstance(mse, int | float) and math.isfinite(mse) and mse >= 0):
        raise ValueError(f"The `mse` must be a finite number >= 0. Received: mse={mse!r}")
    if not (isinstance(peak, int | float) and math.isfinite(peak) and peak > 0):
        raise ValueError(f"The `peak` must be a finite number > 0. Received: peak={peak!r}")
    return math.inf if mse == 0 else 10 * math.log10(peak**2 / mse)


def reconstruction_scores(targets: Any, outputs: Any) -> ReconstructionScores:
    """The scores of `outputs` against `targets`, two arrays of one shape with values in [0, 1]."""
    target = np.asarray(targets)
    output = np.asarray(outputs)
    if target.shape != output.shape or target.size == 0:
        raise ValueError(
            "The `targets` and `outputs` must be non-empty arrays of one shape. Received: "
            f"targets.shape={target.shape}, outputs.shape={output.shape}"
        )
    for name, array in (("targets", target), ("outputs", output)):
        if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
            raise ValueError(f"The `{name}` must hold finite values in [0, 1].")
    flat_target = target.reshape(len(target), -1).astype(np.float32)
    flat_output = output.reshape(len(output), -1).astype(np.float32)
    bce = float(np.mean(binary_crossentropy(flat_target, flat_output), dtype=np.float64))
    mse = float(np.mean((flat_target.astype(np.float64) - flat_output) ** 2))
    return ReconstructionScores(bce=bce, mse=mse, psnr=psnr(mse))
