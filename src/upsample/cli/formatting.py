"""Small text formats the analysis commands share."""

from __future__ import annotations

from collections.abc import Sequence


def by(values: Sequence[int]) -> str:
    """A shape as people write it: ``(28, 28)`` -> ``"28x28"``."""
    return "x".join(str(v) for v in values)
