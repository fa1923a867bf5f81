"""`upsample compare --task autoencoder`: train autoencoders under one budget, measure, report.

Every model gets the same training images in the same order (the order is
drawn from --seed), the same batch size, Adam with the same learning rate, and
the same number of optimizer steps.  During training its loss on the first
`CURVE_IMAGES` test images is measured at `CURVE_POINTS` checkpoints; after it,
on the whole test split: BCE, MSE and PSNR (`quality.reconstruction`), the
artifact measures of `analysis.model_scores` (on up to `ARTIFACT_IMAGES` test
digits), the mean output spectrum, and the response to a flat input (also at
initialisation).  The folder receives::

    report.html, report.md    the report (compare_report)
    *.png                     its figures
    results.json              every number of the report, the options and the machine
    models/NAME.keras         each trained model
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from upsample import zoo
from upsample.analysis import RadialSpectrum, azimuthal_spectrum, power_spectrum, total_factor
from upsample.analysis.model_scores import (
    Scores,
    artifact_scores,
    flat_input_imbalance,
    flat_input_response,
    image_scores,
    upsampling_layers,
)
from upsample.cli import common, data, engines
from upsample.models import Model
from upsample.optimizers import Adam
from upsample.quality.reconstruction import ReconstructionScores, reconstruction_scores
from upsample.reports.callbacks import CurvePoint, StepCurve
from upsample.reports.machine import load_average
from upsample.utils import clear_session, set_random_seed
from upsample.zoo import comparison

DEFAULT_STEPS = 1200
DEFAULT_BATCH_SIZE = 32
DEFAULT_LEARNING_RATE = 0.001
DEFAULT_OUTPUT = "report"
# Every option of `compare` applies to autoencoders.
OPTIONS_NOT_TAKEN: dict[str, str] = {}
# What the defaults took, measured (see the README): said in --help.
MEASURED_TIME = (
    "89 and 96 s of wall clock on two idle CPU cores, 1.5 to 3.5 minutes when\n"
    "other jobs kept them busy (load average 5 to 9)"
)
# Test images the loss curve is measured on, and how many checkpoints it has.
CURVE_IMAGES = 256
CURVE_POINTS = 20
# Test images the artifact measures and spectra are taken on (all, up to this many).
ARTIFACT_IMAGES = 1000
LOSS = "binary_crossentropy"
SEEDS = ("ae-upsampling", "ae-transpose")

_ZOO = ", ".join(zoo.names("autoencoder"))
MODELS_HELP = "\n".join(
    [
        "models (--models, comma-separated; default: all):",
        *(f"  {d.name:25} {d.description}" for d in comparison.DECODERS.values()),
        f"  {'all':25} the six above",
        f"  {'seeds':25} the seeds' own two, ae-upsampling (seed 000) and ae-transpose",
        f"  {'':25} (seed 004): they differ in much more than their upsampling, and",
        f"  {'':25} the report says how",
        f"  {_ZOO}",
        f"  {'':25} any autoencoder of the zoo, by name",
    ]
)


@dataclass(frozen=True)
class Candidate:
    """A model to compare: its name, its upsampling, and how to build it from a seed."""

    name: str
    upsampling: str
    build: Callable[[int], Model]
    shared_encoder: bool  # the comparison's encoder, bottleneck and output layer
    origin: str  # where the model comes from, for the report


def _comparison(name: str) -> Candidate:
    return Candidate(
        name,
        comparison.DECODERS[name].description,
        lambda seed: comparison.comparison_autoencoder(name, seed=seed),
        shared_encoder=True,
        origin="a comparison autoencoder (upsample.zoo.comparison)",
    )


def _zoo(name: str) -> Candidate:
    entry = zoo.get(name)

    def build(seed: int) -> Model:
        set_random_seed(seed)  # the zoo's initializers draw from the global generator
        return entry.build()

    origin = f"the zoo's {entry.description.removeprefix('MNIST ')} (seed {entry.seed})"
    return Candidate(name, entry.upsampling, build, shared_encoder=False, origin=origin)


def resolve_models(text: str | None) -> list[Candidate]:
    """The models `--models` names, in its order; a UsageError naming the option otherwise."""
    names: list[str] = []
    for item in ("all" if text is None else text).split(","):
        name = item.strip()
        expanded = {"all": list(comparison.DECODERS), "seeds": list(SEEDS)}.get(name, [name])
        for each in expanded:
            if each in names:
                raise common.UsageError(f"--models {text}: {each!r} is named twice")
            names.append(each)
    known = [*comparison.DECODERS, *zoo.names("autoencoder")]
    for name in names:
        if name not in known:
            what = "an empty name" if not name else f"unknown model {name!r}"
            raise common.UsageError(
                f"--models {text}: {what}; choose from all, seeds, {', '.join(known)}"
            )
    return [_comparison(n) if n in comparison.DECODERS else _zoo(n) for n in names]


@dataclass(frozen=True)
class Budget:
    """What every model is trained with."""

    steps: int
    batch_size: int
    learning_rate: float
    seed: int
    train_images: int
    engine: dict[str, Any]  # what trains them (`engines.check`'s record)

    @property
    def steps_per_epoch(self) -> int:
        return -(-self.train_images // self.batch_size)

    @property
    def epochs(self) -> float:
        """Passes over the training images that `steps` make."""
        return self.steps * self.batch_size / self.train_images


@dataclass
class Measured:
    """A trained model's numbers and the arrays its figures are drawn from."""

    candidate: Candidate
    parameters: int
    upsampling_parameters: int | None  # the decoder steps of a comparison model
    narrowest: int  # values in the model's narrowest hidden layer output (its bottleneck)
    period: tuple[int, ...]  # product of the upsampling factors
    sizes: str  # the spatial sizes through the upsampling layers, e.g. "7→14, 14→28"
    curve: list[CurvePoint]
    seconds: float
    cpu_seconds: float
    samples_per_second: float
    test: ReconstructionScores
    artifacts: Scores
    inputs_periodic: Scores  # image_scores of the test digits at the model's period: a baseline
    flat_initial: float | None
    flat_trained: float | None
    flat_images: list[np.ndarray | None] = field(repr=False)  # at initialisation, trained
    reconstructions: np.ndarray = field(repr=False)
    spectrum: np.ndarray = field(repr=False)
    radial: RadialSpectrum = field(repr=False)

    def record(self) -> dict[str, Any]:
        """The numbers, for results.json."""
        return {
            "model": self.candidate.name,
            "upsampling": self.candidate.upsampling,
            "shared_encoder": self.candidate.shared_encoder,
            "parameters": self.parameters,
            "upsampling_parameters": self.upsampling_parameters,
            "narrowest_layer_values": self.narrowest,
            "upsampling_period": list(self.period),
            "upsampling_sizes": self.sizes,
            "test": {
                "bce": self.test.bce,
                "mse": self.test.mse,
                "psnr_db": _finite(self.test.psnr),
            },
            "artifacts": {key: _finite(value) for key, value in self.artifacts.items()},
            "inputs_at_period": {k: _finite(v) for k, v in self.inputs_periodic.items()},
            "flat_imbalance": {"initial": self.flat_initial, "trained": self.flat_trained},
            "seconds": round(self.seconds, 3),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "samples_per_second": round(self.samples_per_second, 1),
            "curve": [
                {
                    "step": p.step,
                    "seconds": round(p.seconds, 3),
                    "cpu_seconds": round(p.cpu_seconds, 3),
                    "test_loss": p.loss,
                }
                for p in self.curve
            ],
        }


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def run(
    args: argparse.Namespace, models: list[Candidate], console: common.Console, folder: Path
) -> int:
    """Train and measure every model in `models`, then write the report into `folder`."""
    from upsample.cli import compare_report  # matplotlib is slow to import: after the checks

    digits = data.load_digits(args.data, args.limit, 0.0, console)
    batch_size = args.batch_size or DEFAULT_BATCH_SIZE
    batches = -(-len(digits.train) // batch_size)  # per pass over the training images
    engine = engines.check(
        engines.chosen(args), samples=len(digits.train), batch_size=batch_size, validation_samples=0
    )
    budget = Budget(
        steps=args.epochs * batches if args.epochs else args.steps or DEFAULT_STEPS,
        batch_size=batch_size,
        learning_rate=args.learning_rate or DEFAULT_LEARNING_RATE,
        seed=args.seed,
        train_images=len(digits.train),
        engine=engine,
    )
    console.say(
        f"Training {len(models)} model(s) on {budget.train_images:,} images for "
        f"{budget.steps:,} steps of {budget.batch_size} ({budget.epochs:.1f} passes) each, "
        f"Adam {budget.learning_rate:g}, seed {budget.seed}, on {engines.describe(engine)}; "
        f"measuring on {len(digits.test):,} test images"
    )
    load_before = load_average()
    started, cpu_started = time.perf_counter(), time.process_time()
    (folder / "models").mkdir(exist_ok=True)
    results = []
    for index, candidate in enumerate(models, start=1):
        console.say(f"\n[{index}/{len(models)}] {candidate.name}: {candidate.upsampling}")
        results.append(_train_and_measure(candidate, digits, budget, folder, console))
    timing = {
        "wall_seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu_started,
        "load_before": load_before,
        "load_after": load_average(),
    }
    document = compare_report.write(results, digits, budget, timing, args, folder)
    console.say("")
    for line in document:
        console.say(line)
    console.say(f"Wrote {folder / 'report.html'} and {folder / 'report.md'}")
    return 0


def _train_and_measure(
    candidate: Candidate,
    digits: data.Digits,
    budget: Budget,
    folder: Path,
    console: common.Console,
) -> Measured:
    clear_session()  # layer names as in a fresh Keras session
    model = candidate.build(budget.seed)
    model.compile(optimizer=Adam(learning_rate=budget.learning_rate), loss=LOSS)
    flat_initial = flat_input_imbalance(model), flat_input_response(model)
    curve_images = digits.test[:CURVE_IMAGES]

    def held_out_loss() -> float:
        outputs = model.predict(curve_images, batch_size=CURVE_IMAGES, verbose=0)
        return reconstruction_scores(curve_images, outputs).bce

    shown = {round(budget.steps * quarter / 4) for quarter in range(5)}

    def say(point: CurvePoint) -> None:
        if point.step in shown:
            console.say(
                f"  step {point.step:>6,}  test loss {point.loss:.4f}  "
                f"{point.seconds:6.1f} s ({point.cpu_seconds:.1f} s CPU)"
            )

    checkpoints = np.linspace(0, budget.steps, CURVE_POINTS + 1).round().astype(int)[1:]
    curve = StepCurve(budget.steps, set(checkpoints.tolist()), held_out_loss, say)
    engines.fit(  # the same order of images for every model
        model,
        digits.train,
        engine=budget.engine["engine"],
        seed=budget.seed,
        batch_size=budget.batch_size,
        epochs=-(-budget.steps // budget.steps_per_epoch),
        verbose=0,
        callbacks=[curve],
    )
    outputs = model.predict(digits.test, batch_size=256, verbose=0)
    measured_on = digits.test[:ARTIFACT_IMAGES]
    period = total_factor(model)
    shared = comparison.upsampling_parameters(model) if candidate.shared_encoder else None
    result = Measured(
        candidate=candidate,
        parameters=model.count_params(),
        upsampling_parameters=shared,
        narrowest=min(math.prod(layer.output.shape[1:]) for layer in model.layers[:-1]),
        period=period,
        sizes=_sizes(model),
        curve=curve.points,
        seconds=curve.seconds,
        cpu_seconds=curve.cpu_seconds,
        samples_per_second=budget.steps * budget.batch_size / max(curve.seconds, 1e-9),
        test=reconstruction_scores(digits.test, outputs),
        artifacts=artifact_scores(model, measured_on, reference=measured_on),
        inputs_periodic=image_scores(measured_on, period=period),
        flat_initial=flat_initial[0],
        flat_trained=flat_input_imbalance(model),
        flat_images=[_first(flat_initial[1]), _first(flat_input_response(model))],
        reconstructions=outputs[: data.SHOWN_DIGITS],
        spectrum=power_spectrum(outputs[:ARTIFACT_IMAGES]),
        radial=azimuthal_spectrum(outputs[:ARTIFACT_IMAGES]),
    )
    model.save(folder / "models" / f"{candidate.name}.keras")
    console.say(
        f"  test BCE {result.test.bce:.4f}, PSNR {result.test.psnr:.2f} dB; "
        f"{result.seconds:.1f} s ({result.cpu_seconds:.1f} s CPU), "
        f"{result.samples_per_second:,.0f} samples/s"
    )
    return result


def _sizes(model: Model) -> str:
    """Each upsampling layer's spatial size in and out, e.g. '7→14, 14→28' (the first axis)."""
    return ", ".join(
        f"{layer.input.shape[1]}→{layer.output.shape[1]}" for layer in upsampling_layers(model)
    )


def _first(response: np.ndarray | None) -> np.ndarray | None:
    return None if response is None else response[0]
