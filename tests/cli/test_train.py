"""`upsample train MODEL`: a run folder from a tiny run, from each data source, and --resume."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from matplotlib.image import imread

from cli.helpers import TINY, Run

RUN_FILES = {
    "config.json",
    "history.csv",
    "history.json",
    "loss.png",
    "model.keras",
    "reconstructions.png",
    "result.json",
    "summary.txt",
}


def _json(path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(path.read_text())


def _csv_epochs(path: Path) -> list[str]:
    with path.open(newline="") as handle:
        return [row["epoch"] for row in csv.DictReader(handle)]


def test_train_writes_a_run_folder(run: Run, tmp_path: Path) -> None:
    code, out, err = run("train", "ae-upsampling", *TINY, "--output", "run")
    assert code == 0, err
    folder = tmp_path / "run"
    assert {p.name for p in folder.iterdir()} == RUN_FILES
    history = _json(folder / "history.json")
    assert set(history) == {"loss", "val_loss"}
    assert len(history["loss"]) == len(history["val_loss"]) == 1
    assert _csv_epochs(folder / "history.csv") == ["0"]
    config = _json(folder / "config.json")
    assert config["model"] == "ae-upsampling"
    assert config["seed_document"] == "000"
    assert config["data"]["source"] == "sample"
    assert "SAMPLE" in config["data"]["description"]
    assert config["data"]["images_used"] == 200
    assert (config["data"]["train_images"], config["data"]["validation_images"]) == (160, 40)
    assert config["resolved"]["batch_size"] == 25  # the seed's
    assert config["options"]["limit"] == 200
    assert set(config["versions"]) >= {"upsample", "numpy", "python"}
    assert "Total params: 1,393" in (folder / "summary.txt").read_text()
    assert imread(folder / "loss.png").shape == (450, 700, 4)
    assert imread(folder / "reconstructions.png").shape[:2] == (310, 1200)
    assert "loss" in out and "val_loss" in out  # Keras's progress, one line per epoch
    assert "SAMPLE" in err  # the data source is told


def test_default_output_folder_is_under_runs(run: Run, tmp_path: Path) -> None:
    code, _, _ = run("train", "ae-upsampling", *TINY, "--quiet")
    assert code == 0
    (folder,) = (tmp_path / "runs").iterdir()
    assert folder.name.startswith("ae-upsampling-")
    assert (folder / "model.keras").is_file()


def test_auto_data_offline_falls_back_to_the_sample_with_a_message(
    run: Run, tmp_path: Path
) -> None:
    # The suite turns warnings into errors: the SampleWarning must become a message.
    code, _, err = run("train", "ae-upsampling", "--data", "auto", *TINY[2:], "-o", "r")
    assert code == 0, err
    assert "bundled sample" in err
    assert _json(tmp_path / "r" / "config.json")["data"]["source"] == "sample"
    assert not (tmp_path / "home" / "datasets" / "mnist.npz").exists()


def test_data_from_a_file(run: Run, tmp_path: Path, small_npz: Path) -> None:
    code, _, err = run(
        "train", "ae-transpose", "--data", str(small_npz), "--epochs", "1", "-o", "r", "-q"
    )
    assert code == 0, err
    config = _json(tmp_path / "r" / "config.json")
    assert config["data"]["source"] == "file"
    assert config["data"]["location"] == str(small_npz)
    assert config["data"]["images_used"] == 300
    assert config["resolved"]["batch_size"] == 1000


def test_options_are_recorded_and_used(run: Run, tmp_path: Path) -> None:
    code, _, _ = run(
        "train", "ae-upsampling", *TINY, "--batch-size", "40", "--learning-rate", "0.01",
        "--validation-split", "0", "--seed", "7", "-o", "r", "-q",
    )  # fmt: skip
    assert code == 0
    config = _json(tmp_path / "r" / "config.json")
    assert config["resolved"] == {
        "epochs": 1,
        "batch_size": 40,
        "validation_split": 0.0,
        "learning_rate": 0.01,
        "seed": 7,
        "engine": "numpy",
        "initial_epoch": 0,
    }
    assert config["engine"] == {"engine": "numpy", "devices": {"count": 1, "kinds": {"cpu": 1}}}
    assert set(_json(tmp_path / "r" / "history.json")) == {"loss"}
    assert _json(tmp_path / "r" / "result.json")["steps_this_run"] == 5


def test_same_seed_same_history(run: Run, tmp_path: Path) -> None:
    for folder in ("a", "b"):
        assert run("train", "ae-upsampling", *TINY, "--seed", "3", "-o", folder, "-q")[0] == 0
    assert _json(tmp_path / "a" / "history.json") == _json(tmp_path / "b" / "history.json")


def test_resume_continues_from_the_saved_epoch(run: Run, tmp_path: Path) -> None:
    assert run("train", "ae-upsampling", *TINY, "-o", "r", "-q")[0] == 0
    first = _json(tmp_path / "r" / "history.json")
    code, out, err = run(
        "train", "ae-upsampling", *TINY[:4], "--epochs", "2", "-o", "r", "--resume"
    )
    assert code == 0, err
    assert "Resuming" in out and "epochs 2-2" in out
    history = _json(tmp_path / "r" / "history.json")
    assert len(history["loss"]) == 2
    assert history["loss"][0] == first["loss"][0]
    assert _csv_epochs(tmp_path / "r" / "history.csv") == ["0", "1"]  # initial_epoch = 1
    config = _json(tmp_path / "r" / "config.json")
    assert config["resolved"]["initial_epoch"] == 1
    assert config["options"]["resume"] is True


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ae-upsampling", "--epochs", "1"], "already has 1 epoch(s)"),
        (["ae-transpose", "--epochs", "3"], "holds a run of ae-upsampling, not of ae-transpose"),
    ],
)
def test_resume_refuses_what_it_cannot_continue(run: Run, argv: list[str], message: str) -> None:
    assert run("train", "ae-upsampling", *TINY, "-o", "r", "-q")[0] == 0
    code, _, err = run("train", *argv, "--data", "sample", "-o", "r", "--resume")
    assert code == 2
    assert message in err
    assert err.count("\n") == 1
