"""Synthetic images whose measures are known."""

from __future__ import annotations

import numpy as np


def smooth(size: int = 32, batch: int = 4, channels: int = 2) -> np.ndarray:
    """Gaussian blobs of different widths and places: content, but nothing periodic."""
    grid = np.arange(size, dtype=np.float64)
    images = np.empty((batch, size, size, channels))
    for n in range(batch):
        for c in range(channels):
            cy, cx = size * (0.3 + 0.1 * n), size * (0.6 - 0.1 * c)
            width = size * (0.12 + 0.03 * (n + c))
            images[n, :, :, c] = np.exp(
                -((grid[:, None] - cy) ** 2 + (grid[None, :] - cx) ** 2) / (2 * width**2)
            )
    return images


def checkerboard(size: int, amplitude: float) -> np.ndarray:
    """``amplitude * (-1)**(i + j)``: ``(size, size)``."""
    index = np.arange(size)
    return amplitude * (-1.0) ** (index[:, None] + index[None, :])
