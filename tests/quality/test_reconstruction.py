"""Test-set BCE, MSE and PSNR of reconstructions, against hand computations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from upsample.quality.reconstruction import psnr, reconstruction_scores


def test_psnr_of_known_mses() -> None:
    assert psnr(0.01) == pytest.approx(20.0)  # 10 log10(1 / 0.01)
    assert psnr(0.001) == pytest.approx(30.0)
    assert psnr(1.0) == pytest.approx(0.0)
    assert psnr(0.25, peak=0.5) == pytest.approx(0.0)  # peak**2 / mse = 1
    assert psnr(0.0) == math.inf


def test_scores_by_hand() -> None:
    """Two 1x2 'images': targets (0, 1), (1, 1); outputs (0.5, 0.5), (1, 0.9)."""
    targets = np.array([[[[0.0], [1.0]]], [[[1.0], [1.0]]]], dtype=np.float32)
    outputs = np.array([[[[0.5], [0.5]]], [[[1.0], [0.9]]]], dtype=np.float32)
    scores = reconstruction_scores(targets, outputs)
    # Squared errors 0.25, 0.25, 0, 0.01 -> mean 0.1275.
    assert scores.mse == pytest.approx(0.1275, rel=1e-6)
    assert scores.psnr == pytest.approx(10 * math.log10(1 / 0.1275), rel=1e-6)
    # -log(0.5) twice, -log(1 - 1e-7) (Keras clips 1 to 1 - 1e-7), -log(0.9); mean of four.
    expected = (2 * math.log(2) - math.log(1 - 1e-7) - math.log(0.9)) / 4
    assert scores.bce == pytest.approx(expected, rel=1e-5)


def test_a_perfect_reconstruction_has_infinite_psnr() -> None:
    images = np.zeros((2, 4, 4, 1), dtype=np.float32)
    scores = reconstruction_scores(images, images)
    assert scores.mse == 0.0 and scores.psnr == math.inf


@pytest.mark.parametrize(
    ("targets", "outputs", "message"),
    [
        (np.zeros((2, 4)), np.zeros((2, 5)), "targets.shape=(2, 4), outputs.shape=(2, 5)"),
        (np.zeros((0, 4)), np.zeros((0, 4)), "non-empty"),
        (np.zeros((1, 4)), np.full((1, 4), 1.5), "The `outputs` must hold finite values in"),
        (np.full((1, 4), np.nan), np.zeros((1, 4)), "The `targets` must hold finite values in"),
    ],
)
def test_bad_arrays_are_named(targets: np.ndarray, outputs: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        reconstruction_scores(targets, outputs)


@pytest.mark.parametrize(("mse", "peak", "name"), [(-1.0, 1.0, "mse"), (0.1, 0.0, "peak")])
def test_bad_psnr_arguments_are_named(mse: float, peak: float, name: str) -> None:
    with pytest.raises(ValueError, match=f"Received: {name}="):
        psnr(mse, peak=peak)
