"""Train one zoo generator as a GAN into a run folder (shared by `train` and `compare`).

A run folder holds::

    config.json          what was asked for, where the data came from, the classifier
    history.json         per epoch: d_loss, g_loss, the sample scores, steps, seconds
    history.csv          the same, one row per epoch
    checkpoint/          both networks with their optimizers, the counters and random
                         states (`upsample.models.load_gan` reads it)
    summary.txt          both networks' summary tables
    latents.npy          the fixed latent vectors that every epoch's samples come from
    grids.npy            the first 64 of those samples, for every epoch
    samples/epoch-NNN.png  those 64 samples after epoch NNN
    samples.gif          the grids, epoch after epoch
    scores.png           the scores and losses against training steps
    result.json          final scores, the confidence distribution, time, throughput

Every epoch's generated samples are scored by `upsample.quality` on a digit
classifier trained here (see `Judge`); the Fréchet distance on its features is
not the published Inception FID.  The record files and grids are written after
each epoch and the checkpoint last, so an interrupted run is never ahead of
its checkpoint by more than the epoch that `--resume` then repeats exactly.
"""

from __future__ import annotations

import datetime
import io
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from upsample import zoo
from upsample.analysis import border_means, phase_mean_imbalance, spectral_checkerboard
from upsample.callbacks import Callback, DivergenceError, TerminateOnDivergence
from upsample.callbacks.terminate_on_divergence import Divergence
from upsample.cli.common import Console, UsageError
from upsample.cli.data import Digits
from upsample.cli.options import Settings
from upsample.datasets import mnist
from upsample.models import GAN, load_gan
from upsample.quality import (
    NOT_FID,
    ClassifierSettings,
    DigitClassifier,
    GANMonitor,
    SampleScorer,
    SampleScores,
    digit_classifier,
)
from upsample.reports.callbacks import Timer
from upsample.reports.files import versions, write_json, write_text
from upsample.utils import clear_session, set_random_seed
from upsample.utils.atomic_file import write_bytes

CONFIG_FILE = "config.json"
HISTORY_FILE = "history.json"
CHECKPOINT = "checkpoint"
LATENTS_FILE = "latents.npy"
GRIDS_FILE = "grids.npy"
SAMPLES_FOLDER = "samples"
# Generated images scored after every epoch (and real ones for the floor): the
# Fréchet distance is biased upwards for small sets, so only equal counts compare.
SCORED_SAMPLES = 1000
GRID_SAMPLES = 64
# The classifier behind every score (`upsample.quality`'s defaults, seed 0).
CLASSIFIER = ClassifierSettings()
# Pixels at each edge that the border measure looks at (and the phase measure leaves out).
BORDER = 2
# The period of the checkerboard measures: every 28x28 zoo generator upsamples its
# 7x7 base twice by 2, so any pattern its upsampling leaves repeats every 4 pixels.
PERIOD = 4
# The checkerboard measures of the samples, each with what it means.
MEASURES = {
    "phase_imbalance": "spread of the means of the generator's 4x4 output phases / mean value",
    "spectral_amplitude": "RMS amplitude of the energy at the 4x4 period's frequencies",
    "border_excess": f"mean value on the {BORDER}-pixel border, minus the real digits'",
}


def check_trainable(entry: zoo.ZooModel) -> None:
    """Refuse a generator that does not draw 28x28 digits, naming the ones that do.

    Seed 001's 10x10 generators are linear (no activation at all) and draw
    10x10 images: trained on MNIST shrunk to 10x10 they could only learn a
    Gaussian, and no score here would apply (the classifier reads 28x28
    digits).  The seed itself only builds them.
    """
    clear_session()
    shape = tuple(entry.build().output_shape[1:])  # type: ignore[attr-defined]
    if shape != (28, 28, 1):
        versions_28 = [name for name in zoo.names("generator") if name.endswith("-28")]
        raise UsageError(
            f"{entry.name} draws {shape[0]}x{shape[1]} images and is seed 001's linear "
            "generator, which the seed builds but never trains; MNIST and the scores are "
            f"28x28. Train a 28x28 generator: {', '.join(versions_28)}"
        )


# --------------------------------------------------------------------------- the judge


@dataclass(frozen=True)
class Judge:
    """What scores the samples of every run on one data source.

    classifier: the digit classifier, trained on the source's training split.
    reference: the test split, ``(n, 28, 28, 1)`` in [0, 1]: what samples are compared with.
    real: `SCORED_SAMPLES` training images (seeded choice): real digits scored as samples
        are, whose Fréchet distance is the `floor` that generators are measured against.
    """

    classifier: DigitClassifier
    reference: np.ndarray
    real: np.ndarray
    floor: float  # the Fréchet distance of `real` to `reference`
    description: str

    def scorer(self) -> SampleScorer:
        """Scores of samples: those of `upsample.quality` and the `MEASURES`."""
        real_border, _ = border_means(self.reference, width=BORDER)
        measures = {
            "phase_imbalance": lambda images: phase_mean_imbalance(
                images, stride=PERIOD, border=BORDER
            ),
            "spectral_amplitude": lambda images: (
                spectral_checkerboard(images, stride=PERIOD).amplitude
            ),
            "border_excess": lambda images: border_means(images, width=BORDER)[0] - real_border,
        }
        return SampleScorer(self.classifier, self.reference, measures=measures)

    def record(self) -> dict[str, Any]:
        return {
            "statement": NOT_FID,
            "test_accuracy": self.classifier.test_accuracy,
            "test_images": self.classifier.test_images,
            "settings": asdict(self.classifier.settings),
            "cached_at": str(self.classifier.path) if self.classifier.path else None,
            "reference_images": len(self.reference),
            "scored_samples": len(self.real),
            "floor": self.floor,
        }


def prepare_judge(digits: Digits, console: Console) -> Judge:
    """The classifier for the source of `digits` (from the cache, or trained now), told."""
    try:
        splits, _ = mnist.load(digits.source.location, download=False, quiet=True)
    except (OSError, ValueError) as error:  # the file changed since it was loaded
        raise UsageError(f"--data: {error}") from None
    (x_train, _), (x_test, _) = splits
    if len(x_test) < 2:
        raise UsageError(
            f"--data: {digits.source.location} has {len(x_test)} test image(s); the scores "
            "compare samples with the test images and need at least 2"
        )
    console.note("Scoring with a digit classifier trained here (read from the cache if it was)")
    classifier = digit_classifier(splits, CLASSIFIER, verbose=False)
    count = min(SCORED_SAMPLES, len(x_train))
    chosen = np.sort(np.random.default_rng(0).choice(len(x_train), count, replace=False))
    reference, real = _scaled(x_test), _scaled(x_train[chosen])
    description = (
        f"Digit classifier (trained here on the {len(x_train):,} training images, seed "
        f"{CLASSIFIER.seed}, {CLASSIFIER.epochs} epochs): test accuracy "
        f"{classifier.test_accuracy:.2%} on the {classifier.test_images:,} test images"
    )
    floor = SampleScorer(classifier, reference).floor(real)
    return Judge(classifier, reference, real, floor, description)


def judge_lines(judge: Judge) -> list[str]:
    """What the scores rest on, for the user: the classifier, the statement, the floor."""
    return [
        judge.description,
        f"FD: {NOT_FID}.",
        f"Floor: {len(judge.real):,} real training images have FD {judge.floor:.2f} to the "
        f"{len(judge.reference):,} test images; samples are scored {len(judge.real):,} at a time.",
    ]


def result_line(result: GanRunResult, judge: Judge) -> str:
    """A finished run's final scores in one line."""
    epochs = len(result.history.get("d_loss", []))
    if result.final is None:
        return f"{result.entry.name}: no epoch finished"
    diversity = result.final.diversity
    _, median, _ = diversity.confidence_quantiles()
    return (
        f"{result.entry.name}: FD {result.final.frechet_distance:.1f} (floor {judge.floor:.1f}), "
        f"{diversity.effective_classes:.1f} effective classes of 10, classifier confidence median "
        f"{median:.2f} ({diversity.confident_fraction:.0%} of samples at 0.9 or more), after "
        f"{epochs} epoch(s) ({int(result.history['steps'][-1]):,} steps), "
        f"{result.seconds:.1f} s"
    )


def _scaled(images: np.ndarray) -> np.ndarray:
    return images[..., None].astype(np.float32) / np.float32(255)


# --------------------------------------------------------------------------- a run


@dataclass(frozen=True)
class GanRunResult:
    """What a GAN run reports."""

    entry: zoo.ZooModel
    folder: Path
    settings: Settings
    history: dict[str, list[float]]
    parameters: int  # the generator's
    discriminator_parameters: int
    train_images: int
    epochs_run: int
    steps: int  # this run's
    seconds: float
    train_seconds: float
    cpu_seconds: float
    label_noise: float
    final: SampleScores | None  # the last epoch's scores, None if none finished
    real: SampleScores  # the judge's real images, scored as the samples are
    grids: np.ndarray  # (epochs, 64, 28, 28, 1): every epoch's grid, earlier runs' too
    divergence: Divergence | None

    @property
    def samples_per_second(self) -> float:
        """Real images per second of training steps (each a discriminator and a generator step)."""
        return self.steps * self.settings.batch_size / max(self.train_seconds, 1e-9)

    def record(self) -> dict[str, Any]:
        final = None
        if self.final is not None:
            diversity = self.final.diversity
            final = {
                **self.final.logs(),
                "class_histogram": diversity.histogram.tolist(),
                "confidence_quantiles": dict(
                    zip(("p10", "p50", "p90"), diversity.confidence_quantiles(), strict=True)
                ),
            }
        return {
            "model": self.entry.name,
            "parameters": self.parameters,
            "discriminator_parameters": self.discriminator_parameters,
            "epochs": len(self.history.get("d_loss", [])),
            "epochs_this_run": self.epochs_run,
            "steps_this_run": self.steps,
            "final_scores": final,
            "real_scores": self.real.logs(),
            "seconds": round(self.seconds, 3),
            "train_seconds": round(self.train_seconds, 3),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "samples_per_second": round(self.samples_per_second, 1),
            "load_average": [round(value, 2) for value in os.getloadavg()],
            "diverged": None if self.divergence is None else self.divergence.describe(),
        }


def train_gan_run(
    entry: zoo.ZooModel,
    digits: Digits,
    judge: Judge,
    settings: Settings,
    folder: Path,
    console: Console,
    *,
    config: dict[str, Any],
    previous: dict[str, list[float]] | None = None,
) -> GanRunResult:
    """Train `entry`'s GAN on `digits` into `folder`, writing the run's files (module doc).

    With the `previous` history (of `resume.read_run`), the checkpoint in
    `folder` is loaded and trained on from its last finished epoch.  A run
    that diverges stops at once; its result says where (`divergence`).
    """
    resume = previous is not None
    clear_session()  # layer names as in a fresh Keras session
    set_random_seed(settings.seed)
    if resume:
        gan = _resumed(folder, settings)
        history = _matching(previous or {}, gan.completed_epochs, folder)
        latents = _read_array(folder / LATENTS_FILE)
        grids = _read_array(folder / GRIDS_FILE)[: gan.completed_epochs]
    else:
        gan = entry.gan(seed=settings.seed, learning_rate=settings.learning_rate)
        history = {}
        latent_rng = np.random.default_rng(settings.seed)
        latents = latent_rng.standard_normal((SCORED_SAMPLES, gan.latent_dim), dtype=np.float32)
        shown = min(GRID_SAMPLES, len(latents))
        grids = np.zeros((0, shown, *gan.generator.output_shape[1:]), np.float32)
    initial_epoch = gan.completed_epochs
    adam = gan.g_optimizer.get_config()  # both networks' optimizers are alike
    write_json(
        folder / CONFIG_FILE,
        {
            **config,
            "model": entry.name,
            "seed_document": entry.seed,
            "resolved": {
                "epochs": settings.epochs,
                "batch_size": settings.batch_size,
                "learning_rate": float(adam["learning_rate"]),
                "beta_1": float(adam["beta_1"]),
                "label_noise": gan.label_noise,
                "seed": settings.seed,
                "initial_epoch": initial_epoch,
                "scored_samples": SCORED_SAMPLES,
            },
            "data": {**digits.record(), "train_images": len(digits.train)},
            "classifier": judge.record(),
            "versions": versions(),
            "started": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        },
    )
    write_text(folder / "summary.txt", _summary_text(gan))
    if not resume:
        # From here the folder is a run that `--resume` carries on, from epoch 0 if need be.
        write_bytes(folder / LATENTS_FILE, _npy(latents))
        write_bytes(folder / GRIDS_FILE, _npy(grids))
        write_json(folder / HISTORY_FILE, history)
        gan.save_checkpoint(folder / CHECKPOINT)
    steps_per_epoch = -(-len(digits.train) // settings.batch_size)
    what = "Resuming" if resume else "Training"
    console.say(
        f"{what} {entry.name} ({entry.upsampling}, {gan.generator.count_params():,} parameters) "
        f"against its discriminator ({gan.discriminator.count_params():,} parameters) on "
        f"{len(digits.train):,} images: epochs {initial_epoch + 1}-{settings.epochs}, batch "
        f"size {settings.batch_size}, {steps_per_epoch} steps per epoch"
    )
    timer = Timer()
    scorer = judge.scorer()
    monitor = GANMonitor(latents, scorer, grid_size=GRID_SAMPLES)
    record = _RunRecord(folder, history, grids, timer, monitor, entry.name)
    steps_before = gan.steps
    cpu_start = time.process_time()
    callbacks = [
        timer,
        TerminateOnDivergence(raise_error=True),
        monitor,
        record,
        # Last: the checkpoint is never ahead of the records (see the module doc).
        _Checkpoint(folder / CHECKPOINT),
    ]
    divergence = None
    try:
        # A diverging run overflows before its loss turns NaN: the watch reports it, once.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            gan.fit(
                digits.train,
                epochs=settings.epochs,
                initial_epoch=initial_epoch,
                batch_size=settings.batch_size,
                verbose=console.verbose,
                callbacks=callbacks,
            )
    except DivergenceError as error:
        divergence = error.divergence
        timer.on_train_end()
    epochs_run = len(record.history.get("d_loss", [])) - initial_epoch
    # Steps of finished epochs only, as the time is: a diverged epoch counts for neither.
    steps_after = int(record.history["steps"][-1]) if epochs_run else steps_before
    result = GanRunResult(
        entry=entry,
        folder=folder,
        settings=settings,
        history=record.history,
        parameters=gan.generator.count_params(),
        discriminator_parameters=gan.discriminator.count_params(),
        train_images=len(digits.train),
        epochs_run=epochs_run,
        steps=steps_after - steps_before,
        seconds=timer.seconds,
        train_seconds=timer.train_seconds,
        cpu_seconds=time.process_time() - cpu_start,
        label_noise=gan.label_noise,
        final=monitor.scores[-1] if monitor.scores else None,
        real=scorer(judge.real),
        grids=record.grids,
        divergence=divergence,
    )
    _write_figures(result, judge)
    write_json(folder / "result.json", result.record())
    return result


def _resumed(folder: Path, settings: Settings) -> GAN:
    try:
        gan = load_gan(folder / CHECKPOINT)
    except (OSError, ValueError, KeyError) as error:
        raise UsageError(f"--resume: cannot read {folder / CHECKPOINT} ({error})") from None
    if settings.learning_rate is not None:
        gan.d_optimizer.learning_rate = settings.learning_rate
        gan.g_optimizer.learning_rate = settings.learning_rate
    return gan


def _matching(history: dict[str, list[float]], epochs: int, folder: Path) -> dict[str, list[float]]:
    """The history of the checkpoint's `epochs` epochs.

    The records are written before the checkpoint, so they may hold one epoch
    more (an interruption in between): that epoch is dropped, and trained
    again exactly.
    """
    recorded = len(history.get("d_loss", []))
    if recorded < epochs:
        raise UsageError(
            f"--resume: {folder / HISTORY_FILE} records {recorded} epoch(s) but the checkpoint "
            f"has {epochs}: the run's records are damaged; start a new run"
        )
    return {key: values[:epochs] for key, values in history.items()}


def _read_array(path: Path) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise UsageError(f"--resume: cannot read {path} ({error})") from None


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _summary_text(gan: GAN) -> str:
    lines: list[str] = []
    for role, network in (("Generator", gan.generator), ("Discriminator", gan.discriminator)):
        lines.append(f"{role}:")
        network.summary(print_fn=lines.append)
        lines.append("")
    return "\n".join(lines)


class _RunRecord(Callback):
    """After each epoch: the history (with steps and seconds), its CSV, the grids, the PNG."""

    def __init__(
        self,
        folder: Path,
        history: dict[str, list[float]],
        grids: np.ndarray,
        timer: Timer,
        monitor: GANMonitor,
        name: str,
    ) -> None:
        super().__init__()
        self.folder = folder
        self.history = {key: list(values) for key, values in history.items()}
        self.grids = grids
        self.timer = timer
        self.monitor = monitor
        self.name = name
        self._seconds_before = self.history["seconds"][-1] if self.history.get("seconds") else 0.0

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        from upsample.reports import gan_plots, plots  # matplotlib: imported when needed

        logs = dict(logs or {})
        logs["steps"] = self.model.steps
        logs["seconds"] = self._seconds_before + self.timer.train_seconds
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))
        grid = self.monitor.grids[-1]
        self.grids = np.concatenate([self.grids, grid[None]])
        (self.folder / SAMPLES_FOLDER).mkdir(exist_ok=True)
        plots.save_png(
            gan_plots.sample_grids({self.name: grid}, title=epoch_title(epoch, int(logs["steps"]))),
            self.folder / SAMPLES_FOLDER / f"epoch-{epoch + 1:03d}.png",
        )
        write_bytes(self.folder / GRIDS_FILE, _npy(self.grids))
        write_text(self.folder / "history.csv", _csv(self.history))
        write_json(self.folder / HISTORY_FILE, self.history)


def epoch_title(epoch: int, steps: int) -> str:
    return f"After epoch {epoch + 1} ({steps:,} steps)"


def _csv(history: dict[str, list[float]]) -> str:
    keys = list(history)
    rows = [",".join(["epoch", *keys])]
    for epoch in range(max((len(v) for v in history.values()), default=0)):
        cells = [repr(history[key][epoch]) if epoch < len(history[key]) else "" for key in keys]
        rows.append(",".join([str(epoch), *cells]))
    return "\n".join(rows) + "\n"


class _Checkpoint(Callback):
    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.model.save_checkpoint(self.path)


def _write_figures(result: GanRunResult, judge: Judge) -> None:
    from upsample.reports import gan_plots, plots

    if not result.history.get("d_loss"):
        return
    plots.save_png(
        gan_plots.score_curves(
            {result.entry.name: result.history},
            x="steps",
            floor=judge.floor,
            title=f"{result.entry.name}: scores of {SCORED_SAMPLES:,} samples after each epoch",
        ),
        result.folder / "scores.png",
    )
    steps = [int(s) for s in result.history["steps"]]
    gan_plots.save_grid_animation(
        [{result.entry.name: grid} for grid in result.grids],
        [epoch_title(epoch, step) for epoch, step in enumerate(steps)],
        result.folder / "samples.gif",
    )
