"""`upsample artifacts MODEL`: zoo models and .keras files, now and at initialisation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cli.helpers import Run
from upsample.layers import Conv2D, Conv2DTranspose, Dense, MaxPooling2D, Reshape
from upsample.models import Sequential


def test_a_zoo_generator_now_and_at_initialisation(run: Run, tmp_path: Path) -> None:
    code, out, err = run(
        "artifacts", "generator-transpose", "--images", "8", "--draws", "2", "--json", "a.json"
    )
    assert code == 0, err
    assert "period 2x2" in out and "outputs on 8 latent vectors" in out
    assert "conv2d_transpose (Conv2DTranspose, kernel 3x3, strides 2x2, same, input 5x5)" in out
    assert "  overlap imbalance (geometry)" in out and " 4.0000" in out
    record = json.loads((tmp_path / "a.json").read_text())
    assert record["layers"] == [
        {
            "name": "conv2d_transpose",
            "kind": "Conv2DTranspose",
            "description": "kernel 3x3, strides 2x2, same",
            "overlap_imbalance": 4.0,
        }
    ]
    measures = record["measures"]
    assert set(measures) == {
        "conv2d_transpose/dc_imbalance",
        "outputs/phase_imbalance",
        "outputs/spectral_amplitude",
        "outputs/peak_to_background",
        "outputs/border",
        "outputs/interior",
        "inputs/border",
        "inputs/interior",
        "flat/phase_imbalance",
    }
    assert len(measures["flat/phase_imbalance"]["initialization"]) == 2
    assert measures["flat/phase_imbalance"]["now"] > 0.05  # random k3 s2: a checkerboard
    assert measures["inputs/border"]["now"] is None  # a generator has no input image


def test_the_same_seed_gives_the_same_numbers(run: Run, tmp_path: Path) -> None:
    arguments = ["artifacts", "generator-upsampling", "--images", "4", "--draws", "1"]
    assert run(*arguments, "--json", "a.json")[0] == 0
    assert run(*arguments, "--json", "b.json")[0] == 0
    first = json.loads((tmp_path / "a.json").read_text())["measures"]
    assert first == json.loads((tmp_path / "b.json").read_text())["measures"]
    # Nearest upsampling + convolution: a flat input stays flat, now and at every draw.
    assert first["flat/phase_imbalance"]["now"] == pytest.approx(0.0, abs=1e-6)
    assert first["flat/phase_imbalance"]["initialization"][0] == pytest.approx(0.0, abs=1e-6)


def test_an_autoencoder_on_test_digits(run: Run) -> None:
    code, out, err = run("artifacts", "ae-transpose", "--images", "10", "--draws", "1")
    assert code == 0, err
    assert "outputs on 10 MNIST test digits (bundled sample)" in out
    assert "period 1x1" in out
    # Stride 1 everywhere: no phases, no stride frequencies.
    rows = [line.split() for line in out.splitlines() if "phase-mean imbalance" in line]
    assert rows and all(row[-2:] == ["n/a", "n/a"] for row in rows)
    assert "inputs' border mean |X| (2 px band)" in out
    assert "DC imbalance" in out  # n/a: a stride-1 transposed convolution has one phase


def test_the_sub_pixel_and_resize_convolution_autoencoders(run: Run, tmp_path: Path) -> None:
    """Issue 14's upsamplers are measured as upsampling layers (they were refused before)."""
    code, out, err = run(
        "artifacts", "ae-sub-pixel", "--images", "4", "--draws", "1", "--json", "s.json"
    )
    assert code == 0, err
    assert "sub_pixel_conv2d (SubPixelConv2D, kernel 2x2, scale 2x2, DCR, input 4x4)" in out
    assert "period 8x8" in out
    measures = json.loads((tmp_path / "s.json").read_text())["measures"]
    for name in ("sub_pixel_conv2d", "sub_pixel_conv2d_1", "sub_pixel_conv2d_2"):
        dc = measures[f"{name}/dc_imbalance"]  # ICNR at initialisation: equal phase gains
        assert dc["now"] == pytest.approx(0.0, abs=1e-6)
        assert dc["initialization"][0] == pytest.approx(0.0, abs=1e-6)
    code, out, err = run("artifacts", "ae-resize-conv", "--images", "4", "--draws", "1")
    assert code == 0, err
    assert "resize_conv2d (ResizeConv2D, size 2x2, nearest, then kernel 2x2, input 4x4)" in out
    assert "one kernel for every phase: a flat input stays flat" in out
    flat = next(line for line in out.splitlines()[::-1] if "phase-mean imbalance" in line)
    assert flat.split()[-4:] == ["0.0000", "0.0000", "±", "0.0000"]


def _icnr_generator(path: Path, rng: np.random.Generator) -> None:
    """A transposed convolution whose kernel is constant over 2x2 blocks: balanced phases."""
    model = Sequential(
        [
            Dense(7 * 7 * 2, input_dim=4),
            Reshape((7, 7, 2)),
            Conv2DTranspose(1, 4, strides=2, padding="same", name="up"),
        ]
    )
    w0 = rng.standard_normal((2, 2, 1, 2))
    dense_kernel, dense_bias, _, bias = model.get_weights()
    model.set_weights(
        [dense_kernel, dense_bias, np.repeat(np.repeat(w0, 2, axis=0), 2, axis=1), bias]
    )
    model.save(path)


def test_a_keras_file_with_balanced_phases(
    run: Run, tmp_path: Path, rng: np.random.Generator
) -> None:
    _icnr_generator(tmp_path / "icnr.keras", rng)
    code, out, err = run(
        "artifacts", "icnr.keras", "--images", "6", "--draws", "2", "--json", "r.json"
    )
    assert code == 0, err
    assert "icnr.keras: weights as saved in the file" in out
    measures = json.loads((tmp_path / "r.json").read_text())["measures"]
    assert measures["up/dc_imbalance"]["now"] == pytest.approx(0.0, abs=1e-6)
    assert min(measures["up/dc_imbalance"]["initialization"]) > 0.01  # glorot draws are not
    assert measures["flat/phase_imbalance"]["now"] == pytest.approx(0.0, abs=1e-6)


def test_refusals_name_the_problem(run: Run, tmp_path: Path) -> None:
    (tmp_path / "broken.keras").write_bytes(b"not a zip file")
    Sequential([Conv2D(1, 3, padding="same", input_shape=(28, 28, 1))]).save(
        tmp_path / "plain.keras"
    )
    Sequential([Conv2DTranspose(1, 2, strides=2, input_shape=(7, 7, 3)), MaxPooling2D()]).save(
        tmp_path / "odd-input.keras"
    )
    for argv, message in [
        (["unknown-model"], "'unknown-model' is neither a zoo model"),
        (["missing.keras"], "no such file: missing.keras"),
        (["broken.keras"], "cannot load broken.keras"),
        (["plain.keras"], "plain.keras has no upsampling layer (UpSampling*D, Conv*DTranspose"),
        (["odd-input.keras"], "takes inputs of shape (None, 7, 7, 3)"),
        (["ae-transpose", "--images", "0"], "argument --images: must be at least 1, got 0"),
        (["ae-transpose", "--images", "5000"], "--images 5000: the bundled MNIST sample has 1,000"),
        (["ae-transpose", "--border", "14", "--images", "2"], "width=14"),
        (["generator-upsampling", "--draws", "x"], "argument --draws: must be a whole number"),
        (
            ["generator-upsampling", "--images", "2", "--json", "no/such/folder/a.json"],
            "--json no/such/folder/a.json",
        ),
    ]:
        code, _, err = run("artifacts", *argv)
        assert code == 2, (argv, err)
        assert message in err, (argv, err)
        assert "Traceback" not in err
