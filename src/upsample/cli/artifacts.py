"""`upsample artifacts MODEL`: a model's checkerboard and border measures, now and at init.

For each upsampling layer (UpSampling*D, Conv*DTranspose, SubPixelConv*D,
ResizeConv*D, DepthToSpace) and for the model's outputs on MNIST test digits (an
autoencoder) or on random latent vectors (a generator), the measures of
`upsample.analysis.model_scores`, at the model's current weights and over random
initialisations of them.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import numpy as np

from upsample import zoo
from upsample.analysis import initializations, reinitialize, restored_weights
from upsample.analysis.model_scores import (
    Scores,
    UpsamplingLayer,
    artifact_scores,
    describe_upsampling,
    flat_start,
    spectral_period,
)
from upsample.analysis.upsampling_layers import total_factor
from upsample.cli import common
from upsample.cli.formatting import by as _by
from upsample.datasets import mnist
from upsample.models import Model, load_model
from upsample.reports.files import write_json
from upsample.utils import clear_session

DIGITS = (28, 28, 1)
DESCRIPTION = """\
How much checkerboard and border a model's upsampling leaves: for each upsampling
layer (UpSampling*D, Conv*DTranspose, SubPixelConv*D, ResizeConv*D, DepthToSpace)
and for the model's outputs on MNIST test digits (an autoencoder) or on random
latent vectors (a generator), at the model's current weights and over random
initialisations of them.
"""
EPILOG = """\
examples:
  upsample artifacts generator-transpose-28
      a GAN generator's checkerboard at initialisation (Odena et al. 2016: there at step 0)
  upsample artifacts runs/ae-transpose/model.keras --images 200
      a trained autoencoder: its grey frame, against the input digits' border
  upsample artifacts ae-upsampling --draws 10 --json artifacts.json

A zoo model's current weights are a fresh initialisation (seeded by --seed).
Measures (see upsample.analysis): overlap imbalance of a transposed convolution's
geometry (max/min paint over the output phases; 4 for kernel 3 stride 2 in 2-D);
DC imbalance of its kernel, or of a sub-pixel convolution's (std/|mean| of the
phases' gains, median over output channels; 0 = a flat input stays flat); on the
outputs, the phase-mean imbalance (std of the phase means / mean |Y|, the border
band left out), the spectral checkerboard (root-mean-square amplitude of the
energy at the period's frequencies above the local background, and peak/background
energy), the mean |Y| on the border band and inside it; and the phase-mean
imbalance of the response to a flat input fed to the first upsampling layer, on
the central half of each axis.
In --json, null marks a measure that does not apply or is infinite.
"""


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "artifacts",
        help="a model's checkerboard and border measures, now and at initialisation",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=common.HelpFormatter,
    )
    parser.add_argument(
        "model",
        metavar="MODEL",
        type=_model_source,
        help=f"a zoo name ({', '.join(zoo.names())}) or a .keras file",
    )
    parser.add_argument(
        "--images",
        type=common.positive_int,
        default=200,
        metavar="N",
        help="test digits (or latent vectors) to measure the outputs on",
    )
    parser.add_argument(
        "--draws", type=common.positive_int, default=5, metavar="N", help="random initialisations"
    )
    parser.add_argument(
        "--seed", type=common.non_negative_int, default=0, help="seed of every random draw"
    )
    parser.add_argument(
        "--border",
        type=common.positive_int,
        default=2,
        metavar="PX",
        help="width of the border band, in pixels",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the numbers to FILE")
    common.add_quiet(parser)
    parser.set_defaults(run=run)


def _model_source(text: str) -> str:
    """An argparse `type`: a zoo name or an existing .keras file."""
    if text in zoo.names():
        return text
    path = Path(text).expanduser()
    if path.suffix != ".keras":
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither a zoo model ({', '.join(zoo.names())}) nor a .keras file"
        )
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {text}")
    return str(path)


def run(args: argparse.Namespace) -> int:
    console = common.Console(args.quiet)
    rng = np.random.default_rng(args.seed)
    model, weights = _model(args.model, rng)
    layers = describe_upsampling(model)
    if not layers:
        raise common.UsageError(
            f"{args.model} has no upsampling layer (UpSampling*D, Conv*DTranspose, "
            "SubPixelConv*D, ResizeConv*D or DepthToSpace)"
        )
    inputs, reference, measured_on = _inputs(model, args, rng)
    now = _scores(model, inputs, args.border, reference)
    draws = []
    with restored_weights(model):
        for _ in initializations(model, draws=args.draws, seed=rng):
            draws.append(_scores(model, inputs, args.border, reference))
    period = total_factor(model)
    spatial = np.shape(model.predict(inputs[:1], verbose=0))[1:-1]
    rows = _rows(model, layers, now, draws, args.border, measured_on, period, spatial)
    console.say(f"{args.model}: {weights}")
    console.say(
        f"{len(layers)} upsampling layer(s), period {_by(period)} (the product of their "
        f"factors); outputs on {measured_on}; initialisation: {args.draws} draws, seed {args.seed}"
    )
    console.say("")
    for line in _table(rows, args.draws):
        console.say(line)
    if args.json is not None:
        record = {
            "model": args.model,
            "weights": weights,
            "period": list(period),
            "measured_on": measured_on,
            "images": args.images,
            "draws": args.draws,
            "seed": args.seed,
            "border": args.border,
            "layers": [
                {
                    "name": layer.name,
                    "kind": layer.kind,
                    "description": layer.description,
                    "overlap_imbalance": _finite(layer.overlap_imbalance),
                }
                for layer in layers
            ],
            "measures": {
                key: {
                    "now": _finite(now[key]),
                    "initialization": [_finite(draw[key]) for draw in draws],
                }
                for key in now
            },
        }
        try:
            write_json(args.json, record)
        except OSError as error:
            raise common.UsageError(f"--json {args.json}: {error.strerror}") from None
        console.say(f"\nWrote {args.json}")
    return 0


def _model(source: str, rng: np.random.Generator) -> tuple[Model, str]:
    if source in zoo.names():
        entry = zoo.get(source)
        clear_session()  # layer names as in a fresh Keras session
        model = entry.build()
        reinitialize(model, rng)
        return (
            model,
            f"{entry.description} (zoo, seed {entry.seed}); weights: a fresh initialisation",
        )
    try:
        model = load_model(source, compile=False)
    except (ValueError, KeyError, NotImplementedError, OSError) as error:
        raise common.UsageError(f"cannot load {source}: {error}") from None
    return model, "weights as saved in the file"


def _inputs(
    model: Model, args: argparse.Namespace, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray | None, str]:
    """The batch to measure the outputs on, the images to compare borders with, and a label."""
    shape = getattr(model, "input_shape", None)
    if isinstance(shape, tuple) and tuple(shape[1:]) == DIGITS:
        (_, _), (digits, _) = mnist.load(str(mnist.SAMPLE_PATH), download=False, quiet=True)[0]
        if args.images > len(digits):
            raise common.UsageError(
                f"--images {args.images}: the bundled MNIST sample has {len(digits):,} test digits"
            )
        images = digits[: args.images, :, :, None].astype(np.float32) / 255
        return images, images, f"{args.images} MNIST test digits (bundled sample)"
    if isinstance(shape, tuple) and len(shape) == 2 and shape[1] is not None:
        latent = rng.standard_normal((args.images, shape[1])).astype(np.float32)
        return latent, None, f"{args.images} latent vectors from a standard normal"
    raise common.UsageError(
        f"{args.model} takes inputs of shape {shape}; artifacts feeds 28x28x1 MNIST digits "
        "or latent vectors (batch, features)"
    )


def _scores(model: Model, inputs: np.ndarray, border: int, reference: np.ndarray | None) -> Scores:
    try:
        return artifact_scores(model, inputs, border=border, reference=reference)
    except ValueError as error:  # e.g. outputs too small for the border band
        raise common.UsageError(str(error)) from None


# --------------------------------------------------------------------------- the table


Row = tuple[str, str, str]  # label, now, at initialisation


def _rows(
    model: Model,
    layers: list[UpsamplingLayer],
    now: Scores,
    draws: list[Scores],
    border: int,
    measured_on: str,
    period: tuple[int, ...],
    spatial: tuple[int, ...],
) -> list[Row | str]:
    """The table: headings (str) and rows."""

    def row(label: str, key: str) -> Row:
        return label, _number(now[key]), _spread([draw[key] for draw in draws])

    rows: list[Row | str] = []
    for layer in layers:
        rows.append(
            f"{layer.name} ({layer.kind}, {layer.description}, input {_by(layer.input_shape)})"
        )
        if layer.phases is not None:
            rows.append((f"  {layer.phases}", "", ""))
        if layer.overlap_imbalance is not None:
            rows.append(("  overlap imbalance (geometry)", _number(layer.overlap_imbalance), ""))
        if f"{layer.name}/dc_imbalance" in now:
            rows.append(row("  DC imbalance (median over channels)", f"{layer.name}/dc_imbalance"))
    fitting = spectral_period(period, spatial)
    rows.append(f"outputs on {measured_on}")
    rows.append(row(f"  phase-mean imbalance (period {_by(period)})", "outputs/phase_imbalance"))
    spectral = "n/a" if fitting is None else _by(fitting)
    rows.append(row(f"  spectral amplitude (period {spectral})", "outputs/spectral_amplitude"))
    rows.append(row("  spectral peak / background", "outputs/peak_to_background"))
    rows.append(row(f"  border mean |Y| ({border} px band)", "outputs/border"))
    rows.append(row("  interior mean |Y|", "outputs/interior"))
    if now["inputs/border"] is not None:
        band = f"  inputs' border mean |X| ({border} px band)"
        rows.append((band, _number(now["inputs/border"]), ""))
        rows.append(("  inputs' interior mean |X|", _number(now["inputs/interior"]), ""))
    start = flat_start(model)
    rows.append(f"flat input (1.0) from {start or 'the model input'} on, central half")
    rows.append(row(f"  phase-mean imbalance (period {_by(period)})", "flat/phase_imbalance"))
    return rows


def _table(rows: list[Row | str], draws: int) -> list[str]:
    label_width = max(len(r[0]) for r in rows if isinstance(r, tuple))
    lines = [f"{'':{label_width}}  {'now':>10}  at initialisation (mean ± std of {draws})"]
    for r in rows:
        if isinstance(r, str):
            lines.append(r)
        else:
            label, now, initial = r
            lines.append(f"{label:{label_width}}  {now:>10}  {initial}".rstrip())
    return lines


def _number(value: float | None) -> str:
    if value is None:
        return "n/a"
    if math.isinf(value):
        return "inf"
    return f"{value:.4f}"


def _spread(values: list[float | None]) -> str:
    if any(v is None for v in values):
        return "n/a"
    numbers = [v for v in values if v is not None]
    if any(math.isinf(v) for v in numbers):
        return "inf"
    return f"{np.mean(numbers):.4f} ± {np.std(numbers):.4f}"


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None
