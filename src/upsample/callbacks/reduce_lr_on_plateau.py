"""`ReduceLROnPlateau`: divide the learning rate when progress stalls."""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np

from upsample.callbacks.callback import Logs
from upsample.callbacks.monitor_callback import MonitorCallback
from upsample.utils.progbar import print_msg


class ReduceLROnPlateau(MonitorCallback):
    """Multiply the learning rate by `factor` after `patience` epochs without improvement.

    Every epoch's logs also get ``"learning_rate"`` (the rate used during that
    epoch), so `History` and the progress bar show it, as in Keras 3.

    Args:
        monitor: Quantity to be monitored.
        factor: ``new_lr = lr * factor``; must be below 1.
        patience: Epochs without improvement before reducing.
        verbose: 1 prints every reduction.
        mode: ``"auto"``, ``"min"`` or ``"max"`` (see `MonitorCallback`).
        min_delta: Minimum change that counts as an improvement.
        cooldown: Epochs to wait after a reduction before counting again.
        min_lr: Lower bound on the learning rate.
    """

    _missing_monitor_message: ClassVar[str] = (
        "Learning rate reduction is conditioned on metric `{monitor}` which is not "
        "available. Available metrics are: {available}."
    )

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(
                f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}"
            )
        if kwargs:
            # Keras accepts and ignores these (e.g. Keras 2's `epsilon`): say so.
            warnings.warn(
                f"ReduceLROnPlateau ignores the arguments {sorted(kwargs)}.",
                UserWarning,
                stacklevel=2,
            )
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self) -> None:
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._reset()

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        # In place (as Keras, even a new dict for empty logs): the callbacks
        # after this one (History, the progress bar) see the key.
        logs = logs or {}
        logs["learning_rate"] = self._learning_rate()
        current = self.get_monitor_value(logs)
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience and self._reduce_lr(epoch):
                self.cooldown_counter = self.cooldown
                self.wait = 0

    def _learning_rate(self) -> float:
        # Keras holds the rate in a float32 variable: 0.001 reads (and is
        # logged and printed) as 0.0010000000474974513 whatever the optimizer
        # stores, and a rate already at `min_lr` is not "reduced" to itself.
        # `asarray` also reads an optimizer's learning-rate variable.
        return float(np.asarray(self.model.optimizer.learning_rate, dtype=np.float32))

    def _reduce_lr(self, epoch: int) -> bool:
        old_lr = self._learning_rate()
        if old_lr <= np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        self.model.optimizer.learning_rate = new_lr
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
        return True
