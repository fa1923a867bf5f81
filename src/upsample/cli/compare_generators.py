"""`upsample compare --task generator`: train generators as GANs on equal terms, and report.

Every generator meets the same discriminator: the same architecture and the
same initial weights (a zoo GAN builds its discriminator first after the
seed), the same images, the same seed (so the same latent vectors and label
noise at every step) and the same number of steps.  Their samples are scored
after every epoch by one classifier, against one floor (`gan_training.Judge`).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from upsample import zoo
from upsample.cli import common, data, engines, gan_training, options
from upsample.quality import NOT_FID, SampleScores
from upsample.reports import report
from upsample.reports.files import versions, write_text
from upsample.zoo.registry import GAN_BATCH_SIZE

MODELS = ("generator-upsampling-28", "generator-transpose-28")
DEFAULT_EPOCHS = 4
DEFAULT_BATCH_SIZE = GAN_BATCH_SIZE
DEFAULT_OUTPUT = "report-generators"
OPTIONS_NOT_TAKEN = {
    "steps": "a GAN trains whole epochs (--epochs), its samples scored after each",
    "engine": engines.GAN_ENGINE,
}
DESCRIPTION = f"""\
--task generator: seed 001's generators at MNIST's size trained as GANs, by
default {MODELS[0]} (UpSampling2D + Conv2D) and {MODELS[1]}
(Conv2DTranspose); --models may name generator-sub-pixel-28 (SubPixelConv2D,
ICNR) too.  Every generator meets the same discriminator (the same initial
weights), the same images, seed, latent vectors and steps: {DEFAULT_EPOCHS} epochs of
{DEFAULT_BATCH_SIZE} images by default, into ./{DEFAULT_OUTPUT}.  After every epoch a
classifier trained here scores 1,000 samples (a Frechet distance, the classes
drawn, its confidence) and the checkerboard measures are taken on them; the
report gives those scores against steps and seconds, the final samples side by
side and their animation, and time."""


def resolve_models(text: str | None) -> list[zoo.ZooModel]:
    """The generators `--models` names, in its order; a UsageError naming the option otherwise."""
    names = list(MODELS) if text is None else [item.strip() for item in text.split(",")]
    check = common.model_name("generator")
    entries = []
    for name in names:
        try:
            entries.append(zoo.get(check(name)))
        except argparse.ArgumentTypeError as error:
            what = "an empty name" if not name else str(error)
            raise common.UsageError(f"--models {text}: {what}") from None
        if names.count(name) > 1:
            raise common.UsageError(f"--models {text}: {name!r} is named twice")
    for entry in entries:
        try:
            gan_training.check_trainable(entry)
        except common.UsageError as error:
            raise common.UsageError(f"--models {text}: {error}") from None
    return entries


def run(
    args: argparse.Namespace, entries: list[zoo.ZooModel], console: common.Console, folder: Path
) -> int:
    """Train every generator in `entries` as a GAN, then write the report into `folder`."""
    digits = data.load_digits(args.data, args.limit, 0.0, console)
    judge = gan_training.prepare_judge(digits, console)
    for line in gan_training.judge_lines(judge):
        console.say(line)
    config = {"command": "compare", "task": "generator", "options": options.options_record(args)}
    settings = options.Settings(
        epochs=args.epochs or DEFAULT_EPOCHS,
        batch_size=args.batch_size or DEFAULT_BATCH_SIZE,
        validation_split=0.0,
        learning_rate=args.learning_rate,  # None: the zoo's, DCGAN's Adam
        seed=args.seed,
        engine="numpy",
    )
    results = []
    for index, entry in enumerate(entries, start=1):
        (folder / entry.name).mkdir(exist_ok=True)
        console.say(f"\n[{index}/{len(entries)}] {entry.name} ({entry.upsampling})")
        result = gan_training.train_gan_run(
            entry, digits, judge, settings, folder / entry.name, console, config=config
        )
        console.say(gan_training.result_line(result, judge))
        results.append(result)
    document = _report(results, judge, digits, args, folder)
    write_text(folder / "report.md", document.markdown())
    write_text(folder / "report.html", document.html())
    console.say("")
    width = max(len(row.model) for row in _rows(results))
    for row in _rows(results):
        console.say(f"{row.model:{width}}  {row.summary()}")
    console.say(f"Wrote {folder / 'report.html'} and {folder / 'report.md'}")
    diverged = [r for r in results if r.divergence is not None]
    for result in diverged:
        assert result.divergence is not None
        console.error(f"{result.entry.name}: {result.divergence.describe()}")
    return 1 if diverged else 0


# --------------------------------------------------------------------------- the report


HEADER = (
    "Model",
    "Upsampling",
    "Parameters",
    "Steps",
    "FD (lower is better)",
    "Classes drawn (of 10)",
    "Confidence (median)",
    "Confident (≥ 0.9)",
    "Phase imbalance",
    "Spectral checkerboard",
    "Border excess",
    "Run time",
    "CPU time",
    "Samples/s",
)


@dataclass(frozen=True)
class GeneratorRow:
    """One generator's line (or the real digits', with `result` None)."""

    model: str
    upsampling: str
    scores: SampleScores | None
    result: gan_training.GanRunResult | None = None

    def cells(self) -> list[str]:
        r = self.result
        if self.scores is None:
            scores = ["-"] * 7
        else:
            diversity = self.scores.diversity
            measures = self.scores.measures
            scores = [
                f"{self.scores.frechet_distance:.1f}",
                f"{diversity.effective_classes:.1f}",
                f"{diversity.confidence_quantiles()[1]:.2f}",
                f"{diversity.confident_fraction:.0%}",
                f"{measures['phase_imbalance']:.3f}",
                f"{measures['spectral_amplitude']:.4f}",
                f"{measures['border_excess']:+.3f}",
            ]
        if r is None:
            run = ["-"] * 5
        else:
            steps = r.history.get("steps", [])
            run = [
                f"{r.parameters:,}",
                f"{int(steps[-1]):,}" if steps else "0",
                f"{r.seconds:.1f} s",
                f"{r.cpu_seconds:.1f} s",
                f"{r.samples_per_second:,.0f}",
            ]
        return [self.model, self.upsampling, *run[:2], *scores, *run[2:]]

    def summary(self) -> str:
        """The line printed at the end: the main scores, and the time."""
        if self.scores is None:
            return "no epoch finished"
        diversity = self.scores.diversity
        line = (
            f"FD {self.scores.frechet_distance:6.1f}  classes {diversity.effective_classes:4.1f}"
            f"  confidence (median) {diversity.confidence_quantiles()[1]:.2f}"
        )
        return line if self.result is None else f"{line}  {self.result.seconds:6.1f} s"


def _rows(results: Sequence[gan_training.GanRunResult]) -> list[GeneratorRow]:
    rows = [GeneratorRow(r.entry.name, r.entry.upsampling, r.final, r) for r in results]
    real = results[0].real
    return [*rows, GeneratorRow("real digits (training images)", "-", real)]


def _report(
    results: list[gan_training.GanRunResult],
    judge: gan_training.Judge,
    digits: data.Digits,
    args: argparse.Namespace,
    folder: Path,
) -> report.Report:
    figures = _write_figures(results, judge, folder)
    first = results[0]
    settings = first.settings
    names = ", ".join(r.entry.name for r in results)
    quantiles = "; ".join(_confidence_summary(r.entry.name, r.final) for r in results)
    notes = [
        f"{NOT_FID}. {judge.description}. The floor: {len(judge.real):,} real "
        f"training images have FD {judge.floor:.2f} to the {len(judge.reference):,} test "
        f"images; every generator is scored on {len(judge.real):,} samples, so that the "
        "numbers compare (the estimate grows as the sample shrinks).",
        "Classes drawn is the effective number of classes, exp(entropy) of the histogram of "
        "the classes the classifier assigns to the samples: 10 for evenly spread digits, "
        "1 for a generator that draws one kind (mode collapse). Confidence is the "
        f"classifier's top probability per sample; its 10th, 50th and 90th percentiles: "
        f"{quantiles}.",
        "Checkerboard measures on the samples, at the generators' 4x4 period (7 -> 28): "
        + "; ".join(f"{name}: {meaning}" for name, meaning in gan_training.MEASURES.items())
        + ". The real digits' values are the level without any artifact.",
        "Every generator trains against the same discriminator (the same initial weights), "
        f"with Adam (learning rate {settings.learning_rate or 0.0002:g}, beta_1 0.5) for both "
        f"networks, batch size {settings.batch_size}, label noise "
        f"{first.label_noise:g}, on the same {first.train_images:,} images with seed "
        f"{settings.seed}, so with the same latent vectors and labels at every step.",
        "Run time is the whole training, scoring after each epoch included; CPU time is the "
        "process's over the same span (both cores count); Samples/s counts real images per "
        "second of training steps alone (each step trains the discriminator on as many "
        "generated images, then the generator).",
        f"Each generator's run folder ({names}) holds its checkpoint, history, a grid per "
        "epoch and its own animation; upsample train MODEL --output DIR --resume carries "
        "one on.",
    ]
    return report.Report(
        title=" vs ".join(r.entry.upsampling for r in results) + ": GAN generators of digits",
        intro=(
            f"Seed 001's generators at MNIST's size ({names}), trained as GANs for "
            f"{settings.epochs} epoch(s) of {first.train_images:,} images "
            f"(batch size {settings.batch_size}). Data: {digits.source.describe()}. "
            f"Scores: {judge.description}; real digits score FD {judge.floor:.2f} (the floor)."
        ),
        sections=[
            report.Section(
                "Results",
                tables=[report.Table(HEADER, [row.cells() for row in _rows(results)])],
                figures=figures,
                notes=notes,
            )
        ],
        details={"Command": args.command_line, **versions()},
    )


def _confidence_summary(name: str, scores: SampleScores | None) -> str:
    if scores is None:
        return f"{name} -"
    return name + " " + "/".join(f"{q:.2f}" for q in scores.diversity.confidence_quantiles())


def _write_figures(
    results: list[gan_training.GanRunResult], judge: gan_training.Judge, folder: Path
) -> list[report.Figure]:
    from upsample.reports import gan_plots, plots  # matplotlib: imported when needed

    histories = {r.entry.name: r.history for r in results}
    figures = []
    for x, what in (("steps", "training steps"), ("seconds", "training time")):
        path = folder / f"scores-{x}.png"
        plots.save_png(
            gan_plots.score_curves(
                histories, x=x, floor=judge.floor, title=f"Scores and losses against {what}"
            ),
            path,
        )
        figures.append(
            report.Figure(
                path,
                f"Scores of {len(judge.real):,} samples after each epoch, and the epoch's mean "
                f"losses, against {what} (dotted: the real digits' FD)",
            )
        )
    finished = [r for r in results if len(r.grids)]
    if finished:
        path = folder / "samples.png"
        last = {r.entry.name: r.grids[-1] for r in finished}
        plots.save_png(gan_plots.sample_grids(last, title="Samples after the last epoch"), path)
        figures.append(
            report.Figure(path, "The same 64 latent vectors through each generator, at the end")
        )
        epochs = min(len(r.grids) for r in finished)
        steps = [int(s) for s in finished[0].history["steps"][:epochs]]
        path = folder / "samples.gif"
        gan_plots.save_grid_animation(
            [{r.entry.name: r.grids[epoch] for r in finished} for epoch in range(epochs)],
            [gan_training.epoch_title(epoch, step) for epoch, step in enumerate(steps)],
            path,
        )
        figures.append(report.Figure(path, "The same samples after every epoch (animated)"))
    scored = {r.entry.name: r.final.diversity.confidences for r in results if r.final}
    if scored:
        real = results[0].real.diversity.confidences
        path = folder / "confidence.png"
        plots.save_png(
            gan_plots.confidence_histograms(
                {**scored, "real digits": real},
                title="How surely the classifier recognises the samples (last epoch)",
            ),
            path,
        )
        figures.append(report.Figure(path, "The classifier's confidence over the samples"))
    return figures
