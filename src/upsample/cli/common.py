"""What every command shares: one-line errors, argument types, output folders, messages."""

from __future__ import annotations

import argparse
import datetime
import math
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from upsample import zoo
from upsample.zoo.registry import Task

# argparse's and our own usage errors exit with this code, as Unix tools do.
USAGE_ERROR = 2


class UsageError(Exception):
    """A bad argument found after parsing: reported in one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    """An `ArgumentParser` whose errors are one line naming the problem, not a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples' line breaks and shows every option's default."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        # `is`, not `in`: a default of 0 is worth showing, and 0 == False.
        if (
            "%(default)" in text
            or default is None
            or default is False
            or default == argparse.SUPPRESS
        ):
            return text
        if action.option_strings or action.nargs in ("?", "*"):
            text += " (default: %(default)s)"
        return text


def positive_int(text: str) -> int:
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None


def positive_float(text: str) -> float:
    value = _float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def fraction(text: str) -> float:
    """A validation fraction: 0 (no validation) up to, but not including, 1."""
    value = _float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 0 and less than 1, got {text}")
    return value


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
    return value


def model_name(task: Task | None = None) -> Callable[[str], str]:
    """An argparse `type` accepting the zoo's names (those of `task`, if given)."""
    allowed = zoo.names(task)

    def check(text: str) -> str:
        if text in allowed:
            return text
        if text in zoo.names():
            raise argparse.ArgumentTypeError(
                f"{text!r} is {with_article(zoo.get(text).task)}; this command takes "
                f"{with_article(str(task))}: {', '.join(allowed)}"
            )
        raise argparse.ArgumentTypeError(
            f"unknown model {text!r}; choose from {', '.join(allowed)}"
        )

    return check


def with_article(noun: str) -> str:
    """'a generator', 'an autoencoder': by the first letter, which is right for our nouns."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def add_output_options(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument(
        "--output",
        "-o",
        metavar="DIR",
        type=Path,
        help=f"folder to write into (default: {default}); created if needed",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="write into DIR even if it already holds files (they may be replaced)",
    )


def add_quiet(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")


def timestamp() -> str:
    return datetime.datetime.now().strftime("%Y%m%d-%H%M%S")


def output_folder(path: Path, *, overwrite: bool) -> Path:
    """Create `path`, refusing one that already holds files unless `overwrite`."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"--output {path} exists and is not a folder")
    if path.is_dir() and any(path.iterdir()) and not overwrite:
        raise UsageError(f"--output {path} is not empty; choose another folder or pass --overwrite")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"--output {path}: cannot create it ({error.strerror})") from None
    check_writable(path)
    return path


def check_writable(folder: Path) -> None:
    """Refuse an --output folder that we cannot create files in, before any work.

    A file is created and removed there: permission bits alone do not tell
    (root, access control lists, read-only mounts).
    """
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise UsageError(
            f"--output {folder}: cannot write there ({error.strerror or error})"
        ) from None


class Console:
    """Messages for the user on stdout, silenced by --quiet; notes and errors on stderr."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    def say(self, message: str = "") -> None:
        if not self.quiet:
            print(message, flush=True)

    def note(self, message: str) -> None:
        if not self.quiet:
            print(message, file=sys.stderr, flush=True)

    def error(self, message: str) -> None:
        """On stderr even with --quiet: what went wrong, beside a non-zero exit code."""
        print(message, file=sys.stderr, flush=True)

    @property
    def verbose(self) -> int:
        """Keras's `verbose`: live bars on a terminal, one line per epoch in a log file."""
        if self.quiet:
            return 0
        return 1 if sys.stdout.isatty() else 2
