"""What the CLI tests share besides fixtures."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Any

import pytest

from upsample.reports.callbacks import Timer

# Tiny runs: a few hundred images, one epoch: seconds, not minutes.
TINY = ["--data", "sample", "--limit", "200", "--epochs", "1"]

# The `run` fixture: run("train", ...) -> (exit code, stdout, stderr).
Run = Callable[..., tuple[int, str, str]]


def interrupt_at_batch(monkeypatch: pytest.MonkeyPatch, epoch: int, batch: int) -> None:
    """Ctrl-C during training, once: a KeyboardInterrupt at that batch of that epoch (0-based).

    Every run's `Timer` (autoencoder or GAN) sees the batches, so it is where the key is hit.
    """
    seen = {"epoch": -1, "interrupted": False}
    begin, end = Timer.on_epoch_begin, Timer.on_train_batch_end

    def on_epoch_begin(self: Any, index: int, logs: Any = None) -> None:
        seen["epoch"] = index
        begin(self, index, logs)

    def on_train_batch_end(self: Any, index: int, logs: Any = None) -> None:
        if (seen["epoch"], index) == (epoch, batch) and not seen["interrupted"]:
            seen["interrupted"] = True
            raise KeyboardInterrupt
        end(self, index, logs)

    monkeypatch.setattr(Timer, "on_epoch_begin", on_epoch_begin)
    monkeypatch.setattr(Timer, "on_train_batch_end", on_train_batch_end)


def carry_on(err: str) -> list[str]:
    """The arguments of the command that the interrupt message says carries the run on."""
    (hint,) = [line for line in err.splitlines() if "To carry on: " in line]
    command = shlex.split(hint.split("To carry on: ", 1)[1])
    assert command[0] == "upsample"
    return command[1:]
