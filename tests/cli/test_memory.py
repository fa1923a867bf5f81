"""Out of memory in the command line: one line that says what to change, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cli.helpers import TINY, Run
from upsample import config
from upsample.models.trainer import Trainer

# ae-transpose's layer outputs per image, counted by hand (floats of 4 bytes):
# 26*26*32 + 24*24*16 + 22*22*8 + 24*24*8 + 26*26*16 + 28*28*32 + 28*28*1.
AE_TRANSPOSE_BYTES = 4 * (21632 + 9216 + 3872 + 4608 + 10816 + 25088 + 784)


@pytest.fixture
def room_for_50_images() -> Iterator[None]:
    config.set_memory_limit(50 * AE_TRANSPOSE_BYTES)
    yield
    config.set_memory_limit(None)


def last_line(err: str) -> str:
    lines = err.strip().split("\n")
    assert "Traceback" not in err
    return lines[-1]


def test_a_batch_size_that_cannot_fit(run: Run, room_for_50_images: None) -> None:
    code, _, err = run("train", "ae-transpose", *TINY, "--batch-size", "100", "-o", "run")
    assert code == 1
    line = last_line(err)
    assert line.startswith("upsample train: error: A batch of 100 samples: the outputs of the ")
    assert line.endswith(
        "At most 50 samples per batch fit: pass a smaller batch_size. Use --batch-size 50 or less."
    )


def test_numpy_running_out_of_memory_in_training(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    def allocation_fails(*args: Any, **kwargs: Any) -> None:
        raise MemoryError(
            "Unable to allocate 28.5 TiB for an array with shape (31360000000000,) and data "
            "type uint8"
        )

    monkeypatch.setattr(Trainer, "_train_step", allocation_fails)
    code, _, err = run("train", "ae-upsampling", *TINY, "-o", "run")
    assert code == 1
    assert last_line(err) == (
        "upsample train: error: out of memory (Unable to allocate 28.5 TiB for an array with "
        "shape (31360000000000,) and data type uint8). Try a smaller --batch-size."
    )
