"""Entry point of the `upsample` command: argument parsing and dispatch."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Sequence
from contextlib import suppress

from upsample import __version__, config
from upsample.cli import artifacts, common, compare, demo, explain, summary, train

DESCRIPTION = """\
Upsampling layers of convolutional networks (UpSampling2D and Conv2DTranspose),
computed on NumPy exactly as Keras 3 computes them, and the seeds' experiments
with them.
"""
EPILOG = """\
examples:
  upsample compare                 six decoders that differ only in upsampling: ./report
  upsample demo                    the 2x2 demonstrations, printed and drawn in ./demo
  upsample train ae-transpose      train one autoencoder into ./runs/...
  upsample summary ae-upsampling   a model's layers and parameters
  upsample explain conv-transpose --kernel 3 --stride 2
                                   a transposed convolution's shapes and overlap
  upsample artifacts ae-transpose  a model's checkerboard and border measures

Run 'upsample COMMAND --help' for a command's options.
"""
COMMANDS = (compare, train, demo, summary, explain, artifacts)
# What a shell reports for a program that a closed pipe stopped (128 + SIGPIPE), as `cat`.
BROKEN_PIPE = 141


def build_parser() -> common.Parser:
    parser = common.Parser(
        prog="upsample",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=common.HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", dest="command")
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line `argv` (default: ``sys.argv[1:]``); returns the exit code.

    When the reader of the output goes away (``upsample summary X | head``),
    the command stops quietly, as Unix tools do.
    """
    try:
        try:
            return _run(list(sys.argv[1:] if argv is None else argv))
        finally:  # (argparse's --help and errors exit): flush here, not at exit, to catch EPIPE
            sys.stdout.flush()
    except BrokenPipeError:
        # Python would fail again flushing stdout at exit: send what is left nowhere.
        with suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        return BROKEN_PIPE


def _run(argv: list[str]) -> int:
    config.tune_allocator()  # the command is the process: keep freed memory mapped (training)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    args.command_line = shlex.join(["upsample", *argv])
    try:
        code: int = args.run(args)
    except BrokenPipeError:
        raise  # an OSError, but not an error of the command: see `main`
    except common.UsageError as error:
        print(f"upsample {args.command}: error: {error}", file=sys.stderr)
        return common.USAGE_ERROR
    except OSError as error:  # a full disk, a folder we may not write to, ...
        print(f"upsample {args.command}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\nupsample {args.command}: interrupted", file=sys.stderr)
        return 130
    except MemoryError as error:
        print(f"upsample {args.command}: error: {_out_of_memory(error, args)}", file=sys.stderr)
        return 1
    return code


def _out_of_memory(error: MemoryError, args: argparse.Namespace) -> str:
    """One line for a `MemoryError`: upsample's own (refused before allocating) or NumPy's
    (an allocation failed), with the option that shrinks the work."""
    what = str(error) if isinstance(error, config.MemoryLimitError) else f"out of memory ({error})."
    if not hasattr(args, "batch_size"):
        return what
    fitting = getattr(error, "batch_size", None)
    if fitting:
        return f"{what} Use --batch-size {fitting} or less."
    if fitting == 0:
        return what
    return f"{what} Try a smaller --batch-size."
