"""`upsample compare --task generator`: the generators on equal terms, and the report."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import pytest
from matplotlib.image import imread

from cli.helpers import Run
from upsample.cli import compare_generators

pytestmark = pytest.mark.usefixtures("small_gan_scores")

MODELS = ("generator-upsampling-28", "generator-transpose-28")


def test_compare_generators_writes_the_report(run: Run, tmp_path: Path, small_npz: Path) -> None:
    # One step per epoch (32 images in one batch), the default number of epochs.
    code, out, err = run(
        "compare", "--task", "generator", "--data", str(small_npz), "--limit", "32",
        "--batch-size", "32",
    )  # fmt: skip
    assert code == 0, err
    folder = tmp_path / "report-generators"  # the default output folder
    # Nothing written elsewhere but the classifier, in the user's cache ($UPSAMPLE_HOME).
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", folder.name, "small-mnist.npz"]
    assert [p.name for p in (tmp_path / "home").iterdir()] == ["classifiers"]
    figures = ("scores-steps.png", "scores-seconds.png", "samples.png", "confidence.png")
    for name in ("report.html", "report.md", "samples.gif", *figures):
        assert (folder / name).is_file(), name
    epochs = compare_generators.DEFAULT_EPOCHS
    for model in MODELS:
        history = json.loads((folder / model / "history.json").read_text())
        # The same steps for both: the curves compare step for step.
        assert history["steps"] == list(range(1, epochs + 1))
        config = json.loads((folder / model / "config.json").read_text())
        assert (config["command"], config["task"]) == ("compare", "generator")
        assert config["resolved"]["epochs"] == epochs
        # DCGAN's Adam (Radford et al. 2016), not the autoencoders' 0.001.
        assert config["resolved"]["learning_rate"] == pytest.approx(0.0002)
        assert config["resolved"]["beta_1"] == pytest.approx(0.5)
        assert (folder / model / "checkpoint" / "generator.keras").is_file()
    assert imread(folder / "samples.png").shape[:2] == (420, 760)
    assert "[1/2] generator-upsampling-28" in out and "[2/2] generator-transpose-28" in out
    assert "real digits (training images)" in out and "report.html" in out

    page = (folder / "report.html").read_text()
    assert "<th>FD (lower is better)</th>" in page and "<th>Classes drawn (of 10)</th>" in page
    for cells in (
        f"<td>generator-upsampling-28</td><td>UpSampling2D</td><td>782,209</td><td>{epochs}</td>",
        f"<td>generator-transpose-28</td><td>Conv2DTranspose</td><td>782,209</td><td>{epochs}</td>",
        "<td>real digits (training images)</td><td>-</td><td>-</td><td>-</td>",
    ):
        assert cells in page
    assert "NOT the published Inception FID" in page
    pictures = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(pictures) == len(figures)
    assert imread(io.BytesIO(base64.b64decode(pictures[2])), format="png").shape[:2] == (420, 760)
    assert len(re.findall(r'src="data:image/gif;base64,', page)) == 1
    assert 'src="' not in page.replace('src="data:', "")  # nothing outside the page

    markdown = (folder / "report.md").read_text()
    assert "| Model | Upsampling | Parameters | Steps | FD (lower is better) |" in markdown
    assert re.search(
        rf"\| generator-transpose-28 \| Conv2DTranspose \| 782,209 \| {epochs} \| \d+\.\d \|",
        markdown,
    )
    assert "(samples.gif)" in markdown and "(scores-seconds.png)" in markdown


def test_a_diverging_generator_is_reported_and_exits_1(
    run: Run, tmp_path: Path, small_npz: Path
) -> None:
    # Adam's first step moves every weight by about the learning rate: the losses overflow.
    code, out, err = run(
        "compare", "--task", "generator", "--models", "generator-sub-pixel-28",
        "--data", str(small_npz), "--limit", "64", "--batch-size", "32", "--epochs", "2",
        "--learning-rate", "1e30", "-o", "r",
    )  # fmt: skip
    assert code == 1
    assert "generator-sub-pixel-28: Epoch 1, step 1: the GAN diverged (non-finite loss" in err
    assert "Warning" not in err  # nothing from matplotlib about empty curves
    assert "no epoch finished" in out
    # The report is still written, the generator's row with no score and no step.
    markdown = (tmp_path / "r" / "report.md").read_text()
    assert "| generator-sub-pixel-28 | SubPixelConv2D | 782,212 | 0 | - | - |" in markdown
    assert "| real digits (training images) | - | - | - |" in markdown
    history = json.loads((tmp_path / "r" / "generator-sub-pixel-28" / "history.json").read_text())
    assert history == {}


def test_quiet_compare_prints_nothing(run: Run, tmp_path: Path, small_npz: Path) -> None:
    argv = ["--data", str(small_npz), "--limit", "32", "--batch-size", "32", "--epochs", "1"]
    models = "generator-sub-pixel-28"
    assert run("compare", "--task", "generator", *argv, "--models", models, "-o", "r", "-q") == (
        0,
        "",
        "",
    )
    assert [p.name for p in (tmp_path / "r").iterdir() if p.is_dir()] == [models]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--models", "generator-transpose-28"],  # the default task takes autoencoders
            "--models generator-transpose-28: unknown model 'generator-transpose-28'",
        ),
        (
            ["--task", "generator", "--models", "ae-transpose"],
            "--models ae-transpose: 'ae-transpose' is an autoencoder; this command takes a "
            "generator: generator-upsampling, generator-transpose, generator-upsampling-28, ",
        ),
        (
            ["--task", "generator", "--models", "generator-transpose-28,generator-transpose"],
            "--models generator-transpose-28,generator-transpose: generator-transpose draws "
            "10x10 images",
        ),
        (
            ["--task", "generator", "--models", "generator-transpose-28,generator-transpose-28"],
            "'generator-transpose-28' is named twice",
        ),
        (["--task", "generator", "--models", ","], "--models ,: an empty name"),
        (["--task", "generator", "--models", "nope"], "--models nope: unknown model 'nope'"),
        (
            ["--task", "generator", "--steps", "10"],
            "--steps does not apply to --task generator: a GAN trains whole epochs (--epochs)",
        ),
        (["--task", "generator", "--validation-split", "0.1"], "unrecognized arguments"),
        (["--task", "gan"], "argument --task: invalid choice: 'gan'"),
    ],
)
def test_bad_options_exit_2_before_any_work(
    run: Run, tmp_path: Path, argv: list[str], message: str
) -> None:
    code, out, err = run("compare", *argv)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and out == ""
    assert list(tmp_path.iterdir()) == []  # nothing written
