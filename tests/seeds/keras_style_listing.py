"""A seed listing written in the ``import keras`` style, and how to run it on either side.

`keras_style/004_autoencoder_keras_style.txt` is seed 004's autoencoder with one
``import keras`` and every name reached through it; `port` replaces that line
with ``import upsample as keras`` and changes nothing else.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from unittest import mock

from upsample.utils import clear_session

# Summaries are as wide as this many columns on both sides.
COLUMNS = 100
LISTING = Path(__file__).parent / "keras_style" / "004_autoencoder_keras_style.txt"
# What the tests look at after a run (see support.keras_side_models.run_listing).
KEEP = ("model", "reconstructions", "functional_reconstructions")
# The seed trains 25 epochs on MNIST; scaled down: 200 stand-in images, one epoch.
SCALE: dict[str, Any] = {"train": 200, "test": 8, "seed": 3, "fit": {"epochs": 1, "shuffle": False}}


def text() -> str:
    return LISTING.read_text(encoding="utf-8")


def port(source: str) -> str:
    """`source` with its one ``import keras`` line replaced, and nothing else."""
    lines = source.split("\n")
    assert lines.count("import keras") == 1
    return "\n".join(
        "import upsample as keras" if line == "import keras" else line for line in lines
    )


def run_ours(scale: dict[str, Any]) -> dict[str, Any]:
    """The ported listing, run by `run_listing` (whose own porting leaves it unchanged),
    with fresh automatic names and summaries COLUMNS wide, as on Keras's side."""
    from support.keras_side_models import run_listing

    clear_session()
    try:
        with mock.patch.dict(os.environ, {"COLUMNS": str(COLUMNS)}):
            return run_listing([port(text())], "upsample", scale, list(KEEP))
    finally:
        clear_session()
