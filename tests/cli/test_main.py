"""`upsample` itself: help, version, dispatch, and one-line errors with exit code 2."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from cli.helpers import TINY, Run
from upsample.cli import common, main
from upsample.datasets import mnist

COMMANDS = ["compare", "train", "demo", "summary"]


def test_python_m_upsample_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "upsample", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    for command in COMMANDS:
        assert command in result.stdout
    assert "examples:" in result.stdout


def test_no_command_prints_help(run: Run) -> None:
    code, out, _ = run()
    assert code == 0
    assert "usage: upsample" in out


def test_version(run: Run) -> None:
    code, out, _ = run("--version")
    assert code == 0
    assert out.startswith("upsample ")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_examples(run: Run, command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0
    assert f"usage: upsample {command}" in out
    assert "examples:" in out
    assert "--quiet" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["train"], "the following arguments are required: MODEL"),
        (
            ["train", "ae-nope"],
            "unknown model 'ae-nope'; choose from ae-upsampling, ae-transpose, ae-sub-pixel, "
            "ae-resize-conv, generator-upsampling, ",
        ),
        (["train", "generator-transpose"], "Train a 28x28 generator: generator-upsampling-28"),
        (["summary", "nope"], "generator-transpose-28"),
        (["compare", "--epochs", "0"], "argument --epochs: must be at least 1, got 0"),
        (["compare", "--epochs", "two"], "argument --epochs: must be a whole number"),
        (["compare", "--batch-size", "-5"], "argument --batch-size: must be at least 1"),
        (["train", "ae-upsampling", "--validation-split", "1"], "--validation-split: must be at"),
        (["compare", "--learning-rate", "0"], "argument --learning-rate: must be more than 0"),
        (["compare", "--seed", "-1"], "argument --seed: must be 0 or more"),
        (["compare", "--data", "missing.npz"], "argument --data: no such file: missing.npz"),
        (["train", "ae-upsampling", "--resume"], "--resume needs --output DIR"),
        (["train", "ae-upsampling", "--resume", "--output", "nowhere"], "no saved model"),
        (["train", "ae-upsampling", "--limit", "1", "--data", "sample"], "use a larger --limit"),
        (["demo", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(run: Run, argv: list[str], message: str) -> None:
    code, _, err = run(*argv)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1, err  # one line, no usage dump
    assert err.startswith("upsample")


def test_not_a_mnist_file_is_a_usage_error(run: Run, tmp_path: Path) -> None:
    (tmp_path / "other.npz").write_bytes(b"not a zip file")
    code, _, err = run("train", "ae-upsampling", "--data", "other.npz", *TINY[2:])
    assert code == 2
    assert "--data" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (lambda path: path.write_text("x_train,y_train"), "is not an .npz file"),
        (
            lambda path: np.savez(
                path, **{key: np.array([None], dtype=object) for key in mnist.KEYS}
            ),
            "x_train holds Python objects",
        ),
    ],
)
def test_a_bad_data_file_is_named_in_one_line(
    run: Run, tmp_path: Path, write: Callable[[Path], object], message: str
) -> None:
    path = tmp_path / "digits.npz"
    write(path)
    code, _, err = run("train", "ae-upsampling", "--data", "digits.npz", *TINY[2:])
    assert code == 2
    assert f"error: --data: {path}" in err and message in err
    assert "allow_pickle" not in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    "command", [["compare", *TINY], ["demo"], ["train", "ae-transpose", *TINY]]
)
def test_an_unwritable_output_folder_is_refused_before_any_work(
    run: Run, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    def cannot_write(*args: object, **kwargs: object) -> object:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    # Permission bits do not stop root, so the folder refuses files the way the OS would.
    monkeypatch.setattr(common.tempfile, "TemporaryFile", cannot_write)
    code, out, err = run(*command, "--output", "locked")
    assert code == 2
    assert "--output locked: cannot write there (Permission denied)" in err
    assert "MNIST" not in err and out == ""  # no data was loaded, nothing trained
    assert err.count("\n") == 1


def test_a_closed_pipe_ends_the_command_quietly(tmp_path: Path) -> None:
    """`upsample summary X | head`: stop as `cat` does (141, the shell's SIGPIPE), no traceback."""
    reader = subprocess.Popen(
        [sys.executable, "-m", "upsample", "summary", "ae-upsampling"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.close()  # the reader is gone before the first line is written
    err = reader.stderr.read()
    reader.stderr.close()
    assert reader.wait() == main.BROKEN_PIPE
    assert err == b""


def test_a_non_empty_output_folder_is_refused(run: Run, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    code, _, err = run("demo", "--output", "out")
    assert code == 2
    assert "not empty" in err and "--overwrite" in err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["keep.txt"]
    code, _, _ = run("demo", "--output", "out", "--overwrite", "--quiet")
    assert code == 0
    assert (tmp_path / "out" / "keep.txt").read_text() == "mine"
