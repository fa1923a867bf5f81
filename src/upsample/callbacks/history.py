"""`History`: the per-epoch logs `fit` returns."""

from __future__ import annotations

from typing import Any

from upsample.callbacks.callback import Callback, Logs


class History(Callback):
    """Records every epoch's logs; `fit` returns it.

    Attributes:
        history: ``{"loss": [epoch 0, epoch 1, ...], "val_loss": [...], ...}``.
        epoch: The indices of the epochs recorded, ``[0, 1, ...]``.
        params: ``{"verbose": ..., "epochs": ..., "steps": ...}`` of the run.
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[Any]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: Logs | None = None) -> None:
        # As Keras: `epoch` restarts with each fit, `history` keeps growing.
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        self.model.history = self
