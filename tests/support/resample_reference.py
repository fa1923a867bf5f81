"""An independent dense reference for upsampling: jax.image.resize's weight matrices in float64."""

from __future__ import annotations

import numpy as np


def _kernel(method: str, x: np.ndarray) -> np.ndarray:
    if method == "bilinear":
        return np.maximum(0.0, 1.0 - x)
    if method == "bicubic":  # Keys (1981), a = -0.5, as in jax.image
        near = ((1.5 * x - 2.5) * x) * x + 1.0
        far = ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
        return np.where(x >= 2.0, 0.0, np.where(x >= 1.0, far, near))
    radius = int(method[-1])
    with np.errstate(divide="ignore", invalid="ignore"):
        y = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius) / (np.pi**2 * x**2)
    return np.where(x > radius, 0.0, np.where(x > 1e-3, y, 1.0))


def dense_weights(method: str, n: int, factor: int) -> np.ndarray:
    """``(n, f n)`` matrix of jax.image.resize's `compute_weight_mat`, in float64."""
    m = n * factor
    if method == "nearest":
        return (np.arange(n)[:, None] == np.arange(m)[None, :] // factor).astype(float)
    if factor == 1:  # jax.image.resize skips axes whose length does not change
        return np.eye(n)
    sample = (np.arange(m) + 0.5) / factor - 0.5
    weights = _kernel(method, np.abs(sample[None, :] - np.arange(n)[:, None]))
    total = weights.sum(axis=0, keepdims=True)
    weights = np.where(np.abs(total) > 1000 * np.finfo(np.float32).eps, weights / total, 0.0)
    return np.where((sample >= -0.5) & (sample <= n - 0.5), weights, 0.0)


def reference(x: np.ndarray, factors: tuple[int, ...], method: str, data_format: str) -> np.ndarray:
    y = np.asarray(x, np.float64)
    first = 1 if data_format == "channels_last" else 2
    for axis, factor in zip(range(first, first + len(factors)), factors):
        matrix = dense_weights(method, y.shape[axis], factor)
        y = np.moveaxis(np.tensordot(y, matrix, axes=(axis, 0)), -1, axis)
    return y


def shape_of(batch: int, spatial: tuple[int, ...], channels: int, data_format: str):
    if data_format == "channels_last":
        return (batch, *spatial, channels)
    return (batch, channels, *spatial)


def reference_vjp(
    g: np.ndarray,
    spatial: tuple[int, ...],
    factors: tuple[int, ...],
    method: str,
    data_format: str,
) -> np.ndarray:
    """The transposed dense operator applied to `g` (the input had lengths `spatial`)."""
    first = 1 if data_format == "channels_last" else 2
    expected = np.asarray(g, np.float64)
    for axis, (n, f) in zip(range(first, first + len(factors)), zip(spatial, factors)):
        matrix = dense_weights(method, n, f)
        expected = np.moveaxis(np.tensordot(expected, matrix, axes=(axis, 1)), -1, axis)
    return expected
