"""A training step on a large batch, split into one piece per core, the pieces run at once.

Inside one op, the kernels already spread a large batch over the cores; but
every op then ends by waiting for its slowest thread, and what the kernels do
not split (activations, their derivatives, the loss) runs on one core.  A
whole forward and backward pass per core, each on its own piece of the batch,
keeps both cores busy from the first layer to the last: measured here on seed
004's autoencoder at batch 1000, 540 samples/s instead of 416.  Small batches
do not gain (the per-op Python work, which holds the GIL, dominates): seed
000's at batch 25 drops from 1,725 to 1,268 samples/s in pieces, so a batch is
split only when each piece holds at least `tuning.MIN_PIECE_BYTES` of activations.

The result is the same step: a ``sum_over_batch_size`` loss over the batch is
the sum over pieces of each piece's loss scaled by its share of the batch, and
so is its gradient, so the weight gradients are the per-piece gradients summed
(in a fixed order: the same every run).  Only float rounding differs from one
pass over the whole batch.  A model qualifies only when every layer declares
that each sample's outputs depend on that sample alone
(`Layer.samples_independent`: the built-in layers but BatchNormalization and
Dropout do, a user's layer only if it says so) and every loss reduces by
``sum_over_batch_size`` without a mask.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from upsample import runtime
from upsample.runtime import tuning

Array = np.ndarray


class PieceResult(NamedTuple):
    """What a training step's forward and backward pass give, for a batch or a piece of it."""

    loss: float  # a piece's: its share of the batch loss
    per_output: list[float]
    predictions: list[Array]
    weight_grads: list[Array]


def piece_slices(batch: int, bytes_per_sample: int, workers: int) -> list[slice] | None:
    """One piece per worker when each is worth it (see the module's docstring), else None."""
    if bytes_per_sample <= 0:
        return None
    # Never more pieces than samples: an empty piece's mean loss is NaN.
    count = min(workers, batch, batch * bytes_per_sample // tuning.MIN_PIECE_BYTES)
    if count < 2:
        return None
    bounds = [batch * i // count for i in range(count + 1)]
    return [slice(lo, hi) for lo, hi in itertools.pairwise(bounds)]


def losses_decompose(losses: list[Any]) -> bool:
    """Whether every loss is a mean over the batch that pieces can share out."""
    return all(
        getattr(loss, "reduction", None) == "sum_over_batch_size"
        and getattr(loss, "ignore_class", None) is None
        for loss in losses
    )


def train_in_pieces(
    step: Callable[[slice, float], PieceResult], pieces: list[slice], batch: int
) -> PieceResult:
    """Run ``step(piece, share)`` on every piece of a batch of `batch` samples, one per core,
    and combine the results into what one pass over the whole batch gives."""
    results = runtime.map_chunks(
        lambda piece: step(piece, (piece.stop - piece.start) / batch), pieces
    )
    weight_grads = list(results[0].weight_grads)
    for result in results[1:]:
        for i, g in enumerate(result.weight_grads):
            weight_grads[i] = weight_grads[i] + g
    per_output = [sum(values) for values in zip(*(r.per_output for r in results), strict=True)]
    predictions = [
        np.concatenate(parts) for parts in zip(*(r.predictions for r in results), strict=True)
    ]
    return PieceResult(sum(r.loss for r in results), per_output, predictions, weight_grads)
