"""`TerminateOnDivergence`: stop a GAN whose training has failed, and say when and why.

Two failures are detected, step by step (`TerminateOnNaN` in spirit):

- a loss that is NaN or infinite;
- a discriminator that has won: its loss at or below `min_d_loss` for
  `patience` steps in a row.  The generator then gets no useful gradient and
  the run only wastes time.  With the DCGAN example's label noise (labels
  ``1 + 0.05 u`` and ``0.05 u``) the cross-entropy of a saturated
  discriminator averages about 0 and can go below it, which is why the test
  is "at or below a small number", not "equal to 0".  A balanced GAN sits near
  ``log 2 ~ 0.69`` (Goodfellow et al., 2014).

The model must expose its last step's losses as ``model.last_step`` (a
``{"d_loss": ..., "g_loss": ...}`` dictionary, as `upsample.models.GAN` does):
the batch logs hold running means, which hide a collapse that started late.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from upsample.callbacks.callback import Callback, Logs
from upsample.utils.progbar import print_msg


@dataclass(frozen=True)
class Divergence:
    """Where a GAN's training diverged: `epoch` and `step` are 0-based, as in the hooks."""

    epoch: int
    step: int
    reason: str

    def describe(self) -> str:
        return f"Epoch {self.epoch + 1}, step {self.step + 1}: the GAN diverged ({self.reason})."


class DivergenceError(RuntimeError):
    """Training diverged (raised by `TerminateOnDivergence(raise_error=True)`)."""

    def __init__(self, divergence: Divergence) -> None:
        super().__init__(divergence.describe())
        self.divergence = divergence


class TerminateOnDivergence(Callback):
    """Stop training at a non-finite loss or a discriminator loss stuck near 0.

    Args:
        patience: Consecutive steps with ``d_loss <= min_d_loss`` that count as stuck.
        min_d_loss: The discriminator loss at or below which a step counts.
        raise_error: Raise `DivergenceError` at once instead of setting
            ``model.stop_training``.

    Attributes:
        divergence: The `Divergence` found in the last `fit`, or None. It is
            also set as ``model.divergence``.
    """

    def __init__(
        self, patience: int = 100, min_d_loss: float = 0.05, raise_error: bool = False
    ) -> None:
        super().__init__()
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"`patience` must be a positive int. Received: patience={patience!r}")
        if isinstance(min_d_loss, bool) or not isinstance(min_d_loss, int | float):
            raise ValueError(f"`min_d_loss` must be a number. Received: min_d_loss={min_d_loss!r}")
        self.patience = patience
        self.min_d_loss = float(min_d_loss)
        self.raise_error = raise_error
        self.divergence: Divergence | None = None
        self._epoch = 0
        self._stuck = 0

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.divergence = None
        self._stuck = 0

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._epoch = epoch

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        losses = getattr(self.model, "last_step", None)
        if not isinstance(losses, dict) or "d_loss" not in losses:
            raise ValueError(
                "TerminateOnDivergence watches a GAN: the model must expose its last step's "
                "losses as `model.last_step` with a 'd_loss' entry."
            )
        reason = None
        bad = [f"{key} = {value}" for key, value in losses.items() if not math.isfinite(value)]
        if bad:
            reason = "non-finite loss: " + ", ".join(bad)
        else:
            self._stuck = self._stuck + 1 if losses["d_loss"] <= self.min_d_loss else 0
            if self._stuck >= self.patience:
                reason = (
                    f"d_loss <= {self.min_d_loss:g} for {self._stuck} steps in a row: "
                    "the discriminator has won"
                )
        if reason is None:
            return
        self.divergence = Divergence(self._epoch, batch, reason)
        self.model.divergence = self.divergence
        if self.raise_error:
            raise DivergenceError(self.divergence)
        print_msg(self.divergence.describe() + " Stopping.")
        self.model.stop_training = True
