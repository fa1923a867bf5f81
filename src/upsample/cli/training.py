"""Train one zoo autoencoder into a run folder (shared by `train` and `compare`).

A run folder holds::

    config.json          what was asked for, where the data came from, which engine trains
    history.json         {"loss": [...], "val_loss": [...]}, one entry per epoch
    history.csv          the same, one row per epoch
    model.keras          the model with its optimizer state (saved every epoch)
    summary.txt          the model's summary table
    loss.png             the loss curves
    reconstructions.png  eight test digits and their reconstructions
    result.json          final losses, time, throughput, the engine that trained it

The model and the history are saved before the first epoch and after every
epoch, so `--resume` can carry on after an interruption, even one in the first
epoch.  Both engines (upsample's NumPy code and Keras 3, see
`upsample.interop.engine`) take epoch ``e``'s images in the order
``EpochShuffle(seed)`` gives, so a run may change engine when it resumes.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from upsample import zoo
from upsample.callbacks import CSVLogger, ModelCheckpoint
from upsample.cli import engines
from upsample.cli.common import Console
from upsample.cli.data import Digits, check_sizes
from upsample.cli.options import Settings
from upsample.models import Model, load_model
from upsample.reports.callbacks import HistoryWriter, Timer
from upsample.reports.files import versions, write_json, write_text
from upsample.utils import clear_session, set_random_seed

CONFIG_FILE = "config.json"
MODEL_FILE = "model.keras"
HISTORY_FILE = "history.json"


@dataclass(frozen=True)
class RunResult:
    """What a finished run reports."""

    entry: zoo.ZooModel
    folder: Path
    settings: Settings
    history: dict[str, list[float]]
    parameters: int
    train_images: int
    validation_images: int
    epochs_run: int
    steps: int
    seconds: float
    train_seconds: float
    reconstructions: np.ndarray
    engine: dict[str, Any]

    @property
    def samples_per_second(self) -> float:
        return self.train_images * self.epochs_run / max(self.train_seconds, 1e-9)

    def final(self, key: str) -> float | None:
        values = self.history.get(key)
        return values[-1] if values else None

    def record(self) -> dict[str, Any]:
        return {
            "model": self.entry.name,
            "parameters": self.parameters,
            "epochs": len(self.history.get("loss", [])),
            "epochs_this_run": self.epochs_run,
            "steps_this_run": self.steps,
            "final_loss": self.final("loss"),
            "final_val_loss": self.final("val_loss"),
            "seconds": round(self.seconds, 3),
            "train_seconds": round(self.train_seconds, 3),
            "samples_per_second": round(self.samples_per_second, 1),
            "engine": self.engine,
        }


def train_run(
    entry: zoo.ZooModel,
    digits: Digits,
    settings: Settings,
    folder: Path,
    console: Console,
    *,
    config: dict[str, Any],
    previous: dict[str, list[float]] | None = None,
) -> RunResult:
    """Train `entry` on `digits` into `folder`, writing the run's files; see the module doc.

    With the `previous` history (of `resume.read_run`), the saved model in
    `folder` is loaded and trained on from where it stopped.
    """
    train_images, validation_images = check_sizes(len(digits.train), settings.validation_split)
    engine = engines.check(
        settings.engine,
        samples=train_images,
        batch_size=settings.batch_size,
        validation_samples=validation_images,
    )
    resume = previous is not None
    history = previous or {}
    initial_epoch = len(history.get("loss", []))
    clear_session()  # layer names as in a fresh Keras session: conv2d, conv2d_1, ...
    set_random_seed(settings.seed)
    model = _model(entry, settings, folder if resume else None)
    write_json(
        folder / CONFIG_FILE,
        {
            **config,
            "model": entry.name,
            "seed_document": entry.seed,
            "resolved": {**asdict(settings), "initial_epoch": initial_epoch},
            "data": {
                **digits.record(),
                "train_images": train_images,
                "validation_images": validation_images,
            },
            "engine": engine,
            "versions": versions(),
            "started": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        },
    )
    write_text(folder / "summary.txt", _summary_text(model))
    if not resume:
        # From here the folder is a run that `--resume` carries on, from epoch 0 if need be;
        # the optimizer is built first so that the file holds its (zero) state, as after fit.
        model.optimizer.build(model.trainable_weights)
        model.save(folder / MODEL_FILE)
        write_json(folder / HISTORY_FILE, history)
    what = "Resuming" if resume else "Training"
    console.say(
        f"{what} {entry.name} ({entry.upsampling} decoder, {model.count_params():,} parameters) "
        f"on {train_images:,} images, validating on {validation_images:,}: "
        f"epochs {initial_epoch + 1}-{settings.epochs}, batch size {settings.batch_size}"
        + ("" if settings.engine == "numpy" else f", with {engines.describe(engine)}")
    )
    timer = Timer()
    csv_log = CSVLogger(folder / "history.csv", append=resume)
    try:
        engine = engines.fit(
            model,
            digits.train,
            engine=settings.engine,
            seed=settings.seed,
            epochs=settings.epochs,
            initial_epoch=initial_epoch,
            batch_size=settings.batch_size,
            validation_split=settings.validation_split,
            verbose=console.verbose,
            callbacks=[
                timer,
                csv_log,
                ModelCheckpoint(folder / MODEL_FILE),
                # Last: history.json says an epoch is done only once the model is saved.
                writer := HistoryWriter(folder / HISTORY_FILE, previous=history),
            ],
        )
    finally:
        csv_log.on_train_end()  # closes the file if fit stops early (Ctrl-C); Keras's fit does not
    reconstructed = model.predict(digits.shown, verbose=0)
    epochs_run = len(writer.history.get("loss", [])) - initial_epoch
    result = RunResult(
        entry=entry,
        folder=folder,
        settings=settings,
        history=writer.history,
        parameters=model.count_params(),
        train_images=train_images,
        validation_images=validation_images,
        epochs_run=epochs_run,
        steps=epochs_run * -(-train_images // settings.batch_size),
        seconds=timer.seconds,
        train_seconds=timer.train_seconds,
        reconstructions=reconstructed,
        engine=engine,
    )
    _write_figures(result, digits, entry.loss)
    write_json(folder / "result.json", result.record())
    return result


def _model(entry: zoo.ZooModel, settings: Settings, resume_from: Path | None) -> Model:
    if resume_from is None:
        return entry.compiled(settings.learning_rate)
    model = load_model(resume_from / MODEL_FILE)
    if settings.learning_rate is not None:
        model.optimizer.learning_rate = settings.learning_rate
    return model


def _summary_text(model: Model) -> str:
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    return "\n".join(lines) + "\n"


def _write_figures(result: RunResult, digits: Digits, loss_name: str) -> None:
    from upsample.reports import plots  # imported when needed: matplotlib is slow to import

    plots.save_png(
        plots.loss_curves(
            {result.entry.name: result.history},
            loss_name=loss_name,
            title=f"{result.entry.name}: training and validation loss",
        ),
        result.folder / "loss.png",
    )
    plots.save_png(
        plots.reconstructions(
            digits.shown,
            result.reconstructions,
            model_label=result.entry.upsampling,
            targets=digits.shown_targets,
        ),
        result.folder / "reconstructions.png",
    )
