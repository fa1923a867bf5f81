"""`upsample summary MODEL`: a zoo model's layers and parameters, and its seed's settings."""

from __future__ import annotations

import argparse
from typing import Any

from upsample import zoo
from upsample.cli import common
from upsample.utils import clear_session

EPILOG = """\
examples:
  upsample summary ae-upsampling
  upsample summary generator-transpose
  upsample summary ae-transpose --quiet      only the number of parameters
"""


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "summary",
        help="print a zoo model's summary",
        description="Print a zoo model's summary table (as Keras's model.summary()) and "
        "the settings its seed trains it with.",
        epilog=EPILOG,
        formatter_class=common.HelpFormatter,
    )
    parser.add_argument(
        "model",
        metavar="MODEL",
        type=common.model_name(),
        help=f"one of: {', '.join(zoo.names())}",
    )
    parser.add_argument(
        "--quiet", "-q", action="store_true", help="print only the number of parameters"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    entry = zoo.get(args.model)
    clear_session()  # layer names as in a fresh Keras session: conv2d, conv2d_1, ...
    model = entry.build()
    if args.quiet:
        print(model.count_params())
        return 0
    print(f"{entry.name}: {entry.description} (seed {entry.seed})")
    print(training_line(entry))
    model.summary()
    return 0


def training_line(entry: zoo.ZooModel) -> str:
    """How the seed trains the model, in one line."""
    config = entry.optimizer_instance().get_config()
    adam = f"{entry.optimizer['class_name']} (learning rate {config['learning_rate']:g}, "
    adam += f"beta_1 {config['beta_1']:g})"
    if entry.epochs is None:
        return (
            f"Seed {entry.seed} does not train it; upsample trains the 28x28 generators as GANs "
            f"with batch size {entry.batch_size}, DCGAN's {adam}, {entry.loss.replace('_', ' ')}."
        )
    return (
        f"Seed {entry.seed} trains it for {entry.epochs} epochs, batch size "
        f"{entry.batch_size}, {adam}, {entry.loss.replace('_', ' ')}."
    )
