"""`upsample train MODEL`: train a zoo autoencoder on MNIST into a run folder."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from upsample import zoo
from upsample.cli import common, data, options, training

DESCRIPTION = """\
Train a zoo autoencoder on MNIST (images scaled to [0, 1], the image as its own
target), with the seed's loss, optimizer and batch size unless told otherwise,
and write a run folder.
"""
# Both autoencoder seeds train for 25 epochs.
SEED_EPOCHS = 25
EPILOG = """\
examples:
  upsample train ae-transpose
      seed 004's run: 25 epochs on MNIST, batch size 1000
  upsample train ae-upsampling --data sample --limit 3000 --epochs 2
      a quick look, offline
  upsample train ae-transpose --epochs 5 --output runs/transpose
  upsample train ae-transpose --epochs 10 --output runs/transpose --resume
      carry the same run on to epoch 10

The run folder gets config.json, history.json, history.csv, model.keras,
summary.txt, loss.png, reconstructions.png and result.json.
"""


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "train",
        help="train a zoo autoencoder on MNIST",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=common.HelpFormatter,
    )
    parser.add_argument(
        "model",
        metavar="MODEL",
        type=common.model_name("autoencoder"),
        help=f"the autoencoder to train: {', '.join(zoo.names('autoencoder'))}",
    )
    options.add_training_options(parser, epochs=SEED_EPOCHS, data_default="auto")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --output DIR from its saved model, up to --epochs in all "
        "(give it the same data options)",
    )
    common.add_output_options(parser, "runs/MODEL-YYYYmmdd-HHMMSS")
    common.add_quiet(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    console = common.Console(args.quiet)
    entry = zoo.get(args.model)
    previous = None
    if args.resume:
        if args.output is None:
            raise common.UsageError(
                "--resume needs --output DIR, the folder of the run to continue"
            )
        folder: Path = args.output
        previous = training.previous_history(folder, entry, args.epochs)
    else:
        folder = common.output_folder(
            args.output or Path("runs") / f"{entry.name}-{common.timestamp()}",
            overwrite=args.overwrite,
        )
    digits = data.load_digits(args.data, args.limit, args.validation_split, console)
    try:
        result = training.train_run(
            entry,
            digits,
            options.settings_from(args, entry),
            folder,
            console,
            config={"command": "train", "options": options.options_record(args)},
            previous=previous,
        )
    except KeyboardInterrupt:
        # The model and history are saved after every epoch: say how to carry on.
        if (folder / training.MODEL_FILE).is_file():
            console.note(
                f"Interrupted. To carry on: upsample train {entry.name} --output {folder} "
                f"--epochs {args.epochs} --resume"
            )
        raise
    val = result.final("val_loss")
    console.say(
        f"{entry.name}: loss {result.final('loss'):.4f}"
        + (f", val_loss {val:.4f}" if val is not None else "")
        + f" after {len(result.history['loss'])} epoch(s), {result.seconds:.1f} s"
    )
    console.say(f"Wrote {folder}/: model.keras, history.json, loss.png, reconstructions.png, ...")
    return 0
