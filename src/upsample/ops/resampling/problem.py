"""`Resampling`: the operator a call asks for, which the route table and the routes read."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Resampling:
    """Resample spatial lengths `inputs` to `outputs` with one kernel and convention.

    `method` is a canonical interpolation name, `coordinates` one of
    `coordinates.COORDINATES`; `antialias` widens the kernel along axes that
    shrink.  The transposed operator maps `outputs` back to `inputs`.  `factors`
    is the integer factor of every axis when each output length is one, else None.
    """

    method: str
    coordinates: str
    antialias: bool
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    factors: tuple[int, ...] | None = field(init=False, compare=False)

    def __post_init__(self) -> None:
        multiples = all(m % n == 0 if n else m == 0 for n, m in zip(self.inputs, self.outputs))
        factors = tuple(m // n if n else 1 for n, m in zip(self.inputs, self.outputs))
        object.__setattr__(self, "factors", factors if multiples else None)

    @property
    def identity(self) -> bool:
        """Whether no axis changes length: the operator is the identity."""
        return self.inputs == self.outputs
