"""What the CLI tests share besides fixtures."""

from __future__ import annotations

from collections.abc import Callable

# Tiny runs: a few hundred images, one epoch: seconds, not minutes.
TINY = ["--data", "sample", "--limit", "200", "--epochs", "1"]

# The `run` fixture: run("train", ...) -> (exit code, stdout, stderr).
Run = Callable[..., tuple[int, str, str]]
