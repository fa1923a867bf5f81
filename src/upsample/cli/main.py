"""Entry point of the `upsample` command: argument parsing and dispatch."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from upsample import __version__

DESCRIPTION = """\
Upsampling layers of convolutional networks (UpSampling2D and Conv2DTranspose),
computed on NumPy exactly as Keras 3 computes them.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="upsample",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    parser.parse_args(argv)
    parser.print_help()
    return 0
