"""`TerminateOnDivergence`: stop a GAN whose training has failed, and say when and why.

Three failures are detected, step by step (`TerminateOnNaN` in spirit):

- a loss that is NaN or infinite;
- a discriminator that has won: its loss at or below `min_d_loss` for
  `patience` steps in a row.  The generator then gets no useful gradient and
  the run only wastes time.  With the DCGAN example's label noise (labels
  ``1 + 0.05 u`` and ``0.05 u``) the cross-entropy of a saturated
  discriminator averages about 0 and can go below it, which is why the test
  is "at or below a small number", not "equal to 0".  A balanced GAN sits near
  ``log 2 ~ 0.69`` (Goodfellow et al., 2014).
- a discriminator that has died: the generator's loss at or below
  `min_g_loss` for `patience` steps in a row, i.e. every generated image
  taken for real, step after step.  A discriminator that still learns
  answers within a few steps; one whose sigmoid saturated (a too large
  learning rate does it) gets no gradient through Keras's clipped
  cross-entropy and never answers again.

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
    """Stop training at a non-finite loss, or a discriminator or generator loss stuck near 0.

    Args:
        patience: Consecutive steps with ``d_loss <= min_d_loss`` (or
            ``g_loss <= min_g_loss``) that count as stuck.
        min_d_loss: The discriminator loss at or below which a step counts.
        min_g_loss: The generator loss at or below which a step counts.
        raise_error: Raise `DivergenceError` at once instead of setting
            ``model.stop_training``.

    Attributes:
        divergence: The `Divergence` found in the last `fit`, or None. It is
            also set as ``model.divergence``.
    """

    def __init__(
        self,
        patience: int = 100,
        min_d_loss: float = 0.05,
        raise_error: bool = False,
        min_g_loss: float = 0.05,
    ) -> None:
        super().__init__()
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"`patience` must be a positive int. Received: patience={patience!r}")
        for name, value in (("min_d_loss", min_d_loss), ("min_g_loss", min_g_loss)):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"`{name}` must be a number. Received: {name}={value!r}")
        self.patience = patience
        self.min_d_loss = float(min_d_loss)
        self.min_g_loss = float(min_g_loss)
        self.raise_error = raise_error
        self.divergence: Divergence | None = None
        self._epoch = 0
        self._stuck = {"d_loss": 0, "g_loss": 0}

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.divergence = None
        self._stuck = {"d_loss": 0, "g_loss": 0}

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
            for key, least, verdict in (
                ("d_loss", self.min_d_loss, "the discriminator has won"),
                ("g_loss", self.min_g_loss, "the discriminator takes every fake for real"),
            ):
                low = key in losses and losses[key] <= least
                self._stuck[key] = self._stuck[key] + 1 if low else 0
                if self._stuck[key] >= self.patience and reason is None:
                    reason = f"{key} <= {least:g} for {self._stuck[key]} steps in a row: {verdict}"
        if reason is None:
            return
        self.divergence = Divergence(self._epoch, batch, reason)
        self.model.divergence = self.divergence
        if self.raise_error:
            raise DivergenceError(self.divergence)
        print_msg(self.divergence.describe() + " Stopping.")
        self.model.stop_training = True
