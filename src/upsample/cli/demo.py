"""`upsample demo`: the seeds' small demonstrations, printed and drawn.

1. Seed 000: the 2x2 image [[0, 0.5], [1, 1.5]] upsampled 32x by UpSampling2D
   with each interpolation, side by side.
2. Seeds 001/003: [[1, 2], [3, 4]] through UpSampling2D (each pixel repeated
   2x2) and through a stride-2 1x1 Conv2DTranspose with weight 1 and bias 0
   (zeros inserted between the pixels).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from upsample.cli import common
from upsample.layers import Conv2DTranspose, UpSampling2D
from upsample.models import Model, Sequential
from upsample.utils import clear_session

FACTOR = 32
INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "lanczos3")
EPILOG = """\
examples:
  upsample demo                 writes ./demo/*.png
  upsample demo --output /tmp/demo --quiet

It writes upsampling-32x.png, upsampling2d-2x2.png and conv2dtranspose-2x2.png.
"""


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "demo",
        help="the seeds' small demonstrations (2x2 images upsampled), printed and drawn",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=common.HelpFormatter,
    )
    common.add_output_options(parser, "demo")
    common.add_quiet(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    console = common.Console(args.quiet)
    folder = common.output_folder(args.output or Path("demo"), overwrite=args.overwrite)
    written = [_interpolations(folder, console), *_two_by_two(folder, console)]
    console.say("\nWrote " + ", ".join(str(path) for path in written))
    return 0


def _predict(model: Model, image: np.ndarray) -> np.ndarray:
    """One (H, W) image through `model`, as the seeds do: add batch and channel axes."""
    batch = image.reshape((1, *image.shape, 1))
    return np.asarray(model.predict(batch, verbose=0))[0, :, :, 0]


def _interpolations(folder: Path, console: common.Console) -> Path:
    """Seed 000: np.arange(0, 2, 0.5) as a 2x2 image, upsampled 32x."""
    from upsample.reports import plots  # imported when needed: matplotlib is slow to import

    image = np.arange(0, 2, 0.5).reshape((2, 2)).astype("float32")
    console.say(f"The 2x2 image\n{image}\nupsampled {FACTOR}x by UpSampling2D:")
    console.say(f"  {'interpolation':14}{'shape':>10}{'min':>9}{'max':>9}{'mean':>9}")
    outputs = {}
    for interpolation in INTERPOLATIONS:
        model = Sequential(
            [UpSampling2D((FACTOR, FACTOR), input_shape=(2, 2, 1), interpolation=interpolation)]
        )
        out = outputs[interpolation] = _predict(model, image)
        shape = "x".join(map(str, out.shape))
        console.say(
            f"  {interpolation:14}{shape:>10}{out.min():9.4f}{out.max():9.4f}{out.mean():9.4f}"
        )
    console.say(
        "  (bicubic and lanczos3 overshoot the input's range [0, 1.5]: their kernels have "
        "negative lobes)"
    )
    path = folder / f"upsampling-{FACTOR}x.png"
    plots.save_png(plots.upsampling_demo(image, outputs, factor=FACTOR), path)
    return path


def _two_by_two(folder: Path, console: common.Console) -> list[Path]:
    """Seeds 001/003: X = [[1, 2], [3, 4]] through the two layers, printed as they print it."""
    from upsample.reports import plots  # imported when needed: matplotlib is slow to import

    x = np.asarray([[1, 2], [3, 4]])
    clear_session()  # the layer names of a fresh session, as the seeds' summaries show
    upsampling = Sequential([UpSampling2D(input_shape=(2, 2, 1))])
    transpose = Sequential([Conv2DTranspose(1, (1, 1), strides=(2, 2), input_shape=(2, 2, 1))])
    # A weight of 1 and a bias of 0 copy each input pixel: what is left is the stride's zeros.
    transpose.set_weights([np.asarray([[[[1]]]]), np.asarray([0])])
    paths = []
    for title, model, file in (
        ("UpSampling2D(): every pixel repeated 2x2", upsampling, "upsampling2d-2x2.png"),
        (
            "Conv2DTranspose(1, (1,1), strides=(2,2)), weight 1, bias 0: zeros inserted",
            transpose,
            "conv2dtranspose-2x2.png",
        ),
    ):
        yhat = _predict(model, x.astype("float32"))
        console.say(f"\n{title}")
        console.say(str(x))
        if not console.quiet:
            model.summary()
        console.say(str(yhat.reshape((4, 4))))
        path = folder / file
        plots.save_png(
            plots.matrices({"Input X (2x2)": x, "Output (4x4)": yhat}, title=title), path
        )
        paths.append(path)
    return paths
