"""`upsample compare`: the fair comparison end to end on tiny data, its numbers and refusals."""

from __future__ import annotations

import base64
import io
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from cli.helpers import Run
from upsample.datasets import mnist
from upsample.models import load_model
from upsample.zoo import comparison

FIGURES = ("loss", "reconstructions", "spectra", "radial_spectra", "flat_response")


def test_the_default_six_decoders_end_to_end(run: Run, tmp_path: Path) -> None:
    code, out, err = run("compare", "--limit", "64", "--steps", "2")
    assert code == 0, err
    folder = tmp_path / "report"  # the default output folder
    assert [p.name for p in tmp_path.iterdir()] == ["report"]  # nothing written elsewhere
    names = list(comparison.DECODERS)
    for index, name in enumerate(names, start=1):
        assert f"[{index}/6] {name}: " in out
        assert (folder / "models" / f"{name}.keras").is_file()
    for figure in FIGURES:
        assert imread(folder / f"{figure}.png").ndim == 3, figure
    markdown = (folder / "report.md").read_text()
    assert markdown.startswith(
        "# Upsampling compared: 6 MNIST autoencoders that differ only in their decoder's"
    )
    assert "2 steps of 32 images" in markdown and "1,000 held-out test images" in markdown
    for name in names:
        row = next(line for line in markdown.splitlines() if line.startswith(f"| {name} |"))
        cells = row.strip("|").split("|")
        assert len(cells) == 11
        assert re.fullmatch(r" 0\.\d{4} ", cells[3]), row  # test BCE
    assert "| transpose-k3s2 | Conv2DTranspose 3x3, stride 2 | 9,513 |" in markdown
    assert "| sub-pixel-icnr | SubPixelConv2D 3x3, scale 2, ICNR | 16,497 |" in markdown
    # ICNR, resize and bilinear starts are checkerboard-free at initialisation; k3 s2 is not.
    for name in ("nearest+conv", "sub-pixel-icnr", "transpose-bilinear-init"):
        assert re.search(rf"\| {re.escape(name)} \|.*\| 0\.0000\u00a0→\u00a0", markdown), name
    assert not re.search(r"\| transpose-k3s2 \|.*\| 0\.0000\u00a0→", markdown)
    assert "at initialisation it comes out flat through nearest+conv, bilinear+conv, " in markdown
    assert "What differs besides the upsampling" in markdown
    assert "channel-diagonal" in markdown  # the bilinear initializer's channel change, stated
    for figure in FIGURES:
        assert f"({figure}.png)" in markdown

    page = (folder / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert "<td>transpose-k4s2</td><td>Conv2DTranspose 4x4, stride 2</td><td>11,305</td>" in page
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == len(FIGURES)
    assert imread(io.BytesIO(base64.b64decode(images[0])), format="png").ndim == 3
    assert 'src="' not in page.replace('src="data:', "")  # nothing outside the page
    for detail in ("CPU", "NumPy", "Threads", "upsample", "Date", "Total time"):
        assert f"<th>{detail}</th>" in page, detail

    results = json.loads((folder / "results.json").read_text())
    assert results["budget"]["steps"] == 2 and results["budget"]["batch_size"] == 32
    assert results["budget"]["learning_rate"] == 0.001  # Keras's Adam default
    assert [m["model"] for m in results["models"]] == names
    for model in results["models"]:
        assert [point["step"] for point in model["curve"]][:1] == [0]
        assert model["curve"][-1]["step"] == 2


def test_test_metrics_are_those_of_the_saved_models(run: Run, tmp_path: Path) -> None:
    """results.json's MSE is the mean squared error of the saved model on every test image,
    computed here by hand, and its PSNR is 10 log10(1 / MSE)."""
    models = "nearest+conv,transpose-k3s2"
    assert run("compare", "--models", models, "--limit", "64", "--steps", "3", "-o", "r")[0] == 0
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    (_, _), (x_test, _) = mnist.load(str(mnist.SAMPLE_PATH), download=False, quiet=True)[0]
    images = x_test[..., None].astype(np.float32) / 255
    for record in results["models"]:
        model = load_model(tmp_path / "r" / "models" / f"{record['model']}.keras")
        outputs = np.asarray(model.predict(images, verbose=0), dtype=np.float64)
        mse = float(np.mean((outputs - images) ** 2))
        assert record["test"]["mse"] == pytest.approx(mse, rel=1e-5)
        assert record["test"]["psnr_db"] == pytest.approx(10 * math.log10(1 / mse), rel=1e-5)
        clipped = np.clip(outputs, 1e-7, 1 - 1e-7)
        bce = -np.mean(images * np.log(clipped) + (1 - images) * np.log(1 - clipped))
        assert record["test"]["bce"] == pytest.approx(bce, rel=1e-4)
        assert record["curve"][-1]["test_loss"] > 0


def test_the_seeds_models_come_with_their_confound(run: Run, tmp_path: Path) -> None:
    code, out, err = run("compare", "--models", "seeds", "--limit", "50", "--steps", "1", "-q")
    assert (code, out) == (0, ""), err
    markdown = (tmp_path / "report" / "report.md").read_text()
    assert markdown.startswith("# Upsampling compared: 2 MNIST autoencoders\n")
    assert "ae-transpose (seed 004) never upsamples by a stride" in markdown
    assert "3,872 values against ae-upsampling's 128" in markdown
    assert "sizes 22→24, 24→26, 26→28" in markdown
    assert "| ae-upsampling | UpSampling2D | 1,393 |" in markdown


def test_epochs_are_turned_into_steps(run: Run, tmp_path: Path) -> None:
    arguments = ["--models", "transpose-k3s2", "--limit", "40", "--epochs", "2", "-q"]
    assert run("compare", *arguments, "--batch-size", "16")[0] == 0
    results = json.loads((tmp_path / "report" / "results.json").read_text())
    assert results["budget"]["steps"] == 6  # 2 passes of ceil(40 / 16) = 3 batches


def test_help_names_the_models_and_the_measured_time(run: Run) -> None:
    code, out, _ = run("compare", "--help")
    assert code == 0
    for name in comparison.DECODERS:
        assert name in out
    assert "seeds" in out and "--task" in out
    assert "Measured with the defaults" in out and "not yet measured" not in out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--models", "nearest"], "--models nearest: unknown model 'nearest'; choose from all,"),
        (["--models", "all,seeds,all"], "--models all,seeds,all: 'nearest+conv' is named twice"),
        (["--models", "nearest+conv,,seeds"], "--models nearest+conv,,seeds: an empty name"),
        (["--models", ""], "--models : an empty name"),
        (["--models", "generator-upsampling"], "unknown model 'generator-upsampling'"),
        (["--steps", "0"], "argument --steps: must be at least 1, got 0"),
        (["--steps", "5", "--epochs", "1"], "argument --epochs: not allowed with argument --steps"),
        (["--batch-size", "many"], "argument --batch-size: must be a whole number, got 'many'"),
        (["--learning-rate", "-1"], "argument --learning-rate: must be more than 0, got -1"),
        (["--limit", "0"], "argument --limit: must be at least 1, got 0"),
        (["--task", "classifier"], "argument --task: invalid choice: 'classifier'"),
        (["--data", "missing.npz"], "argument --data: no such file: missing.npz"),
        (["-o", "full"], "--output full is not empty"),
    ],
)
def test_bad_options_are_named_before_any_work(
    run: Run, tmp_path: Path, arguments: list[str], message: str
) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    code, out, err = run("compare", *arguments)
    assert code == 2, err
    assert message in err, err
    assert "Traceback" not in err and out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]  # no report folder made
