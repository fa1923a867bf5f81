"""Chunks of a batch: batch items, or rows of the first spatial axis when one item is large.

Kernels split their work into chunks small enough for a core's cache and hand
them to the worker threads (`upsample.runtime.map_chunks`).
"""

from __future__ import annotations

from dataclasses import dataclass

Index = tuple[slice, ...]


@dataclass(frozen=True)
class Block:
    """A chunk of work: batch items ``[n0, n1)`` and rows ``[r0, r1)`` of the first spatial axis."""

    n0: int
    n1: int
    r0: int
    r1: int

    @property
    def size(self) -> int:
        return self.n1 - self.n0

    @property
    def index(self) -> Index:
        """``[n0:n1, r0:r1]``: the block's part of an array whose first spatial axis it splits."""
        return (slice(self.n0, self.n1), slice(self.r0, self.r1))


def blocks(batch: int, rows: int, row_bytes: int, chunk_bytes: int) -> list[Block]:
    """Split ``batch x rows`` into blocks of about `chunk_bytes`, a row costing `row_bytes`."""
    rows_per_block = max(1, chunk_bytes // max(row_bytes, 1))
    if rows_per_block >= rows:
        items = max(1, rows_per_block // rows)
        return [Block(n, min(n + items, batch), 0, rows) for n in range(0, batch, items)]
    return [
        Block(n, n + 1, r, min(r + rows_per_block, rows))
        for n in range(batch)
        for r in range(0, rows, rows_per_block)
    ]
