"""`upsample compare`: train models that differ only in how they upsample, and report.

The command's options are shared by its tasks; each task is a module that
trains its models and writes the report (`TASKS`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from types import ModuleType
from typing import Any

from upsample.cli import common, compare_autoencoders, compare_generators, engines
from upsample.cli.data import DATA_HELP, data_option

# ------------------------------------------------------------------ the seam for tasks
# A task is a module with
#   resolve_models(text: str | None) -> list     the models --models names (None: the
#                                                task's default), or a common.UsageError
#                                                naming --models, raised before any work;
#   run(args, models, console, folder) -> int    train them with the options below
#                                                (--steps/--epochs, --batch-size, ...,
#                                                each None when not given) and write the
#                                                report into `folder` (checked, created);
#   DEFAULT_OUTPUT: str                          that folder when --output is not given;
#   OPTIONS_NOT_TAKEN: dict[str, str]            the options above (by dest) it refuses,
#                                                each with the reason said to the user.
# Adding it here makes it `--task NAME` (the first entry is the default); its
# models and defaults belong in DESCRIPTION below.
TASKS: dict[str, ModuleType] = {
    "autoencoder": compare_autoencoders,
    "generator": compare_generators,
}
# ---------------------------------------------------------------------------------------

DEFAULT_DATA = "sample"

DESCRIPTION = f"""\
A fair experiment on the seeds' question -- which way of upsampling is better? --
with everything but the upsampling held fixed.

--task autoencoder (the default): six MNIST autoencoders with one encoder and
bottleneck (28x28 -> 7x7x8 = 392 values, fewer than the 784 pixels), identical
at initialisation, and decoders that upsample 7 -> 14 -> 28 with the same channel
widths, differing only in the upsampling layer; each is trained on the same
images in the same order with the same batch size, optimizer (Adam), number of
steps and seed.  The report (report.html, self-contained, and report.md) gives
per model: parameters, test-set BCE, MSE and PSNR, the checkerboard and border
measures of upsample.analysis, time and samples/s; the test loss against steps
and against seconds; reconstructions side by side; the mean output spectrum; and
the response to a flat input at initialisation and after training.  Besides
the upsampling, the decoders differ in their number of weights (the report lists
them and says why).

Measured with the defaults (bundled sample, {compare_autoencoders.DEFAULT_STEPS:,} steps of \
{compare_autoencoders.DEFAULT_BATCH_SIZE} images per model):
{compare_autoencoders.MEASURED_TIME}.

{compare_autoencoders.MODELS_HELP}

{compare_generators.DESCRIPTION}
"""
EPILOG = """\
examples:
  upsample compare
      the six decoders, into ./report
  upsample compare --models nearest+conv,transpose-k3s2 --steps 3000 -o two
      two of them, trained longer
  upsample compare --models seeds
      the seeds' own two autoencoders (confounded: see the report)
  upsample compare --data auto --epochs 5 -o report-full
      all of MNIST (downloaded once), five passes over its 60,000 images
  upsample compare --limit 500 --steps 20 -o /tmp/smoke
      a smoke test
  upsample compare --task generator
      the UpSampling2D and the Conv2DTranspose GAN generators, into ./report-generators
  upsample compare --task generator --models generator-sub-pixel-28 --epochs 1 -o sub
      one generator, one epoch
"""


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "compare",
        help="train models that differ only in their upsampling (autoencoders; GAN generators "
        "with --task generator) and report (start here)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=common.HelpFormatter,
    )
    parser.add_argument(
        "--task",
        choices=list(TASKS),
        default=next(iter(TASKS)),
        help="what the compared models do",
    )
    parser.add_argument(
        "--models",
        metavar="NAMES",
        help="comma-separated model names (see above), 'all' or 'seeds' (default: all; with "
        f"--task generator: {','.join(compare_generators.MODELS)})",
    )
    length = parser.add_mutually_exclusive_group()
    length.add_argument(
        "--steps",
        type=common.positive_int,
        metavar="N",
        help="optimizer steps per model "
        f"(default: {compare_autoencoders.DEFAULT_STEPS:,} for autoencoders; generators "
        "train whole epochs)",
    )
    length.add_argument(
        "--epochs",
        type=common.positive_int,
        metavar="E",
        help="train E passes over the training images instead (steps = E x batches per pass; "
        f"default: {compare_generators.DEFAULT_EPOCHS} for generators)",
    )
    parser.add_argument(
        "--batch-size",
        type=common.positive_int,
        metavar="N",
        help="images per step, the same for every model "
        f"(default: {compare_autoencoders.DEFAULT_BATCH_SIZE} for autoencoders, "
        f"{compare_generators.DEFAULT_BATCH_SIZE} for generators)",
    )
    parser.add_argument(
        "--learning-rate",
        type=common.positive_float,
        metavar="LR",
        help=f"Adam's learning rate (default: {compare_autoencoders.DEFAULT_LEARNING_RATE:g} for "
        "autoencoders, DCGAN's 0.0002 for generators, "
        "both networks)",
    )
    parser.add_argument(
        "--seed",
        type=common.non_negative_int,
        default=0,
        help="random seed (initial weights, order of the images)",
    )
    parser.add_argument(
        "--data",
        type=data_option,
        default=DEFAULT_DATA,
        metavar="{auto,sample,PATH}",
        help=DATA_HELP,
    )
    parser.add_argument(
        "--limit",
        type=common.positive_int,
        metavar="N",
        help="train on the first N training images only (default: all)",
    )
    engines.add_engine_option(parser, default=None)
    common.add_output_options(
        parser,
        f"{compare_autoencoders.DEFAULT_OUTPUT}, or {compare_generators.DEFAULT_OUTPUT} with "
        "--task generator",
    )
    common.add_quiet(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    task = TASKS[args.task]
    console = common.Console(args.quiet)
    for dest, reason in task.OPTIONS_NOT_TAKEN.items():
        if getattr(args, dest) is not None:
            option = "--" + dest.replace("_", "-")
            raise common.UsageError(f"{option} does not apply to --task {args.task}: {reason}")
    models = task.resolve_models(args.models)  # a UsageError before any work
    folder = common.output_folder(
        args.output or Path(task.DEFAULT_OUTPUT), overwrite=args.overwrite
    )
    code: int = task.run(args, models, console, folder)
    return code
