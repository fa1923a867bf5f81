"""`upsample train MODEL`: train a zoo autoencoder, or a zoo generator as a GAN, on MNIST."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from upsample import zoo
from upsample.cli import common, data, engines, gan_training, options, resume, training

DESCRIPTION = """\
Train a zoo autoencoder on MNIST (images scaled to [0, 1], the image as its own
target), with the seed's loss, optimizer and batch size unless told otherwise,
and write a run folder.

Or train a 28x28 zoo generator as a GAN against its discriminator (the Keras
DCGAN example's train_step; DCGAN's Adam, learning rate 0.0002 and beta_1 0.5;
batch size 64), on every image (no validation split), scoring 1,000 samples
after every epoch with a digit classifier trained here: a Fréchet distance on
its features (not the published Inception FID: comparable only within this
tool), the number of digit classes drawn, the classifier's confidence and the
checkerboard measures.
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
  upsample train generator-transpose-28 --data sample --epochs 5 --output runs/gan
      a GAN on the bundled sample, samples and scores after each epoch

An autoencoder's run folder gets config.json, history.json, history.csv,
model.keras, summary.txt, loss.png, reconstructions.png and result.json; a
generator's gets config.json, history.json, history.csv, checkpoint/ (both
networks), summary.txt, samples/epoch-NNN.png, samples.gif, scores.png and
result.json. An interrupted run (Ctrl-C, even in the first epoch) prints the
command that carries it on. A GAN that diverges (a loss that is not finite, or
either network's loss near 0 for 100 steps in a row) stops and names the epoch
and step, with exit code 1.
Seed 001's 10x10 generators are not trained (see 'upsample summary').
"""


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "train",
        help="train a zoo autoencoder, or a generator as a GAN, on MNIST",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=common.HelpFormatter,
    )
    parser.add_argument(
        "model",
        metavar="MODEL",
        type=common.model_name(),
        help=f"the model to train: {', '.join(zoo.names())}",
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
    generator = entry.task == "generator"
    if generator:
        gan_training.check_trainable(entry)
        if engines.chosen(args) != "numpy":
            raise common.UsageError(
                f"--engine {args.engine} does not apply to {entry.name}: {engines.GAN_ENGINE}"
            )
        if "validation_split" in options.given(args):
            raise common.UsageError(
                f"--validation-split does not apply to {entry.name}: a GAN trains on every "
                "image and its samples are scored against the test images"
            )
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
        if resume.saved_state(folder, entry).exists() and not args.overwrite:
            raise common.UsageError(
                f"--output {folder} holds a run: carry it on with --resume, or pass "
                "--overwrite to replace it"
            )
        folder = common.output_folder(folder, overwrite=args.overwrite)
    split = 0.0 if generator else args.validation_split
    digits = data.load_digits(data_option, args.limit, split, console, allow_sample=allow_sample)
    if previous is not None:
        resume.check_same_images(previous, digits)
    job = _Job(
        entry,
        digits,
        args,
        folder,
        console,
        config={"command": "train", "options": options.options_record(args)},
        previous=None if previous is None else previous.history,
    )
    try:
        return _train_generator(job) if generator else _train_autoencoder(job)
    except KeyboardInterrupt:
        # The model (or checkpoint) and history are saved before training and after every epoch.
        if resume.saved_state(folder, entry).exists():
            console.note(f"Interrupted. To carry on: {resume.command(entry, folder, args)}")
        raise


@dataclass(frozen=True)
class _Job:
    """A training run to do: what, on what, where, and the history it carries on."""

    entry: zoo.ZooModel
    digits: data.Digits
    args: argparse.Namespace
    folder: Path
    console: common.Console
    config: dict[str, Any]
    previous: dict[str, list[float]] | None


def _train_autoencoder(job: _Job) -> int:
    entry, console = job.entry, job.console
    result = training.train_run(
        entry,
        job.digits,
        options.settings_from(job.args, entry),
        job.folder,
        console,
        config=job.config,
        previous=job.previous,
    )
    val = result.final("val_loss")
    console.say(
        f"{entry.name}: loss {result.final('loss'):.4f}"
        + (f", val_loss {val:.4f}" if val is not None else "")
        + f" after {len(result.history['loss'])} epoch(s), {result.seconds:.1f} s"
    )
    console.say(
        f"Wrote {job.folder}/: model.keras, history.json, loss.png, reconstructions.png, ..."
    )
    return 0


def _train_generator(job: _Job) -> int:
    entry, console = job.entry, job.console
    judge = gan_training.prepare_judge(job.digits, console)
    for line in gan_training.judge_lines(judge):
        console.say(line)
    # A GAN trains on every image: its samples are compared with the test images.
    settings = replace(options.settings_from(job.args, entry), validation_split=0.0)
    result = gan_training.train_gan_run(
        entry,
        job.digits,
        judge,
        settings,
        job.folder,
        console,
        config=job.config,
        previous=job.previous,
    )
    console.say(gan_training.result_line(result, judge))
    if result.divergence is not None:
        console.error(
            f"{entry.name}: {result.divergence.describe()} The run folder keeps its "
            f"{len(result.history.get('d_loss', []))} finished epoch(s); carrying it on would "
            "diverge again: start a new run with a smaller --learning-rate"
        )
        return 1
    console.say(f"Wrote {job.folder}/: checkpoint/, history.json, samples.gif, scores.png, ...")
    return 0
