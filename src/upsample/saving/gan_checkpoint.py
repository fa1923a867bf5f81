"""A GAN checkpoint: a folder from which `fit` resumes exactly where it stopped.

::

    generator.keras       the generator, compiled, with its optimizer's state (Keras 3's format)
    discriminator.keras   the discriminator, likewise
    gan.json              latent_dim, label noise, epoch and step counters, random states

Each network is an ordinary ``.keras`` file that Keras 3 loads too.  The
folder is written beside its destination and swapped in by renames, so an
interrupted save leaves the previous checkpoint whole: at `folder`, or, if the
interruption fell between the two renames, at ``<folder>.previous``, which
`load_gan` reads when `folder` is missing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from upsample.models.gan import GAN
from upsample.reports.files import read_json, write_json
from upsample.saving.keras_file import load_model

GENERATOR_FILE = "generator.keras"
DISCRIMINATOR_FILE = "discriminator.keras"
STATE_FILE = "gan.json"
FORMAT = 1


def save_gan(gan: GAN, folder: str | os.PathLike[str]) -> None:
    """Write `gan` to the checkpoint folder `folder` (replacing any checkpoint there)."""
    if gan.loss_fn is None:
        raise ValueError("Compile the GAN before saving it: a checkpoint holds its optimizers.")
    target = Path(folder)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        gan.generator.save(staging / GENERATOR_FILE)
        gan.discriminator.save(staging / DISCRIMINATOR_FILE)
        write_json(staging / STATE_FILE, _state(gan))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    previous = _previous(target)
    if target.exists():
        shutil.rmtree(previous, ignore_errors=True)
        os.replace(target, previous)
    os.replace(staging, target)
    shutil.rmtree(previous, ignore_errors=True)


def load_gan(folder: str | os.PathLike[str]) -> GAN:
    """The compiled GAN saved in `folder`, ready to resume from ``gan.completed_epochs``."""
    target = Path(folder)
    if not (target / STATE_FILE).is_file() and (_previous(target) / STATE_FILE).is_file():
        target = _previous(target)
    if not (target / STATE_FILE).is_file():
        raise ValueError(f"No GAN checkpoint at {folder}: it has no {STATE_FILE}.")
    state = read_json(target / STATE_FILE)
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(
            f"{target / STATE_FILE} is not a GAN checkpoint of format {FORMAT}. "
            f"Received: format={state.get('format') if isinstance(state, dict) else None!r}"
        )
    discriminator = load_model(target / DISCRIMINATOR_FILE)
    generator = load_model(target / GENERATOR_FILE)
    # seed=0 only avoids drawing from the global generator: the saved state replaces it.
    gan = GAN(discriminator, generator, state["latent_dim"], seed=0, name=state["name"])
    gan.compile(
        d_optimizer=discriminator.optimizer,
        g_optimizer=generator.optimizer,
        loss_fn=discriminator.loss,
        label_noise=state["label_noise"],
    )
    gan._set_random_state(state["random"])
    gan.completed_epochs = int(state["completed_epochs"])
    gan.steps = int(state["steps"])
    return gan


def _state(gan: GAN) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "name": gan.name,
        "latent_dim": gan.latent_dim,
        "label_noise": gan.label_noise,
        "completed_epochs": gan.completed_epochs,
        "steps": gan.steps,
        "random": gan._random_state(),
    }


def _previous(target: Path) -> Path:
    return target.with_name(f"{target.name}.previous")
