"""Which rows form each batch the Keras engine feeds, on each process (no Keras here).

Epoch ``e``'s global batch ``i`` is rows ``order[i * B : (i + 1) * B]`` of the
training arrays, with ``order = EpochShuffle(seed).order(e, n)``: the batches
``Model.fit(shuffle=EpochShuffle(seed))`` trains on.  With several processes
(a multi-host run), Keras's `DataParallel` assembles a global batch from each
process's local batch, in process order, so process ``p`` feeds the ``p``-th of
``P`` equal contiguous parts of every global batch.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from upsample.models.data import EpochShuffle


class Batches:
    """The batches of `count` samples of `batch_size` (the last may be smaller), per epoch."""

    def __init__(
        self,
        count: int,
        batch_size: int,
        shuffle: EpochShuffle | None,
        *,
        processes: int = 1,
        process: int = 0,
    ) -> None:
        self.count = count
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.processes = processes
        self.process = process
        self._order: tuple[int, NDArray[np.intp]] | None = None

    @property
    def steps(self) -> int:
        """Batches per epoch."""
        return math.ceil(self.count / self.batch_size)

    def sizes(self) -> list[int]:
        """The distinct global batch sizes: the full one, and the last one if smaller."""
        last = self.count - (self.steps - 1) * self.batch_size
        return sorted({self.batch_size if self.steps > 1 else last, last})

    def order(self, epoch: int) -> NDArray[np.intp]:
        """The samples' order in `epoch` (kept for the epoch's batches)."""
        if self._order is None or self._order[0] != epoch:
            order = (
                np.arange(self.count)
                if self.shuffle is None
                else self.shuffle.order(epoch, self.count)
            )
            self._order = (epoch, order)
        return self._order[1]

    def rows(self, epoch: int, index: int) -> NDArray[np.intp]:
        """This process's rows of global batch `index` of `epoch`."""
        batch = self.order(epoch)[index * self.batch_size : (index + 1) * self.batch_size]
        share = len(batch) // self.processes
        return batch[self.process * share : (self.process + 1) * share]

    def check_devices(self, devices: int, what: str) -> None:
        """Every global batch must split evenly over `devices` (a ValueError that says how)."""
        uneven = [size for size in self.sizes() if size % devices]
        if uneven:
            raise ValueError(
                f"Keras's DataParallel splits every batch evenly over the {devices} devices, "
                f"but {self.count} samples in batches of {what}={self.batch_size} make "
                f"batch(es) of {uneven}. Choose a {what} that is a multiple of {devices} "
                f"and leaves a last batch that is one too (or no partial batch), or train on "
                "one device (distribution=None)."
            )
