"""Final losses of the seed autoencoders: `upsample train` vs Keras 3, same data, same settings.

Not a speed benchmark (that is `bench_training.py`): this trains both seed
autoencoders to the end, once with upsample and once with Keras 3 on TensorFlow,
on the same images with the same settings, and prints (and with ``--output``
writes) a markdown table of the final training and validation losses of each
side, their ratio ``ours / Keras``, and the time each side took.

What each side runs, each in its own process (Keras fixes its backend at import):

* ``upsample``: what ``upsample train`` runs for each model: ``clear_session()``,
  ``set_random_seed(--seed)``, ``zoo.get(name).compiled()`` (the seed's layers, Adam
  with learning rate 0.001, binary crossentropy), then ``fit(x, x, epochs=E,
  batch_size=<the seed's>, validation_split=0.2)`` with its default shuffling;
  without train's per-epoch checkpoint, history files and figures;
* ``keras_tf``: Keras 3 on TensorFlow (``KERAS_BACKEND=tensorflow``):
  ``keras.utils.set_random_seed(--seed)``, the seed's listing verbatim with
  ``keras.layers`` (``_train_workers.seed_model``, also what ``bench_training.py``
  runs), ``compile(optimizer='adam', loss='binary_crossentropy')`` and the same
  ``fit`` call.

Each side starts from its own initialisation (he_uniform / he_normal / glorot_uniform
as the seeds ask, drawn by its own random generator) and shuffles with its own
generator, so the two runs are two draws of the same experiment, not the same
arithmetic: ``bench_training.py`` checks the arithmetic, from the same weights.

The data: ``upsample.cli.data.load_digits``, as ``upsample train --data ...
--limit ...`` loads it (float32 / 255, shape (N, 28, 28, 1)), saved once and read by
both sides.  Validation is the last 20% of the images, held out before shuffling
(Keras's ``validation_split``).

Usage, from the repository root, with a Python that has upsample, keras and
tensorflow (``pip install -e ".[bench]"``)::

    python benchmarks/seed_losses.py --data sample --epochs 25 \\
        --output benchmarks/results/seed_losses_sample.md
    python benchmarks/seed_losses.py --data auto --epochs 3 \\
        --output benchmarks/results/seed_losses_full_3epochs.md

Internally the script starts itself as ``seed_losses.py --worker SIDE DATA_DIR
THREADS``: one worker per side, driven over the JSON-line protocol of
`_common.serve` (``{"cmd": "train", ...}`` answers the history and the times).
"""

from __future__ import annotations

import argparse
import datetime
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as common
from _common import PeerError, WorkerProcess, load_average, machine, progress, usable_cores
from _peers import PEERS_BY_NAME

HERE = Path(__file__).resolve().parent
VALIDATION_SPLIT = 0.2  # upsample train's default, as the seeds
SEED_EPOCHS = 25  # what the seeds train for


@dataclass(frozen=True)
class SeedModel:
    name: str  # upsample.zoo name
    key: str  # _train_workers.seed_model key
    seed: str
    decoder: str
    parameters: int
    batch_size: int
    reported: float  # the seed's reported loss after 25 epochs on all of MNIST


MODELS: tuple[SeedModel, ...] = (
    SeedModel("ae-upsampling", "ae_up", "000", "UpSampling2D", 1393, 25, 0.11),
    SeedModel("ae-transpose", "ae_tr", "004", "Conv2DTranspose", 12785, 1000, 0.05),
)
MODELS_BY_NAME = {m.name: m for m in MODELS}


@dataclass(frozen=True)
class Side:
    name: str  # worker name
    label: str
    env: dict[str, str] = field(default_factory=dict)


SIDES: tuple[Side, ...] = (
    Side("ours", "upsample"),
    Side("keras_tf", "Keras/TF", PEERS_BY_NAME["keras_tf"].env),
)


# --------------------------------------------------------------------------- worker side


def _epoch_timer(base: type) -> Any:
    """A callback (subclass of `base`: upsample's or Keras's) timing every epoch."""

    class EpochTimer(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__()
            self.epochs: list[float] = []
            self.train_parts: list[float] = []  # the training steps alone, no validation
            self._start = self._last_step = 0.0

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self._start = self._last_step = time.perf_counter()

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            self._last_step = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.epochs.append(time.perf_counter() - self._start)
            self.train_parts.append(self._last_step - self._start)

    return EpochTimer()


def _train(side: str, request: dict[str, Any], x: np.ndarray) -> dict[str, Any]:
    """Build, compile and fit one seed model as `side` does; the history and times."""
    model_info = MODELS_BY_NAME[request["model"]]
    seed, epochs = int(request["seed"]), int(request["epochs"])
    if side == "ours":
        from upsample import config, zoo
        from upsample.callbacks import Callback
        from upsample.utils import clear_session, set_random_seed

        config.tune_allocator()  # as the `upsample` command does
        clear_session()  # as upsample train (training.train_run)
        set_random_seed(seed)
        model = zoo.get(model_info.name).compiled(None)  # None: the seed's learning rate
    else:
        import keras

        from _train_workers import seed_model

        Callback = keras.callbacks.Callback
        keras.backend.clear_session()
        keras.config.set_image_data_format("channels_last")
        keras.utils.set_random_seed(seed)
        model = seed_model(model_info.key, keras.layers, keras.Sequential)
    timer = _epoch_timer(Callback)
    start = time.perf_counter()
    history = model.fit(
        x,
        x,
        epochs=epochs,
        batch_size=int(request["batch_size"]),
        validation_split=float(request["validation_split"]),
        verbose=0,
        callbacks=[timer],
    )
    seconds = time.perf_counter() - start
    optimizer = model.optimizer
    return {
        "history": {k: [float(v) for v in vs] for k, vs in history.history.items()},
        "parameters": int(model.count_params()),
        "seconds": seconds,
        "epoch_seconds": timer.epochs,
        "train_seconds": timer.train_parts,
        "optimizer": f"{type(optimizer).__name__}(learning_rate="
        f"{float(np.asarray(optimizer.learning_rate)):g})",
    }


def serve(side: str, data: Path, threads: int) -> None:
    """Answer ``train`` requests (see the module docstring)."""
    from _train_workers import runner_start

    channel = common.protocol_channel()
    state: dict[str, np.ndarray] = {}

    def handle(request: dict[str, Any]) -> dict[str, Any]:
        if request["cmd"] != "train":
            raise ValueError(f"unknown command {request['cmd']!r}")
        if "x" not in state:
            state["x"] = np.load(data / "x.npy")
        return _train(side, request, state["x"])

    common.serve(channel, lambda: runner_start(side, threads), handle)


# --------------------------------------------------------------------------- parent side


@dataclass
class Run:
    """One side's training of one model."""

    model: SeedModel
    side: Side
    answer: dict[str, Any] | None = None
    error: str | None = None
    load: tuple[float | None, float | None] = (None, None)

    def final(self, key: str) -> float | None:
        values = (self.answer or {}).get("history", {}).get(key)
        return float(values[-1]) if values else None

    def median_epoch(self) -> float | None:
        times = (self.answer or {}).get("epoch_seconds")
        return float(np.median(times)) if times else None


def load_data(args: argparse.Namespace, directory: Path) -> tuple[str, str, int, int]:
    """Save the images `upsample train` would train on; (source kind, description, n, n)."""
    from upsample.cli.common import Console
    from upsample.cli.data import load_digits, split_sizes

    digits = load_digits(args.data, args.limit, VALIDATION_SPLIT, Console(quiet=True))
    np.save(directory / "x.npy", digits.train)
    train, validation = split_sizes(len(digits.train), VALIDATION_SPLIT)
    description = digits.source.describe()
    if args.limit is not None and args.limit < digits.available:
        description += f"; the first {len(digits.train):,} (--limit {args.limit})"
    return digits.source.kind, description, train, validation


def start_workers(
    directory: Path, args: argparse.Namespace
) -> tuple[dict[str, WorkerProcess], dict[str, dict[str, Any]], list[str]]:
    workers: dict[str, WorkerProcess] = {}
    hello: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    script = str(Path(__file__).resolve())
    for side in SIDES:
        workers[side.name] = WorkerProcess(
            [sys.executable, script, "--worker", side.name, str(directory), str(args.threads)],
            side.env,
            directory / f"{side.name}.log",
        )
    for side in SIDES:
        try:
            hello[side.name] = workers[side.name].receive(args.start_timeout)
            progress(f"{side.label}: started ({hello[side.name]['details'].get('threads', '')})")
        except PeerError as error:
            errors.append(f"{side.label} could not start: {error}")
            progress(errors[-1])
            workers.pop(side.name).close()
    return workers, hello, errors


def train_all(
    models: Sequence[SeedModel], workers: dict[str, WorkerProcess], args: argparse.Namespace
) -> list[Run]:
    runs = []
    for model in models:
        for side in SIDES:
            run = Run(model, side)
            runs.append(run)
            if side.name not in workers:
                run.error = "not started"
                continue
            progress(
                f"{side.label}, {model.name}: {args.epochs} epoch(s), batch {model.batch_size}"
            )
            before = load_average()
            try:
                run.answer = workers[side.name].request(
                    {
                        "cmd": "train",
                        "model": model.name,
                        "epochs": args.epochs,
                        "batch_size": model.batch_size,
                        "validation_split": VALIDATION_SPLIT,
                        "seed": args.seed,
                    },
                    args.timeout,
                )
            except PeerError as error:
                run.error = str(error)
                progress(f"  failed: {error}")
                continue
            run.load = (before, load_average())
            progress(
                f"  loss {run.final('loss'):.4f}, val_loss {run.final('val_loss'):.4f}, "
                f"{run.answer['seconds']:.0f} s"
            )
    return runs


def _loss(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _ratio(ours: float | None, peer: float | None) -> float | None:
    return None if ours is None or not peer else ours / peer


def _time(run: Run) -> str:
    if run.answer is None:
        return "n/a"
    return f"{run.answer['seconds']:,.0f} s ({run.median_epoch():.1f} s/epoch)"


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:,.0f} min" if seconds >= 120 else f"{seconds:,.0f} s"


def report(
    runs: list[Run],
    args: argparse.Namespace,
    env: dict[str, str],
    versions: dict[str, str],
    threads: dict[str, str],
    data: tuple[str, str, int, int],
    errors: list[str],
) -> str:
    kind, description, train, validation = data
    by = {(r.model.name, r.side.name): r for r in runs}
    models = list(dict.fromkeys(r.model for r in runs))
    command = f"upsample train MODEL --data {args.data} --epochs {args.epochs}" + (
        f" --limit {args.limit}" if args.limit else ""
    )
    lines = [
        "# Final losses of the seed autoencoders: upsample vs Keras 3 (TensorFlow)",
        "",
        f"- Date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"- Machine: {env['CPU']}; {env['OS']}"
        + (f"; 1-min load average {env['load']}" if "load" in env else ""),
        f"- Python {env['Python']}; NumPy {env['NumPy']}; upsample {env['upsample']}",
        "- Keras side: " + "; ".join(f"{k} {v}" for k, v in versions.items()),
        "- Threads: " + "; ".join(f"{k}: {v}" for k, v in threads.items()),
        f"- Data: {description}; float32 / 255, shape (N, 28, 28, 1), input = target; "
        f"{train:,} images to train on, the last {validation:,} "
        f"({VALIDATION_SPLIT:.0%}) held out for validation before shuffling (Keras's "
        "validation_split), training images shuffled every epoch",
        f"- Settings, both sides, as `{command}`: {args.epochs} epoch(s), "
        "Adam (learning rate 0.001, Keras's defaults), binary crossentropy, each seed's batch "
        f"size, random seed {args.seed} (each side its own initialisation and shuffling)",
        "",
        "## Final losses (last epoch), ours / Keras, and time",
        "",
        "| Model | Data | Epochs | Batch | Parameters (upsample / Keras) "
        "| Train loss upsample | Train loss Keras | ours / Keras "
        "| Val loss upsample | Val loss Keras | ours / Keras | Within 10% "
        "| Time upsample | Time Keras |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    verdicts = []
    for m in models:
        ours, keras = by[(m.name, "ours")], by[(m.name, "keras_tf")]
        ratios = [
            _ratio(ours.final("loss"), keras.final("loss")),
            _ratio(ours.final("val_loss"), keras.final("val_loss")),
        ]
        if None in ratios:
            within = "n/a"
        else:
            ok = all(abs(r - 1) <= 0.10 for r in ratios if r is not None)
            within = "yes" if ok else "**NO**"
            verdicts.append(f"{m.name}: {within.strip('*').lower()}")
        counts = [f"{run.answer['parameters']:,}" if run.answer else "n/a" for run in (ours, keras)]
        lines.append(
            "| "
            + " | ".join(
                [
                    f"{m.name} (seed {m.seed}, {m.decoder})",
                    f"{kind}: {train:,} train / {validation:,} val",
                    str(args.epochs),
                    str(m.batch_size),
                    " / ".join(counts),
                    _loss(ours.final("loss")),
                    _loss(keras.final("loss")),
                    "n/a" if ratios[0] is None else f"{ratios[0]:.3f}",
                    _loss(ours.final("val_loss")),
                    _loss(keras.final("val_loss")),
                    "n/a" if ratios[1] is None else f"{ratios[1]:.3f}",
                    within,
                    _time(ours),
                    _time(keras),
                ]
            )
            + " |"
        )
    lines += [
        "",
        "Within 10%: both final losses, training and validation, within 10% of Keras's "
        "(|ours / Keras - 1| <= 0.10). Time: the whole `fit`, validation included, and the "
        "median epoch; measured on a shared machine (see the notes), so indicative only.",
        "",
        "## Loss per epoch",
        "",
    ]
    for m in models:
        ours, keras = by[(m.name, "ours")], by[(m.name, "keras_tf")]
        lines += [
            f"### {m.name} (seed {m.seed}, batch {m.batch_size})",
            "",
            "| Epoch | loss upsample | loss Keras | val_loss upsample | val_loss Keras "
            "| s upsample | s Keras |",
            "|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for epoch in range(args.epochs):
            cells = [str(epoch + 1)]
            for key in ("history.loss", "history.val_loss", "epoch_seconds"):
                for run in (ours, keras):
                    values = (run.answer or {}).get(key.split(".")[0], {})
                    if "." in key:
                        values = values.get(key.split(".")[1], [])
                    value = values[epoch] if epoch < len(values) else None
                    if key == "epoch_seconds":
                        cells.append("n/a" if value is None else f"{value:.1f}")
                    else:
                        cells.append(_loss(value))
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    notes = [
        "The seeds report a loss of about "
        + " and ".join(f"{m.reported:g} ({m.name})" for m in MODELS)
        + f" after {SEED_EPOCHS} epochs on all 60,000 MNIST training images.",
        "One training run per side, each from its own random initial weights and with its "
        "own shuffling order: the difference between the sides includes that run-to-run "
        "variation. `bench_training.py` checks that the arithmetic is the same (the same "
        "step losses from the same weights).",
        "upsample side: what `upsample train` runs for each model (clear_session, "
        "set_random_seed, zoo.get(name).compiled(), fit with validation_split and "
        "shuffling), without train's per-epoch checkpoint, history files and figures. "
        "Keras side: the seed's listing with keras.layers (`_train_workers.seed_model`), "
        "compile(optimizer='adam', loss='binary_crossentropy'), the same fit call; "
        "optimizers as built: "
        + "; ".join(
            f"{r.side.label} {r.model.name} {r.answer['optimizer']}" for r in runs if r.answer
        )
        + ".",
        "Timings: the machine is shared with other work (1-min load average before/after "
        "each run: "
        + "; ".join(
            f"{r.side.label} {r.model.name} "
            + "/".join("?" if v is None else f"{v:.1f}" for v in r.load)
            for r in runs
            if r.answer
        )
        + "), which slows either side at random; the losses do not depend on it. Keras's "
        "first epoch includes tracing the train function.",
    ]
    if kind != "sample" and args.epochs < SEED_EPOCHS:
        estimates = []
        for side in SIDES:
            total = sum(
                (by[(m.name, side.name)].median_epoch() or 0.0) * SEED_EPOCHS for m in models
            )
            per = ", ".join(
                f"{m.name} {by[(m.name, side.name)].median_epoch() or 0:.0f} s/epoch"
                for m in models
            )
            estimates.append(f"{side.label} about {_minutes(total)} ({per})")
        notes.append(
            f"Not run here: the seeds' setting, {SEED_EPOCHS} epochs on the full data. At the "
            "median epoch times measured in this run it would take "
            + "; ".join(estimates)
            + f", on this shared {usable_cores()}-core machine; hence {args.epochs} epoch(s)."
        )
    notes += errors
    for r in runs:
        if r.error:
            notes.append(f"{r.side.label}, {r.model.name}: {r.error}")
        elif r.answer and r.answer["parameters"] != r.model.parameters:
            notes.append(
                f"{r.side.label}, {r.model.name}: {r.answer['parameters']:,} parameters, the "
                f"seed {r.model.parameters:,}"
            )
    if verdicts:
        notes.append("Within 10% of Keras (training and validation loss): " + "; ".join(verdicts))
    lines += ["## Notes", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="seed_losses.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--data",
        choices=("sample", "auto"),
        default="sample",
        help="'sample': the bundled 6,000 MNIST images (default); 'auto': as upsample "
        "train --data auto (the full dataset from the cache or a download)",
    )
    parser.add_argument("--epochs", type=int, default=SEED_EPOCHS, help="default 25, the seeds'")
    parser.add_argument("--limit", type=int, help="only the first N training images")
    parser.add_argument("--seed", type=int, default=0, help="random seed of each side")
    parser.add_argument(
        "--models",
        default=",".join(m.name for m in MODELS),
        help="comma-separated (default: both): " + ", ".join(m.name for m in MODELS),
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=usable_cores(),
        help="upsample kernel workers and TF intra-op threads (default: usable cores)",
    )
    parser.add_argument(
        "--timeout", type=float, default=6 * 3600, help="seconds allowed per training run"
    )
    parser.add_argument(
        "--start-timeout", type=float, default=300, help="seconds allowed to start a worker"
    )
    parser.add_argument("--output", type=Path, help="also write the markdown table to FILE")
    args = parser.parse_args(argv)
    if args.epochs < 1 or (args.limit is not None and args.limit < 2):
        parser.error("--epochs must be at least 1, --limit at least 2")
    unknown = [n for n in args.models.split(",") if n and n not in MODELS_BY_NAME]
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--worker":
        serve(argv[1], Path(argv[2]), int(argv[3]))
        return 0
    args = parse_args(argv)
    models = [MODELS_BY_NAME[n] for n in dict.fromkeys(args.models.split(",")) if n]
    env = machine(dirty_paths=("src/upsample",))
    load_start = load_average()
    with tempfile.TemporaryDirectory(prefix="seed_losses-") as tmp:
        directory = Path(tmp)
        data = load_data(args, directory)
        progress(f"data: {data[1]}; {data[2]:,} train / {data[3]:,} val")
        workers, hello, errors = start_workers(directory, args)
        try:
            runs = train_all(models, workers, args)
        finally:
            for worker in workers.values():
                worker.close()
    load_end = load_average()
    if load_start is not None and load_end is not None:
        env["load"] = f"{load_start:.1f} at start, {load_end:.1f} at end"
    versions = {
        k: v
        for h in hello.values()
        for k, v in h.get("versions", {}).items()
        if k not in ("numpy", "upsample")
    }
    threads = {
        side.label: hello[side.name]["details"].get("threads", "")
        for side in SIDES
        if side.name in hello
    }
    text = report(runs, args, env, versions, threads, data, errors)
    print(text)
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
        progress(f"written to {args.output}")
    return 0 if all(r.answer for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
