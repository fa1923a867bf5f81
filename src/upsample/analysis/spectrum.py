"""Power spectra of images and the checkerboard's peaks in them.

A pattern of period ``s`` along an axis of length ``L`` (a multiple of ``s``)
has all its energy at the frequencies ``k / s`` cycles per pixel, the FFT bins
``k * L / s`` ("aliasing" or stride frequencies: the spectral replicas that
upsampling leaves, ../shared/research/upsampling-methods.md section 2.6 (3)).
`spectral_checkerboard` measures the energy there above the local background.

How spectra are taken here (`power_spectrum`): each image and channel has its
mean removed, is multiplied by a window, and ``|FFT|**2`` is averaged over the
batch and the channels.  The default window is the periodic Hann window
``0.5 - 0.5 cos(2 pi x / L)`` per axis (separable): it keeps the leakage of the
image's own content (its edges, under the FFT's periodic extension) away from
the peaks, and its spectrum has exactly three bins, so a periodic pattern's
energy lies in the peak's bin and its neighbours (a "lobe" of half-width 1).
``window="none"`` puts a pattern in one bin (half-width 0) but lets content leak.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from upsample.analysis.arguments import FloatArray, check_images
from upsample.ops.shapes import normalize_tuple

Window = Literal["hann", "none"]
WINDOWS: tuple[Window, ...] = ("hann", "none")
# Half-width, in bins, of the lobe that holds a periodic pattern's energy.
_LOBE = {"hann": 1, "none": 0}


@dataclass(frozen=True)
class SpectralPeaks:
    """The energy at a stride's frequencies against the local background.

    amplitude: the root mean square, in the images' units, of the periodic
    pattern the excess energy corresponds to (by Parseval): a planted
    checkerboard ``A * (-1)**(i + j)`` gives ``A``, a smooth image ~0.
    peak_to_background: the energy in the peaks' lobes over what the background
    predicts there; ~1 without a pattern.
    """

    amplitude: float
    peak_to_background: float


@dataclass(frozen=True)
class RadialSpectrum:
    """An azimuthally averaged power spectrum (Durall, Keuper & Keuper, CVPR 2020).

    frequencies: ``(bins,)`` radii in cycles per pixel, in steps of ``1 / min(H, W)``
    up to the corners (``sqrt(0.5)``); power: ``(bins,)`` the mean power on each
    ring; counts: ``(bins,)`` the FFT bins on it (``power * counts`` integrates
    over the angle, as Durall et al. write it).  Rings without a bin are left out.
    """

    frequencies: FloatArray
    power: FloatArray
    counts: FloatArray


def power_spectrum(images: Any, *, window: str = "hann") -> FloatArray:
    """``|FFT|**2`` of the mean-removed, windowed images, averaged over batch and channels.

    images: ``(batch, *spatial, channels)``.  Returns ``(*spatial)``, unshifted
    (frequency 0 at index 0, as `numpy.fft.fftn`).
    """
    return _power_spectrum(check_images(images), _check_window(window))


def spectral_checkerboard(
    images: Any, *, stride: int | Sequence[int], window: str = "hann"
) -> SpectralPeaks:
    """The energy of `images` at the frequencies ``k / stride`` (k not all 0) above background.

    Each spatial axis is first cut at its end to a multiple of its stride, so
    that those frequencies fall on FFT bins.  For each such frequency, the energy
    of its lobe (the bin and, with the Hann window, its 8 neighbours in 2-D) is
    compared with the mean power of the ring of bins just outside the lobe
    (Chebyshev distance 2 to 3 with Hann, 1 to 2 without), which stands for the
    background there; the excess is clipped at 0 per frequency.  Each axis needs
    ``stride * 5`` pixels with Hann (``stride * 3`` without), so that no ring
    touches another frequency's lobe.
    """
    array = check_images(images)
    chosen = _check_window(window)
    spatial = array.shape[1:-1]
    period = normalize_tuple(stride, len(spatial), "stride")
    if all(s == 1 for s in period):
        raise ValueError(
            f"A stride of 1 along every axis has no aliasing frequencies. Received: stride={period}"
        )
    lobe = _LOBE[chosen]
    lengths = tuple(n - n % s for n, s in zip(spatial, period))
    if any(n < s * (2 * lobe + 3) for n, s in zip(lengths, period)):
        raise ValueError(
            f"The images (spatial shape {spatial}) are too small to measure the frequencies of "
            f"stride={period} with window={chosen!r}: each axis needs at least "
            f"{2 * lobe + 3} times its stride."
        )
    power = _power_spectrum(array[(slice(None), *(slice(n) for n in lengths))], chosen)
    near = list(itertools.product(range(-lobe, lobe + 1), repeat=len(lengths)))
    ring = [
        offset
        for offset in itertools.product(range(-lobe - 2, lobe + 3), repeat=len(lengths))
        if max(map(abs, offset)) > lobe
    ]
    excess = peaks = expected = 0.0
    for phase in itertools.product(*(range(s) for s in period)):
        if not any(phase):
            continue  # frequency 0: the mean, not a pattern
        centre = [a * n // s for a, n, s in zip(phase, lengths, period)]
        in_lobe = sum(power[_bin(centre, offset, lengths)] for offset in near)
        background = np.mean([power[_bin(centre, offset, lengths)] for offset in ring])
        peaks += in_lobe
        expected += len(near) * background
        excess += max(in_lobe - len(near) * background, 0.0)
    window_energy = math.prod(float((_window(n, chosen) ** 2).sum()) for n in lengths)
    amplitude = math.sqrt(excess / (math.prod(lengths) * window_energy))
    ratio = peaks / expected if expected > 0 else (math.inf if peaks > 0 else 1.0)
    return SpectralPeaks(amplitude, float(ratio))


def azimuthal_spectrum(images: Any, *, window: str = "hann") -> RadialSpectrum:
    """The power spectrum of 2-D `images` ``(batch, H, W, channels)``, averaged over angles."""
    array = check_images(images)
    if array.ndim != 4:
        raise ValueError(
            "The azimuthal spectrum needs 2-D images of shape (batch, height, width, channels). "
            f"Received: images.shape={array.shape}"
        )
    power = _power_spectrum(array, _check_window(window))
    height, width = power.shape
    radius = np.hypot(np.fft.fftfreq(height)[:, None], np.fft.fftfreq(width)[None, :])
    step = 1.0 / min(height, width)
    ring = np.rint(radius / step).astype(np.int64).ravel()
    counts = np.bincount(ring).astype(np.float64)
    sums = np.bincount(ring, weights=power.ravel())
    present = counts > 0
    frequencies = np.arange(len(counts)) * step
    return RadialSpectrum(frequencies[present], sums[present] / counts[present], counts[present])


def _check_window(window: str) -> Window:
    if window not in WINDOWS:
        raise ValueError(
            f"The `window` must be one of {', '.join(map(repr, WINDOWS))}. "
            f"Received: window={window!r}"
        )
    return window


@functools.lru_cache(maxsize=32)
def _window(length: int, window: Window) -> FloatArray:
    if window == "none":
        return np.ones(length)
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(length) / length)


def _power_spectrum(array: FloatArray, window: Window) -> FloatArray:
    spatial_axes = tuple(range(1, array.ndim - 1))
    taper = functools.reduce(np.multiply.outer, [_window(n, window) for n in array.shape[1:-1]])
    centred = array - array.mean(axis=spatial_axes, keepdims=True)
    spectrum = np.fft.fftn(centred * taper[None, ..., None], axes=spatial_axes)
    return (np.abs(spectrum) ** 2).mean(axis=(0, array.ndim - 1))


def _bin(centre: list[int], offset: tuple[int, ...], lengths: tuple[int, ...]) -> tuple[int, ...]:
    return tuple((c + o) % n for c, o, n in zip(centre, offset, lengths))
