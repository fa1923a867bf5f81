"""`upsample train MODEL`: train a zoo autoencoder on MNIST into a run folder."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from upsample import zoo
from upsample.cli import common, data, options, resume, training

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
      carry the same run on to epoch 10, on the same images
  upsample train ae-transpose --epochs 25 --output runs/transpose --resume --engine keras
      and on to epoch 25 with Keras 3 on every device it sees (pip install "upsample[keras]")

The run folder gets config.json, history.json, history.csv, model.keras,
summary.txt, loss.png, reconstructions.png and result.json. An interrupted run
(Ctrl-C, even in the first epoch) prints the command that carries it on.
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
        help="continue the run in --output DIR from its saved model, up to --epochs in all, "
        "on the same images (its --data, --limit and --validation-split; its --batch-size and "
        "--seed unless given)",
    )
    common.add_output_options(parser, "runs/MODEL-YYYYmmdd-HHMMSS")
    common.add_quiet(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    console = common.Console(args.quiet)
    entry = zoo.get(args.model)
    previous = None
    data_option, allow_sample = args.data, True
    if args.resume:
        if args.output is None:
            raise common.UsageError(
                "--resume needs --output DIR, the folder of the run to continue"
            )
        folder: Path = args.output
        previous = resume.read_run(folder, entry, args.epochs)
        resume.adopt_options(args, previous, console)
        data_option, allow_sample = resume.data_source(previous)
        common.check_writable(folder)
    else:
        folder = args.output or Path("runs") / f"{entry.name}-{common.timestamp()}"
        if (folder / training.MODEL_FILE).is_file() and not args.overwrite:
            raise common.UsageError(
                f"--output {folder} holds a run: carry it on with --resume, or pass "
                "--overwrite to replace it"
            )
        folder = common.output_folder(folder, overwrite=args.overwrite)
    digits = data.load_digits(
        data_option, args.limit, args.validation_split, console, allow_sample=allow_sample
    )
    if previous is not None:
        resume.check_same_images(previous, digits)
    try:
        result = training.train_run(
            entry,
            digits,
            options.settings_from(args, entry),
            folder,
            console,
            config={"command": "train", "options": options.options_record(args)},
            previous=None if previous is None else previous.history,
        )
    except KeyboardInterrupt:
        # The model and history are saved before training and after every epoch.
        if (folder / training.MODEL_FILE).is_file():
            console.note(f"Interrupted. To carry on: {resume.command(entry, folder, args)}")
        raise
    val = result.final("val_loss")
    console.say(
        f"{entry.name}: loss {result.final('loss'):.4f}"
        + (f", val_loss {val:.4f}" if val is not None else "")
        + f" after {len(result.history['loss'])} epoch(s), {result.seconds:.1f} s"
    )
    console.say(f"Wrote {folder}/: model.keras, history.json, loss.png, reconstructions.png, ...")
    return 0
