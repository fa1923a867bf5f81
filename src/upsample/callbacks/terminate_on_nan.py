"""`TerminateOnNaN`: stop at the first NaN or infinite batch loss."""

from __future__ import annotations

import math

from upsample.callbacks.callback import Callback, Logs
from upsample.utils.progbar import print_msg


class TerminateOnNaN(Callback):
    """Stop training when a batch's ``loss`` is NaN or infinite.

    Args:
        raise_error: Raise `RuntimeError` at once (skipping `on_train_end` of
            the other callbacks) instead of setting ``model.stop_training``.
    """

    def __init__(self, raise_error: bool = False) -> None:
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(loss):
            return
        if self.raise_error:
            raise RuntimeError(
                f"NaN or Inf loss encountered at batch {batch}. "
                f"Loss value: {loss}. Terminating training immediately."
            )
        print_msg(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True
