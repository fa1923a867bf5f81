"""The options `train` and `compare` share, and the training settings they resolve to."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from upsample import zoo
from upsample.cli import engines
from upsample.cli.common import fraction, non_negative_int, positive_float, positive_int
from upsample.cli.data import DATA_HELP, data_option

# Where `_Given` notes the options given on the command line (not defaulted).
_GIVEN = "given_options"


class _Given(argparse.Action):
    """Store the value, and note that the option was given: `--resume` keeps the run's others."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, values)
        setattr(namespace, _GIVEN, {*getattr(namespace, _GIVEN, ()), self.dest})


def given(args: argparse.Namespace) -> set[str]:
    """The destinations of the training options given on the command line."""
    return set(getattr(args, _GIVEN, ()))


@dataclass(frozen=True)
class Settings:
    """How to train, resolved from the command line and the zoo's seed defaults."""

    epochs: int
    batch_size: int
    validation_split: float
    learning_rate: float | None
    seed: int
    engine: str


def settings_from(args: argparse.Namespace, entry: zoo.ZooModel) -> Settings:
    return Settings(
        epochs=args.epochs,
        batch_size=args.batch_size or entry.batch_size,
        validation_split=args.validation_split,
        learning_rate=args.learning_rate,
        seed=args.seed,
        engine=engines.chosen(args),
    )


def add_training_options(
    parser: argparse.ArgumentParser, *, epochs: int, data_default: str
) -> None:
    """The options `train` and `compare` share."""
    parser.add_argument(
        "--epochs", action=_Given, type=positive_int, default=epochs, help="epochs to train in all"
    )
    parser.add_argument(
        "--batch-size",
        action=_Given,
        type=positive_int,
        metavar="N",
        help="images per gradient step (default: the seed's: ae-upsampling 25, ae-transpose "
        "1000; 64 for the generators, as Keras's MNIST DCGAN example)",
    )
    parser.add_argument(
        "--validation-split",
        action=_Given,
        type=fraction,
        default=0.2,
        metavar="F",
        help="hold out the last fraction F of the images for validation; 0 for none",
    )
    parser.add_argument(
        "--learning-rate",
        action=_Given,
        type=positive_float,
        metavar="LR",
        help="Adam's learning rate (default: the seed's, 0.001; DCGAN's 0.0002 for the "
        "generators, both networks)",
    )
    parser.add_argument(
        "--seed",
        action=_Given,
        type=non_negative_int,
        default=0,
        help="random seed (weights, shuffling)",
    )
    engines.add_engine_option(parser, default="numpy", action=_Given)
    parser.add_argument(
        "--data",
        action=_Given,
        type=data_option,
        default=data_default,
        metavar="{auto,sample,PATH}",
        help=DATA_HELP,
    )
    parser.add_argument(
        "--limit",
        action=_Given,
        type=positive_int,
        metavar="N",
        help="use only the first N training images (default: all)",
    )


def options_record(args: argparse.Namespace) -> dict[str, Any]:
    """Every command-line option, as given or defaulted (paths as strings)."""
    return {
        key: str(value) if isinstance(value, Path) else value
        for key, value in vars(args).items()
        if key not in ("run", "command", _GIVEN)
    }
