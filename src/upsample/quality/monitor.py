"""`GANMonitor`: what a GAN draws after each epoch, kept as sample grids and measured.

Keras's DCGAN example saves a few images from fresh random latents after each
epoch.  Here the latents are fixed for the whole run, so successive grids show
the same points of the latent space (played in order, they animate training),
and the same images are scored: the scores go into the epoch's logs, where
`History`, `CSVLogger` and the progress bar pick them up.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from upsample.callbacks import Callback
from upsample.quality.scores import SampleScorer, SampleScores

Array = np.ndarray


class GANMonitor(Callback):
    """Generate from fixed `latents` after each epoch; keep a grid and the scores.

    Args:
        latents: ``(n, latent_dim)`` latent vectors, the same every epoch.
        scorer: Scores the `n` images (None: keep the grids only).
        grid_size: How many of the images (the first ones) to keep per epoch.
        every: Score every `every` epochs (grids are kept every epoch).

    Attributes:
        grids: One ``(grid_size, h, w, c)`` array per epoch.
        records: One dictionary per epoch: ``epoch`` (0-based), ``steps`` (the
            GAN's step count), ``seconds`` (wall time since `fit` began, this
            monitor's own work excluded), then the scores' `logs` when scored.
        scores: The `SampleScores` of each scored epoch.
    """

    def __init__(
        self,
        latents: Array,
        scorer: SampleScorer | None = None,
        grid_size: int = 64,
        every: int = 1,
    ) -> None:
        super().__init__()
        latents = np.asarray(latents, dtype=np.float32)
        if latents.ndim != 2 or len(latents) == 0:
            raise ValueError(
                f"`latents` must be a (count, latent_dim) array. Received shape {latents.shape}."
            )
        for name, value in (("grid_size", grid_size), ("every", every)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"`{name}` must be a positive int. Received: {name}={value!r}")
        self.latents = latents
        self.scorer = scorer
        self.grid_size = grid_size
        self.every = every
        self.grids: list[Array] = []
        self.records: list[dict[str, Any]] = []
        self.scores: list[SampleScores] = []
        self._began = 0.0
        self._own_seconds = 0.0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._began = time.perf_counter()
        self._own_seconds = 0.0

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        began = time.perf_counter()
        record: dict[str, Any] = {
            "epoch": epoch,
            "steps": int(getattr(self.model, "steps", 0)),
            "seconds": began - self._began - self._own_seconds,
        }
        images = self.model.generator.predict(self.latents, batch_size=256, verbose=0)
        self.grids.append(images[: self.grid_size].copy())
        if self.scorer is not None and (epoch + 1) % self.every == 0:
            scores = self.scorer(images)
            self.scores.append(scores)
            record.update(scores.logs())
            if logs is not None:
                logs.update(scores.logs())
        self.records.append(record)
        self._own_seconds += time.perf_counter() - began
