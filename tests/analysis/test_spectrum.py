"""Spectral checkerboard score and spectra on images whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.images import checkerboard, smooth
from upsample.analysis import azimuthal_spectrum, power_spectrum, spectral_checkerboard


def test_a_smooth_image_scores_zero() -> None:
    assert spectral_checkerboard(smooth(), stride=2).amplitude < 1e-5
    # Without a window the blobs cut by the edges leak to every frequency: why Hann is default.
    assert 1e-4 < spectral_checkerboard(smooth(), stride=2, window="none").amplitude < 2e-3


@pytest.mark.parametrize(("window", "tolerance"), [("hann", 1e-4), ("none", 2e-3)])
@pytest.mark.parametrize("amplitude", [0.01, 0.2])
def test_a_planted_checkerboard_gives_back_its_amplitude(
    window: str, tolerance: float, amplitude: float
) -> None:
    images = smooth() + checkerboard(32, amplitude)[None, :, :, None]
    peaks = spectral_checkerboard(images, stride=2, window=window)
    assert peaks.amplitude == pytest.approx(amplitude, abs=tolerance)
    assert peaks.peak_to_background > 20


def test_the_amplitude_is_the_root_mean_square_of_the_pattern() -> None:
    """A cos(2 pi i / 4) along rows has period 4 and RMS A / sqrt(2)."""
    rows = 0.3 * np.cos(2 * np.pi * np.arange(40) / 4)
    images = smooth(40) + rows[None, :, None, None]
    assert spectral_checkerboard(images, stride=4).amplitude == pytest.approx(
        0.3 / np.sqrt(2), rel=1e-3
    )
    # A period-2 checkerboard is also periodic with period 4; a period-4 pattern is not with 2.
    assert spectral_checkerboard(
        smooth(40) + checkerboard(40, 0.1)[None, :, :, None], stride=4
    ).amplitude == pytest.approx(0.1, rel=1e-3)
    assert spectral_checkerboard(images, stride=2).amplitude < 1e-3


def test_axes_are_cut_to_a_multiple_of_the_stride() -> None:
    images = smooth(31) + checkerboard(31, 0.05)[None, :, :, None]
    assert spectral_checkerboard(images, stride=2).amplitude == pytest.approx(0.05, rel=1e-3)


def test_white_noise_has_peaks_at_the_background_level(rng: np.random.Generator) -> None:
    noise = rng.standard_normal((64, 32, 32, 1))
    peaks = spectral_checkerboard(noise, stride=2)
    assert peaks.peak_to_background == pytest.approx(1.0, abs=0.15)
    assert peaks.amplitude < 0.1  # against a noise RMS of 1
    planted = spectral_checkerboard(noise + checkerboard(32, 0.5)[None, :, :, None], stride=2)
    assert planted.amplitude == pytest.approx(0.5, rel=0.1)


def test_one_dimension() -> None:
    signal = np.exp(-(((np.arange(30) - 12.0) / 5) ** 2)) + 0.1 * (-1.0) ** np.arange(30)
    assert spectral_checkerboard(signal[None, :, None], stride=2).amplitude == pytest.approx(
        0.1, rel=1e-3
    )


def test_the_power_spectrum_obeys_parseval_without_a_window(rng: np.random.Generator) -> None:
    images = rng.standard_normal((3, 8, 6, 2))
    centred = images - images.mean(axis=(1, 2), keepdims=True)
    power = power_spectrum(images, window="none")
    assert power.sum() == pytest.approx(48 * (centred**2).sum() / 6)


def test_the_azimuthal_spectrum_puts_a_cosine_at_its_frequency() -> None:
    columns = np.cos(2 * np.pi * 5 * np.arange(32) / 32)
    images = np.broadcast_to(columns[None, :], (32, 32))[None, :, :, None]
    radial = azimuthal_spectrum(images, window="none")
    assert radial.frequencies[np.argmax(radial.power)] == pytest.approx(5 / 32)
    total = power_spectrum(images, window="none").sum()
    assert (radial.power * radial.counts).sum() == pytest.approx(total)


def test_the_azimuthal_spectrum_of_a_checkerboard_is_at_the_corner() -> None:
    radial = azimuthal_spectrum(checkerboard(16, 1.0)[None, :, :, None], window="none")
    assert radial.frequencies[np.argmax(radial.power)] == pytest.approx(
        round(np.sqrt(0.5) * 16) / 16
    )
    assert radial.frequencies[-1] >= np.sqrt(0.5) - 1 / 16


@pytest.mark.parametrize(
    ("images", "arguments", "message"),
    [
        (np.ones((1, 32, 32, 1)), {"stride": 1}, "no aliasing frequencies"),
        (np.ones((1, 9, 32, 1)), {"stride": 2}, "too small"),
        (np.ones((1, 5, 5, 1)), {"stride": 2, "window": "none"}, "too small"),
        (np.ones((1, 32, 32, 1)), {"stride": 2, "window": "hamming"}, "window='hamming'"),
        (np.ones((32, 32)), {"stride": 2}, r"images.shape=\(32, 32\)"),
        (np.ones((1, 32, 32, 1)), {"stride": (2, 2, 2)}, r"stride=\(2, 2, 2\)"),
    ],
)
def test_bad_input_is_named(images: np.ndarray, arguments: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        spectral_checkerboard(images, **arguments)  # type: ignore[arg-type]


def test_the_azimuthal_spectrum_needs_two_dimensions() -> None:
    with pytest.raises(ValueError, match=r"images.shape=\(1, 8, 1\)"):
        azimuthal_spectrum(np.ones((1, 8, 1)))
    with pytest.raises(ValueError, match="window='flat'"):
        power_spectrum(np.ones((1, 8, 8, 1)), window="flat")
