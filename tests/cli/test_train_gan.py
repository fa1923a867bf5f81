"""`upsample train GENERATOR`: a GAN's run folder, exact resumption, divergence, bad options.

The runs are tiny (64 images, 2 steps per epoch) and score 64 samples with a
small classifier (the `small_gan_scores` fixture).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.image import imread
from PIL import Image

from cli.helpers import Run, carry_on, interrupt_at_batch
from upsample.models import GAN, load_gan
from upsample.quality import NOT_FID

pytestmark = pytest.mark.usefixtures("small_gan_scores")

GAN_TINY = ["--limit", "64", "--batch-size", "32"]
SCORES = {
    "frechet_distance",
    "diversity",
    "effective_classes",
    "confidence_mean",
    "confident_fraction",
    "phase_imbalance",
    "spectral_amplitude",
    "border_excess",
}
RUN_FILES = {
    "checkpoint",
    "config.json",
    "grids.npy",
    "history.csv",
    "history.json",
    "latents.npy",
    "result.json",
    "samples",
    "samples.gif",
    "scores.png",
    "summary.txt",
}


def _json(path: Path) -> Any:
    return json.loads(path.read_text())


def _train(run: Run, data: Path, *argv: str) -> tuple[int, str, str]:
    return run("train", "generator-transpose-28", "--data", str(data), *GAN_TINY, *argv)


def test_train_writes_a_gan_run_folder(run: Run, tmp_path: Path, small_npz: Path) -> None:
    code, out, err = _train(run, small_npz, "--epochs", "2", "-o", "run")
    assert code == 0, err
    folder = tmp_path / "run"
    assert {p.name for p in folder.iterdir()} == RUN_FILES
    assert sorted(p.name for p in (folder / "samples").iterdir()) == [
        "epoch-001.png",
        "epoch-002.png",
    ]
    history = _json(folder / "history.json")
    assert set(history) == {"d_loss", "g_loss", "steps", "seconds", *SCORES}
    assert all(len(values) == 2 for values in history.values())
    assert history["steps"] == [2, 4]  # 64 images in batches of 32
    assert 0 < history["seconds"][0] < history["seconds"][1]
    with (folder / "history.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["epoch"] for row in rows] == ["0", "1"]
    assert [float(row["frechet_distance"]) for row in rows] == history["frechet_distance"]

    config = _json(folder / "config.json")
    assert config["model"] == "generator-transpose-28"
    assert config["resolved"] == {
        "epochs": 2,
        "batch_size": 32,
        "learning_rate": pytest.approx(0.0002),
        "beta_1": pytest.approx(0.5),
        "label_noise": 0.05,
        "seed": 0,
        "initial_epoch": 0,
        "scored_samples": 64,
    }
    assert config["data"]["train_images"] == 64
    classifier = config["classifier"]
    assert classifier["statement"] == NOT_FID
    assert (classifier["test_images"], classifier["scored_samples"]) == (20, 64)
    assert 0 <= classifier["test_accuracy"] <= 1 and classifier["floor"] > 0

    result = _json(folder / "result.json")
    assert (result["epochs"], result["steps_this_run"], result["diverged"]) == (2, 4, None)
    assert result["final_scores"]["frechet_distance"] == history["frechet_distance"][-1]
    assert sum(result["final_scores"]["class_histogram"]) == 64
    p10, p50, p90 = result["final_scores"]["confidence_quantiles"].values()
    assert 0.1 <= p10 <= p50 <= p90 <= 1
    assert result["samples_per_second"] > 0 and result["cpu_seconds"] > 0

    gan = load_gan(folder / "checkpoint")
    assert (gan.completed_epochs, gan.steps) == (2, 4)
    assert np.load(folder / "latents.npy").shape == (64, 100)
    assert np.load(folder / "grids.npy").shape == (2, 64, 28, 28, 1)
    summary = (folder / "summary.txt").read_text()
    assert "Generator:" in summary and "Discriminator:" in summary and "782,209" in summary
    assert imread(folder / "samples" / "epoch-002.png").shape == (420, 400, 4)
    assert imread(folder / "scores.png").shape == (700, 1000, 4)
    with Image.open(folder / "samples.gif") as animation:
        assert (animation.n_frames, animation.size) == (2, (400, 420))

    assert "test accuracy" in out and "on the 20 test images" in out
    assert "NOT the published Inception FID" in out
    assert "Floor: 64 real training images have FD" in out
    assert "epochs 1-2, batch size 32, 2 steps per epoch" in out
    assert "generator-transpose-28: FD " in out and "effective classes of 10" in out


def _state(gan: GAN) -> list[np.ndarray]:
    return [
        *gan.generator.get_weights(),
        *gan.discriminator.get_weights(),
        *(v.numpy() for v in gan.d_optimizer.variables),
        *(v.numpy() for v in gan.g_optimizer.variables),
    ]


def _assert_same_run(first: Path, second: Path) -> None:
    """Two run folders hold the same GAN, random state, history (but time) and grids."""
    one, two = load_gan(first / "checkpoint"), load_gan(second / "checkpoint")
    assert (one.completed_epochs, one.steps) == (two.completed_epochs, two.steps)
    assert one._random_state() == two._random_state()
    for ours, theirs in zip(_state(one), _state(two), strict=True):
        np.testing.assert_array_equal(ours, theirs)
    histories = [_json(folder / "history.json") for folder in (first, second)]
    for history in histories:
        del history["seconds"]
    assert histories[0] == histories[1]
    for name in ("grids.npy", "latents.npy"):
        np.testing.assert_array_equal(np.load(first / name), np.load(second / name))


def test_a_run_resumed_after_epoch_1_ends_as_an_uninterrupted_one(
    run: Run, tmp_path: Path, small_npz: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _train(run, small_npz, "--epochs", "2", "-o", "whole", "-q")[0] == 0
    assert _train(run, small_npz, "--epochs", "1", "-o", "split", "-q")[0] == 0
    code, out, err = run(
        "train", "generator-transpose-28", "--epochs", "2", "-o", "split", "--resume"
    )
    assert code == 0, err
    assert "Resuming generator-transpose-28" in out and "epochs 2-2" in out
    _assert_same_run(tmp_path / "whole", tmp_path / "split")

    # Ctrl-C in the second epoch: the hint's command carries the run on to the same end.
    interrupt_at_batch(monkeypatch, epoch=1, batch=0)
    code, _, err = _train(run, small_npz, "--epochs", "2", "-o", "cut")
    assert code == 130
    argv = carry_on(err)
    assert argv[:5] == ["train", "generator-transpose-28", "--output", "cut", "--resume"]
    assert "--validation-split" not in argv  # a GAN has none
    assert run(*argv, "-q")[0] == 0
    _assert_same_run(tmp_path / "whole", tmp_path / "cut")

    code, _, err = _train(run, small_npz, "--epochs", "3", "-o", "whole")
    assert code == 2
    assert "--output whole holds a run: carry it on with --resume" in err


def test_a_diverging_run_names_the_epoch_and_exits_1(
    run: Run, tmp_path: Path, small_npz: Path
) -> None:
    # Adam's first step moves every weight by about the learning rate: the losses overflow.
    code, out, err = run(
        "train", "generator-sub-pixel-28", "--data", str(small_npz), *GAN_TINY,
        "--epochs", "2", "--learning-rate", "1e30", "-o", "r",
    )  # fmt: skip
    assert code == 1
    (message,) = [line for line in err.splitlines() if "diverged" in line]
    assert message.startswith(
        "generator-sub-pixel-28: Epoch 1, step 1: the GAN diverged (non-finite loss: "
    )
    assert "start a new run with a smaller --learning-rate" in message
    assert "no epoch finished" in out
    folder = tmp_path / "r"
    assert _json(folder / "history.json") == {}
    assert _json(folder / "result.json")["diverged"].startswith("Epoch 1, step 1: ")
    assert load_gan(folder / "checkpoint").completed_epochs == 0  # the last good state


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["generator-transpose"],
            "generator-transpose draws 10x10 images and is seed 001's linear generator, which "
            "the seed builds but never trains; MNIST and the scores are 28x28. Train a 28x28 "
            "generator: generator-upsampling-28, generator-transpose-28, generator-sub-pixel-28",
        ),
        (
            ["generator-upsampling-28", "--validation-split", "0.1"],
            "--validation-split does not apply to generator-upsampling-28: a GAN trains on "
            "every image",
        ),
        (
            ["generator-upsampling-28", "--resume", "-o", "nowhere"],
            "--resume: there is no saved model nowhere/checkpoint",
        ),
        (
            ["generator-upsampling-28", "--batch-size", "0"],
            "argument --batch-size: must be at least 1, got 0",
        ),
        (
            ["generator-upsampling-28", "--learning-rate", "-0.1"],
            "argument --learning-rate: must be more than 0, got -0.1",
        ),
        (
            ["generator-upsampling-28", "--epochs", "1.5"],
            "argument --epochs: must be a whole number, got '1.5'",
        ),
        (
            ["generator-upsampling-28", "--data", "missing.npz"],
            "argument --data: no such file: missing.npz",
        ),
        (["generator-upsampling", "-o", "r"], "generator-upsampling draws 10x10 images"),
    ],
)
def test_bad_options_exit_2_before_any_work(
    run: Run, tmp_path: Path, argv: list[str], message: str
) -> None:
    code, out, err = run("train", *argv)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and out == ""
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_resume_refuses_what_would_not_carry_the_run_on(
    run: Run, tmp_path: Path, small_npz: Path
) -> None:
    assert _train(run, small_npz, "--epochs", "1", "-o", "r", "-q")[0] == 0
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "r").iterdir()}
    for argv, message in [
        (
            ["generator-transpose-28", "--epochs", "1"],
            "--resume: r already has 1 epoch(s); --epochs 1 is the total to reach, so ask for more",
        ),
        (
            ["generator-transpose-28", "--epochs", "2", "--limit", "32"],
            "--resume: r was trained with --limit 64; --limit 32 would train it on other images",
        ),
        (
            ["generator-upsampling-28", "--epochs", "2"],
            "--resume: r holds a run of generator-transpose-28, not of generator-upsampling-28",
        ),
        (
            ["generator-transpose-28", "--epochs", "2", "--validation-split", "0.1"],
            "--validation-split does not apply to generator-transpose-28",
        ),
    ]:
        code, out, err = run("train", *argv, "-o", "r", "--resume")
        assert code == 2, argv
        assert message in err and out == ""
    # Nothing in the run folder was touched.
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "r").iterdir()} == before
