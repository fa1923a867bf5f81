"""`upsample explain`: what one transposed convolution or upsampling layer computes.

explain conv-transpose prints a transposed convolution's shape arithmetic with
the relationship it follows (Dumoulin & Visin 2016), the zero-inserted input of
its stride-1 view, the positions each input pixel paints, and its overlap map
with the per-phase counts (Odena et al. 2016); explain upsampling prints the
interpolation weights of UpSampling2D, in Keras's half-pixel convention or
another (--coordinates).  Both draw what they print as a PNG.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from upsample.analysis import (
    TransposeAxis,
    conv_transpose_arithmetic,
    interpolation_weights,
    overlap_map,
    scatter_map,
    zero_inserted_input,
)
from upsample.analysis.overlap import Overlap
from upsample.cli import common
from upsample.cli.formatting import by as _by
from upsample.ops import resampling as resample

DEFAULT_FOLDER = "explain"
EPILOG = """\
examples:
  upsample explain conv-transpose --input 4 --kernel 3 --stride 2 --padding same
      the seeds' Conv2DTranspose: uneven overlap, 4 times more paint on some pixels
  upsample explain conv-transpose --input 4 --kernel 4 --stride 2 --padding same
      even overlap
  upsample explain conv-transpose --input 3 --kernel 1 --stride 2
      seed 001's 1x1 kernel: zeros between the pixels
  upsample explain upsampling --size 2 --interpolation bilinear
      which input pixels each output pixel mixes, and how much
  upsample explain upsampling --interpolation bilinear --coordinates all
      the same in each coordinate convention (Keras's half_pixel, PyTorch's
      align_corners=True, TF 1's asymmetric)

The figure goes to ./explain (--output DIR).
"""
CONV_DESCRIPTION = """\
A transposed convolution (Keras's Conv1D/2D/3DTranspose) on an input of the given
size: its output length with the relationship it follows, the zero-inserted input
of the equivalent stride-1 convolution, the output positions each input pixel
paints, and the overlap map (how many input pixels reach each output position)
with its per-phase counts, drawn to a PNG.  Sizes are one number (every axis) or
one per axis, e.g. --input 4,6; the default is 2-D, as Conv2DTranspose.
"""
UPSAMPLING_DESCRIPTION = """\
The interpolation weights of UpSampling2D (Keras 3: half-pixel centres, taps
outside the input dropped and the others renormalised): for each output position
of an axis of --input pixels, where it samples the input and with which weights,
printed as a table and drawn as the operator's matrix to a PNG.  --coordinates
shows them in other conventions too, one table and one panel each.
"""
# Where output o of an axis of n pixels upsampled by f samples the input, per convention.
CONVENTIONS = {
    "half_pixel": "x = (o + 0.5) / f - 0.5: half-pixel centres (Keras 3, TF 2, PyTorch "
    "align_corners=False and mode='nearest-exact')",
    "align_corners": "x = o (n - 1) / (f n - 1): the corner centres line up (PyTorch and TF 1 "
    "align_corners=True)",
    "asymmetric": "x = o / f: the first centre and the ends line up (TF 1 and Keras <= 2.3 "
    "resize_bilinear, PyTorch mode='nearest')",
}
INTERPOLATIONS = resample.INTERPOLATIONS


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "explain",
        help="what a transposed convolution or an upsampling layer computes, printed and drawn",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=common.HelpFormatter,
    )
    kinds = parser.add_subparsers(title="layers", metavar="LAYER", dest="layer")
    conv = kinds.add_parser(
        "conv-transpose",
        help="a transposed convolution's shapes, zero insertion, scatter and overlap",
        description=CONV_DESCRIPTION,
        epilog=EPILOG,
        formatter_class=common.HelpFormatter,
    )
    conv.add_argument("--input", type=_sizes(1), default="4", metavar="N[,N...]", help="input size")
    conv.add_argument(
        "--kernel", type=_sizes(1), default="3", metavar="K[,K...]", help="kernel_size"
    )
    conv.add_argument("--stride", type=_sizes(1), default="2", metavar="S[,S...]", help="strides")
    conv.add_argument(
        "--padding", choices=("valid", "same"), default="valid", help="Keras's padding"
    )
    conv.add_argument(
        "--output-padding",
        type=_sizes(0),
        metavar="P[,P...]",
        help="Keras's output_padding, each smaller than its stride (default: None)",
    )
    conv.add_argument(
        "--dilation", type=_sizes(1), default="1", metavar="D[,D...]", help="dilation_rate"
    )
    conv.add_argument(
        "--rank",
        type=int,
        choices=(1, 2, 3),
        help="spatial axes (default: as many as the sizes give, else 2)",
    )
    _add_common(conv)
    conv.set_defaults(run=run_conv_transpose)
    upsampling = kinds.add_parser(
        "upsampling",
        help="an upsampling layer's interpolation weights",
        description=UPSAMPLING_DESCRIPTION,
        epilog=EPILOG,
        formatter_class=common.HelpFormatter,
    )
    upsampling.add_argument("--size", type=_sizes(1), default="2", metavar="F[,F...]", help="size")
    upsampling.add_argument(
        "--interpolation", choices=INTERPOLATIONS, default="nearest", help="UpSampling2D's"
    )
    upsampling.add_argument(
        "--input", type=_sizes(1), default="4", metavar="N[,N...]", help="input size"
    )
    upsampling.add_argument(
        "--coordinates",
        type=_conventions,
        default="half_pixel",
        metavar="C[,C...]",
        help="coordinate conventions: half_pixel (Keras's), align_corners, asymmetric, or all",
    )
    _add_common(upsampling)
    upsampling.set_defaults(run=run_upsampling)
    parser.set_defaults(run=lambda args: _missing_layer(parser))


def _add_common(parser: argparse.ArgumentParser) -> None:
    common.add_output_options(parser, DEFAULT_FOLDER)
    parser.add_argument("--no-figure", action="store_true", help="print only; write no PNG")
    common.add_quiet(parser)


def _missing_layer(parser: argparse.ArgumentParser) -> int:
    parser.print_usage()
    raise common.UsageError("choose what to explain: conv-transpose or upsampling")


def _sizes(minimum: int) -> Callable[[str], tuple[int, ...]]:
    """An argparse `type`: one int or a comma-separated list, each at least `minimum`."""

    def parse(text: str) -> tuple[int, ...]:
        parts = text.replace("x", ",").split(",")
        try:
            values = tuple(int(part) for part in parts)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be a whole number or a list like 4,6; got {text!r}"
            ) from None
        if not 1 <= len(values) <= 3 or min(values) < minimum:
            raise argparse.ArgumentTypeError(
                f"must be 1 to 3 whole numbers, each at least {minimum}; got {text!r}"
            )
        return values

    return parse


def _conventions(text: str) -> tuple[str, ...]:
    """An argparse `type`: coordinate conventions, comma-separated, or "all"."""
    names = tuple(resample.COORDINATES) if text == "all" else tuple(text.split(","))
    unknown = [name for name in names if name not in resample.COORDINATES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"must be one or more of {', '.join(resample.COORDINATES)} (comma-separated), "
            f"or all; got {text!r}"
        )
    return tuple(dict.fromkeys(names))


# --------------------------------------------------------------------------- conv-transpose


def run_conv_transpose(args: argparse.Namespace) -> int:
    console = common.Console(args.quiet)
    options = {
        "--input": args.input,
        "--kernel": args.kernel,
        "--stride": args.stride,
        "--dilation": args.dilation,
        **({} if args.output_padding is None else {"--output-padding": args.output_padding}),
    }
    rank = _rank(args.rank, options)
    sizes = {option: _broadcast(option, values, rank) for option, values in options.items()}
    output_padding = sizes.get("--output-padding")
    if output_padding is not None and any(
        p >= s for p, s in zip(output_padding, sizes["--stride"])
    ):
        raise common.UsageError(
            f"--output-padding {_text(output_padding)} must be smaller than --stride "
            f"{_text(sizes['--stride'])} along every axis (as Keras requires)"
        )
    arguments = {
        "kernel_size": sizes["--kernel"],
        "strides": sizes["--stride"],
        "padding": args.padding,
        "output_padding": output_padding,
        "dilation_rate": sizes["--dilation"],
    }
    try:
        axes = conv_transpose_arithmetic(sizes["--input"], **arguments)
    except ValueError as error:
        raise common.UsageError(f"these sizes give no output: {error}") from None
    overlap = overlap_map(sizes["--input"], **arguments)
    for block in _conv_transpose_text(axes, overlap, arguments):
        console.say(block)
    if not args.no_figure:
        path = _target(args, _figure_name(axes, args.padding))
        _draw_overlap(axes, overlap, path)
        console.say(f"\nWrote {path}")
    return 0


def _rank(requested: int | None, options: dict[str, tuple[int, ...]]) -> int:
    lengths = {len(values) for values in options.values() if len(values) > 1}
    if len(lengths) > 1:
        listed = ", ".join(f"{o} {_text(v)}" for o, v in options.items() if len(v) > 1)
        raise common.UsageError(f"the sizes disagree on the number of axes: {listed}")
    found = lengths.pop() if lengths else None
    if requested is not None and found is not None and found != requested:
        raise common.UsageError(f"--rank {requested} but the sizes give {found} axes")
    return requested or found or 2


def _broadcast(option: str, values: tuple[int, ...], rank: int) -> tuple[int, ...]:
    if len(values) == 1:
        return values * rank
    if len(values) != rank:
        raise common.UsageError(f"{option} {_text(values)} gives {len(values)} axes, not {rank}")
    return values


def _text(values: Sequence[int]) -> str:
    return ",".join(str(v) for v in values)


def _conv_transpose_text(
    axes: tuple[TransposeAxis, ...], overlap: Overlap, arguments: dict[str, Any]
) -> list[str]:
    rank = len(axes)
    first = axes[0]
    layer = f"Conv{rank}DTranspose"
    same_axes = (
        len({(a.input_length, a.kernel_size, a.stride, a.dilation, a.output_padding) for a in axes})
        == 1
    )
    op = arguments["output_padding"]
    header = (
        f"{layer}(kernel_size={_by(arguments['kernel_size'])}, "
        f"strides={_by(arguments['strides'])}, "
        f"padding={first.padding!r}, output_padding={None if op is None else _by(op)}, "
        f"dilation_rate={_by(arguments['dilation_rate'])}) on a "
        f"{_by([a.input_length for a in axes])} input -> "
        f"{_by([a.output_length for a in axes])} output"
    )
    blocks = [header]
    shown = axes[:1] if same_axes else axes
    for index, axis in enumerate(shown):
        title = "Shape arithmetic" + ("" if same_axes else f", axis {index}")
        title += " (the same along every axis)" if same_axes and rank > 1 else ""
        blocks.append(f"\n{title} -- Dumoulin & Visin 2016, Keras 3:\n" + _arithmetic(axis))
    pads = ", ".join(f"{a.pad_start} before and {a.pad_end} after" for a in shown)
    blocks.append(
        _wrapped(
            "\nZero-inserted input (the stride-1 view): the input's pixels, numbered 1 to "
            f"{np.prod([a.input_length for a in axes])} row by row, with s - 1 zeros (.) between "
            f"them and k^ - 1 - crop zeros at the ends ({pads}); a stride-1 convolution with "
            "the flipped kernel gives the output."
        )
        + "\n"
        + _grid(zero_inserted_input(axes))
    )
    blocks.append(
        "\nScatter: the output positions each input pixel's kernel paints, per axis\n"
        + "\n".join(_scatter_lines(shown))
    )
    if rank > 1:
        pixel = tuple(a.input_length // 2 for a in axes)
        blocks.append(
            f"\nThe output painted by input pixel {pixel} (kernel taps numbered 1 to "
            f"{np.prod(arguments['kernel_size'])} row by row):\n" + _grid(scatter_map(axes)[pixel])
        )
    interior = "; ".join(
        f"axis {i}: {_ranges(np.flatnonzero(a.interior))}" for i, a in enumerate(overlap.axes)
    )
    blocks.append(
        "\nOverlap map: how many input pixels reach each output position\n"
        + _grid(overlap.counts, zero=".")
        + _wrapped(f"\nInterior (every tap of the position's phase lands on the input): {interior}")
    )
    blocks.append(
        "\nPer-phase counts away from the borders (phase = output index mod stride, per axis):\n"
        + _grid(overlap.phase_counts, zero="0")
        + "\n"
        + _wrapped(_imbalance_sentence(overlap.imbalance, rank))
    )
    return blocks


def _arithmetic(axis: TransposeAxis) -> str:
    i, k, s, d, ke = (
        axis.input_length,
        axis.kernel_size,
        axis.stride,
        axis.dilation,
        axis.kernel_extent,
    )
    crop_end = (
        f"{axis.crop_end}"
        if axis.crop_end >= 0
        else f"{axis.crop_end} (adds {-axis.crop_end} zeros)"
    )
    rows = [
        ("kernel extent", f"k^ = d(k - 1) + 1 = {d}*{k - 1} + 1 = {ke}", "relationship 15"),
        (
            "paint covers",
            f"s(i - 1) + k^ = {s}*{i - 1} + {ke} = {axis.scatter_length} positions",
            "relationship 12",
        ),
        ("Keras crops", f"{axis.crop_start} at the start, {crop_end} at the end", ""),
        ("output length", axis.relationship(), "relationship 14"),
        ("Keras's rule", axis.keras_rule(), ""),
    ]
    return "\n".join(
        f"  {name:15}{text}" + (f"   [{source}]" if source else "") for name, text, source in rows
    )


def _scatter_lines(axes: Sequence[TransposeAxis]) -> list[str]:
    lines = []
    for index, axis in enumerate(axes):
        if len(axes) > 1:
            lines.append(f"  axis {index}:")
        for pixel, painted in enumerate(axis.scatter()):
            targets = ", ".join(
                f"{p} (tap {t})" if 0 <= p < axis.output_length else f"{p} (tap {t}, cropped)"
                for p, t in painted
            )
            lines.append(f"  input {pixel} -> {targets}")
    return lines


def _imbalance_sentence(imbalance: float, rank: int) -> str:
    if imbalance == 1.0:
        return (
            "Imbalance (max / min over phases): 1 -- even overlap: every output gets as much paint."
        )
    if np.isinf(imbalance):
        return (
            "Imbalance (max / min over phases): infinite -- some phases get no tap at all: "
            "zeros between the painted pixels."
        )
    return (
        f"Imbalance (max / min over phases): {imbalance:g} -- uneven overlap: a periodic pattern "
        f"(checkerboard) unless the weights balance it (Odena et al. 2016)"
        + ("; the axes multiply." if rank > 1 else ".")
    )


def _wrapped(text: str) -> str:
    """Prose at the width of the tables, blank lines kept."""
    return "\n".join(textwrap.fill(line, 92) if line else line for line in text.split("\n"))


def _ranges(indices: np.ndarray) -> str:
    """``[1, 2, 3, 5]`` -> ``"1-3, 5"``."""
    if len(indices) == 0:
        return "none"
    runs: list[list[int]] = []
    for index in indices.tolist():
        if runs and index == runs[-1][1] + 1:
            runs[-1][1] = index
        else:
            runs.append([index, index])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def _grid(array: np.ndarray, zero: str = ".") -> str:
    """A small integer array as text: a row (1-D), a grid (2-D), grids per depth (3-D)."""
    width = max(len(str(int(v))) for v in array.ravel())
    if array.ndim == 3:
        return "\n".join(f"  depth {z}:\n{_grid(array[z], zero)}" for z in range(array.shape[0]))
    rows = array[None] if array.ndim == 1 else array
    return "\n".join(
        "  " + " ".join((str(int(v)) if v else zero).rjust(width) for v in row) for row in rows
    )


def _figure_name(axes: Sequence[TransposeAxis], padding: str) -> str:
    parts = [
        f"i{_by([a.input_length for a in axes])}",
        f"k{_by([a.kernel_size for a in axes])}",
        f"s{_by([a.stride for a in axes])}",
        padding,
    ]
    if any(a.output_padding is not None for a in axes):
        parts.append(f"op{_by([a.output_padding or 0 for a in axes])}")
    if any(a.dilation > 1 for a in axes):
        parts.append(f"d{_by([a.dilation for a in axes])}")
    return "conv-transpose-" + "-".join(parts) + ".png"


def _draw_overlap(axes: Sequence[TransposeAxis], overlap: Overlap, path: Path) -> None:
    from upsample.reports import plots  # matplotlib is slow to import: only when drawing

    counts, phases = overlap.counts, overlap.phase_counts
    if counts.ndim == 3:
        # One slice per depth phase, each the first interior one of its phase.
        panels = {}
        for a in range(phases.shape[0]):
            depths = [z for z in range(counts.shape[0]) if z % phases.shape[0] == a]
            inside = [z for z in depths if overlap.axes[0].interior[z]] or depths
            if inside:
                panels[f"Overlap, depth {inside[0]}"] = counts[inside[0]]
                panels[f"Phase counts, depth phase {a}"] = phases[a]
    else:
        shape = _by([a.output_length for a in axes])
        panels = {
            f"Overlap map ({shape})": np.atleast_2d(counts),
            "Per-phase counts (interior)": np.atleast_2d(phases),
        }
    kernel, stride = _by([a.kernel_size for a in axes]), _by([a.stride for a in axes])
    title = f"Kernel {kernel}, stride {stride}: paint per output (imbalance {overlap.imbalance:g})"
    plots.save_png(plots.matrices(panels, title=title), path)


def _target(args: argparse.Namespace, name: str) -> Path:
    """The PNG's path in --output: the folder is created; an existing file needs --overwrite."""
    folder = args.output or Path(DEFAULT_FOLDER)
    if folder.exists() and not folder.is_dir():
        raise common.UsageError(f"--output {folder} exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise common.UsageError(f"--output {folder}: cannot create it ({error.strerror})") from None
    path = folder / name
    if path.exists() and not args.overwrite:
        raise common.UsageError(f"{path} exists; pass --overwrite to replace it")
    return path


# --------------------------------------------------------------------------- upsampling


def run_upsampling(args: argparse.Namespace) -> int:
    console = common.Console(args.quiet)
    options = {"--size": args.size, "--input": args.input}
    rank = _rank(None, options)
    factors, lengths = (_broadcast(o, v, rank) for o, v in options.items())
    conventions = _usable_conventions(args.coordinates, args.interpolation)
    layer = f"UpSampling{rank}D" if args.interpolation == "nearest" or rank == 2 else "UpSampling"
    beyond = "" if conventions == ("half_pixel",) else f", coordinates={_listed(conventions)}"
    console.say(
        f"{layer}(size={_by(factors)}, interpolation={args.interpolation!r}{beyond}) on a "
        f"{_by(lengths)} input -> {_by([f * n for f, n in zip(factors, lengths)])} output"
    )
    console.say(
        _wrapped(
            "Output o samples the input at position x (in input pixels, pixel j centred at j), "
            "weighs the inputs near x by the kernel, drops those outside the input and "
            "renormalises the rest. Resampling is separable: each axis has its own table, "
            "and a pixel's weight is the product of its row's and its column's."
        )
    )
    panels = {}
    for coordinates in conventions:
        console.say(_wrapped(f"\n{coordinates}: {CONVENTIONS[coordinates]}"))
        for factor, length in sorted(set(zip(factors, lengths))):
            weights = interpolation_weights(
                length, factor=factor, interpolation=args.interpolation, coordinates=coordinates
            )
            pairs = list(zip(factors, lengths))
            which = [str(i) for i, pair in enumerate(pairs) if pair == (factor, length)]
            console.say(f"\nAxis {', '.join(which)}: {length} -> {factor * length} pixels")
            console.say(f"  {'output':>6}  {'samples x':>9}  inputs: weights")
            for o, x in enumerate(weights.positions):
                taps = "  ".join(f"{j}: {w:.4g}" for j, w in weights.taps(o))
                console.say(f"  {o:6d}  {x:9.4g}  {taps}")
            label = f"Weights, {factor * length} outputs x {length} inputs"
            if len(conventions) > 1:
                label = f"{coordinates}, {factor * length} x {length}"
            panels[label] = np.round(weights.matrix, 2)  # short enough to fit the cells
    if not args.no_figure:
        from upsample.reports import plots

        shown = "" if conventions == ("half_pixel",) else "-" + "-".join(conventions)
        name = f"upsampling-{args.interpolation}{shown}-size{_by(factors)}-i{_by(lengths)}.png"
        path = _target(args, name)
        title = f"UpSampling, size {_by(factors)}, {args.interpolation}: output = weights @ input"
        plots.save_png(plots.matrices(panels, title=title), path)
        console.say(f"\nWrote {path}")
    return 0


def _usable_conventions(requested: tuple[str, ...], interpolation: str) -> tuple[str, ...]:
    """The requested conventions; "all" leaves out align_corners for nearest, which lacks it."""
    if "align_corners" not in requested or interpolation != "nearest":
        return requested
    if requested == resample.COORDINATES:
        return tuple(c for c in requested if c != "align_corners")
    raise common.UsageError(
        "--coordinates align_corners needs an interpolating kernel (as PyTorch's align_corners): "
        "use --interpolation bilinear, bicubic, lanczos3 or lanczos5; for nearest, "
        "half_pixel is PyTorch's mode='nearest-exact' and asymmetric its mode='nearest'"
    )


def _listed(names: Sequence[str]) -> str:
    return repr(names[0]) if len(names) == 1 else "/".join(names)
