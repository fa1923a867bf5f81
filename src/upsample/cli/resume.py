"""`train --resume`: carry a run folder on, on the very images it was trained on.

A run folder records its options and a digest of its training images in
``config.json``.  Resuming takes the data options (`--data`, `--limit`,
`--validation-split`) from there and refuses different ones, since they would
move images between training and validation; the batch size and seed are the
run's unless given.  The loaded images must have the recorded digest.
"""

from __future__ import annotations

import argparse
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from upsample import zoo
from upsample.cli.common import Console, UsageError
from upsample.cli.data import Digits
from upsample.cli.gan_training import CHECKPOINT
from upsample.cli.options import given
from upsample.cli.training import CONFIG_FILE, HISTORY_FILE, MODEL_FILE
from upsample.reports.files import read_json

# A run's images: fixed for its life, so resuming takes them from the run or refuses others.
DATA_OPTIONS = ("data", "limit", "validation_split")
# How it trains: the run's unless given again.
TRAINING_OPTIONS = ("batch_size", "seed", "engine")


@dataclass(frozen=True)
class PreviousRun:
    """What a run folder says about the run that `--resume` continues."""

    folder: Path
    history: dict[str, list[float]]
    options: dict[str, Any]  # the command-line options it was started (or last resumed) with
    data: dict[str, Any]  # where its images came from, and their digest


def saved_state(folder: Path, entry: zoo.ZooModel) -> Path:
    """Where a run of `entry` in `folder` keeps what it resumes from: a model, or a GAN
    checkpoint folder."""
    return folder / (CHECKPOINT if entry.task == "generator" else MODEL_FILE)


def read_run(folder: Path, entry: zoo.ZooModel, epochs: int) -> PreviousRun:
    """The run in `folder`, which `--resume` carries on up to `epochs` epochs in all.

    A `UsageError` if there is no such run, it is of another model, or it
    already has `epochs` epochs.
    """
    saved = saved_state(folder, entry)
    if not saved.exists():
        raise UsageError(f"--resume: there is no saved model {saved}")
    config = _read_record(folder / CONFIG_FILE)
    trained = config.get("model")
    if trained != entry.name:
        raise UsageError(f"--resume: {folder} holds a run of {trained}, not of {entry.name}")
    options = config.get("options")
    if not isinstance(options, dict) or any(name not in options for name in DATA_OPTIONS):
        raise UsageError(
            f"--resume: {folder / CONFIG_FILE} does not record the run's data options "
            f"({', '.join(_flag(name) for name in DATA_OPTIONS)}), so the run cannot be carried "
            "on with the same images"
        )
    history = _read_record(folder / HISTORY_FILE)
    done = max((len(v) for v in history.values() if isinstance(v, list)), default=0)
    if done >= epochs:
        raise UsageError(
            f"--resume: {folder} already has {done} epoch(s); --epochs {epochs} is the total "
            "to reach, so ask for more"
        )
    return PreviousRun(
        folder=folder,
        history={str(key): [float(v) for v in values] for key, values in history.items()},
        options=options,
        data=dict(config.get("data") or {}),
    )


def _read_record(path: Path) -> dict[str, Any]:
    try:
        record = read_json(path)
    except (OSError, ValueError) as error:
        raise UsageError(f"--resume: {path} is missing or unreadable ({error})") from None
    if not isinstance(record, dict):
        raise UsageError(f"--resume: {path} is not a run record (a JSON object)")
    return record


def adopt_options(args: argparse.Namespace, run: PreviousRun, console: Console) -> None:
    """Give `args` the run's data options (refusing others) and its unchanged training options."""
    chosen = given(args)
    for name in DATA_OPTIONS:
        recorded = run.options.get(name)
        if name in chosen and getattr(args, name) != recorded:
            raise UsageError(
                f"--resume: {run.folder} was trained with {_described(name, recorded)}; "
                f"{_described(name, getattr(args, name))} would train it on other images. "
                f"Leave {_flag(name)} out to use the run's, or start a new run"
            )
        setattr(args, name, recorded)
    for name in TRAINING_OPTIONS:
        # An option newer than the run's record: the run had its default.
        recorded = run.options.get(name, getattr(args, name))
        if name not in chosen:
            setattr(args, name, recorded)
        elif getattr(args, name) != recorded:
            console.note(
                f"Resuming with {_described(name, getattr(args, name))} (the run had "
                f"{_described(name, recorded)})"
            )


def data_source(run: PreviousRun) -> tuple[str, bool]:
    """What `load_digits` loads to get the run's images, and whether the sample may stand in.

    With --data auto, the source the run actually used: the sample if it fell
    back to it, otherwise all of MNIST and never the sample.
    """
    option = str(run.options.get("data", "auto"))
    if option != "auto":
        return option, True
    if run.data.get("source") == "sample":
        return "sample", True
    return "auto", False


def check_same_images(run: PreviousRun, digits: Digits) -> None:
    """Refuse images other than those the run trained on (a file changed, another source)."""
    recorded = run.data.get("images_sha256")
    if recorded is not None and recorded != digits.sha256:
        raise UsageError(
            f"--resume: these {len(digits.train):,} images from {digits.source.location} are "
            f"not those {run.folder} was trained on ({run.data.get('description')}); start a "
            "new run to train on them"
        )


def command(entry: zoo.ZooModel, folder: Path, args: argparse.Namespace) -> str:
    """The full command that carries the run in `folder` on (every option that matters)."""
    argv = ["upsample", "train", entry.name, "--output", str(folder), "--resume"]
    argv += ["--epochs", str(args.epochs), "--data", str(args.data)]
    if args.limit is not None:
        argv += ["--limit", str(args.limit)]
    if entry.task != "generator":  # a GAN trains on every image
        argv += ["--validation-split", str(args.validation_split)]
    if args.batch_size is not None:
        argv += ["--batch-size", str(args.batch_size)]
    argv += ["--seed", str(args.seed)]
    if args.engine != "numpy":
        argv += ["--engine", args.engine]
    if args.learning_rate is not None:
        argv += ["--learning-rate", str(args.learning_rate)]
    return shlex.join(argv)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _described(name: str, value: Any) -> str:
    return f"no {_flag(name)}" if value is None else f"{_flag(name)} {value}"
