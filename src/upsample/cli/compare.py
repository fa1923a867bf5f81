"""`upsample compare`: train both seed autoencoders on the same data and write a report."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from upsample import zoo
from upsample.cli import common, compare_generators, data, options, training
from upsample.reports import report
from upsample.reports.files import versions, write_text

MODELS = ("ae-upsampling", "ae-transpose")
DEFAULT_EPOCHS = 6
DEFAULT_DATA = "sample"

DESCRIPTION = f"""\
Train seed 000's autoencoder (UpSampling2D decoder, 1,393 parameters) and seed
004's (Conv2DTranspose decoder, 12,785 parameters) on the same MNIST images
with the same random seed, and write a report: report.html (self-contained)
and report.md with a table of losses, times and throughput, both loss curves
and the two models' reconstructions of eight test digits side by side.

The defaults are a quick look: {DEFAULT_EPOCHS} epochs on the bundled sample of 6,000
real MNIST training images (4,800 to train on, 1,200 to validate), each model
with its seed's batch size (25 and 1000); measured, about a minute of CPU time,
2.5 to 3 minutes on two busy CPU cores. The seeds trained for 25 epochs on all
60,000 images: --data auto --epochs 25 reproduces that (17 + 48 minutes on two
CPU cores, measured before the current speed-ups).
"""
EPILOG = """\
examples:
  upsample compare
      the quick look, into ./report
  upsample compare --data auto --epochs 25 --output report-seeds
      the seeds' setting on all of MNIST
  upsample compare --limit 1000 --epochs 1 --output /tmp/smoke
      a smoke test (17 s on two busy CPU cores)
"""


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "compare",
        help="train both autoencoders and write the comparison report (start here)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=common.HelpFormatter,
    )
    options.add_training_options(parser, epochs=DEFAULT_EPOCHS, data_default=DEFAULT_DATA)
    compare_generators.add_options(parser)
    common.add_output_options(parser, "report")
    common.add_quiet(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.task == "generator" or args.models is not None:
        return compare_generators.run(args)  # which refuses --models for autoencoders
    console = common.Console(args.quiet)
    folder = common.output_folder(args.output or Path("report"), overwrite=args.overwrite)
    digits = data.load_digits(args.data, args.limit, args.validation_split, console)
    config = {"command": "compare", "options": options.options_record(args)}
    results = []
    for index, name in enumerate(MODELS, start=1):
        entry = zoo.get(name)
        (folder / name).mkdir(exist_ok=True)
        console.say(f"\n[{index}/{len(MODELS)}] {name} (seed {entry.seed})")
        results.append(
            training.train_run(
                entry,
                digits,
                options.settings_from(args, entry),
                folder / name,
                console,
                config=config,
            )
        )
    # matplotlib takes most of a second to import: only when there is something to draw.
    from upsample.reports import plots

    upsampling, transpose = results
    plots.save_png(
        plots.loss_curves(
            {r.entry.name: r.history for r in results},
            loss_name=upsampling.entry.loss,
            title="UpSampling2D vs Conv2DTranspose autoencoders: loss per epoch",
        ),
        folder / "loss.png",
    )
    plots.save_png(
        plots.comparison(
            digits.shown,
            upsampling.reconstructions,
            transpose.reconstructions,
            targets=digits.shown_targets,
        ),
        folder / "comparison.png",
    )
    document = _report(results, digits, args, folder)
    write_text(folder / "report.md", document.markdown())
    write_text(folder / "report.html", document.html())
    console.say("")
    for row in document.rows:
        console.say(
            f"{row.model:14} loss {report.format_loss(row.final_loss)}  "
            f"val_loss {report.format_loss(row.final_val_loss)}  {row.seconds:6.1f} s"
        )
    console.say(f"Wrote {folder / 'report.html'} and {folder / 'report.md'}")
    return 0


def _report(
    results: list[training.RunResult],
    digits: data.Digits,
    args: argparse.Namespace,
    folder: Path,
) -> report.Report:
    first = results[0]
    rows = [
        report.Row(
            model=r.entry.name,
            decoder=r.entry.upsampling,
            parameters=r.parameters,
            batch_size=r.settings.batch_size,
            steps=r.steps,
            final_loss=r.final("loss"),
            final_val_loss=r.final("val_loss"),
            seconds=r.seconds,
            samples_per_second=r.samples_per_second,
        )
        for r in results
    ]
    epochs = first.settings.epochs
    return report.Report(
        title="UpSampling2D vs Conv2DTranspose: two MNIST autoencoders",
        intro=(
            f"Seed 000's autoencoder (UpSampling2D + Conv2D decoder) and seed 004's "
            f"(Conv2DTranspose decoder), trained for {epochs} epoch(s) on the same "
            f"{first.train_images:,} images and validated on the same "
            f"{first.validation_images:,}, with random seed {first.settings.seed}. "
            f"Data: {digits.source.describe()}."
        ),
        rows=rows,
        figures=[
            report.Figure(
                folder / "loss.png", "Loss per epoch: training (solid) and validation (dashed)"
            ),
            report.Figure(
                folder / "comparison.png",
                "The first eight MNIST test digits and both models' reconstructions",
            ),
        ],
        notes=[
            "Loss is binary crossentropy per pixel, as in both seeds; validation is the last "
            f"{args.validation_split:.0%} of the images, held out before shuffling (Keras).",
            "Each model keeps its seed's batch size unless --batch-size is given, so in the "
            "same number of epochs they take different numbers of optimizer steps (Steps).",
            "Training time is the whole fit, validation included; Samples/s counts training "
            "images per second of training steps alone.",
            "After 25 epochs on all of MNIST the seeds report a loss of about 0.11 "
            "(UpSampling2D) and 0.05 (Conv2DTranspose): upsample compare --data auto "
            "--epochs 25.",
            "Each model's run (model.keras, history.json, history.csv, summary.txt, "
            "reconstructions.png) is in the folder named after it.",
        ],
        details={"Command": args.command_line, **versions()},
    )
