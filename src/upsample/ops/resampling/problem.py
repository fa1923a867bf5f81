"""`Resampling`: the operator a call asks for, which the route table and the routes read."""

from __future__ import annotations

import functools
from dataclasses import dataclass


@dataclass(frozen=True)
class Resampling:
    """Resample spatial lengths `inputs` to `outputs` with one kernel and convention.

    `method` is a canonical interpolation name, `coordinates` one of
    `coordinates.COORDINATES`; `antialias` widens the kernel along axes that
    shrink.  The transposed operator maps `outputs` back to `inputs`.
    """

    method: str
    coordinates: str
    antialias: bool
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]

    @functools.cached_property
    def factors(self) -> tuple[int, ...] | None:
        """The integer factor of every axis when each output length is one, else None."""
        if any(m % n if n else m for n, m in zip(self.inputs, self.outputs)):
            return None
        return tuple(m // n if n else 1 for n, m in zip(self.inputs, self.outputs))

    @property
    def identity(self) -> bool:
        """Whether no axis changes length: the operator is the identity."""
        return self.inputs == self.outputs
