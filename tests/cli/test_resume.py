"""`train --resume`: the same images or a clear refusal; a hint that carries a run on exactly."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cli.helpers import TINY, Run, carry_on, interrupt_at_batch
from upsample.cli import common
from upsample.datasets import mnist


def _json(path: Path) -> Any:
    return json.loads(path.read_text())


def _first_run(run: Run, *extra: str) -> None:
    code, _, err = run("train", "ae-upsampling", *TINY, *extra, "-o", "r", "-q")
    assert code == 0, err


def test_resume_takes_the_runs_data_options(run: Run, tmp_path: Path) -> None:
    _first_run(run, "--validation-split", "0.25", "--batch-size", "40")
    code, out, err = run("train", "ae-upsampling", "--epochs", "2", "-o", "r", "--resume")
    assert code == 0, err
    config = _json(tmp_path / "r" / "config.json")
    assert (config["options"]["data"], config["options"]["limit"]) == ("sample", 200)
    assert config["options"]["validation_split"] == 0.25
    assert (config["data"]["train_images"], config["data"]["validation_images"]) == (150, 50)
    assert config["resolved"]["batch_size"] == 40
    assert "epochs 2-2, batch size 40" in out


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--limit", "300"], "trained with --limit 200; --limit 300 would train it on other"),
        (["--validation-split", "0.5"], "with --validation-split 0.2; --validation-split 0.5"),
        (["--data", "auto"], "trained with --data sample; --data auto would train it"),
    ],
)
def test_resume_refuses_other_data_options(
    run: Run, tmp_path: Path, option: list[str], message: str
) -> None:
    _first_run(run)
    before = (tmp_path / "r" / "history.json").read_text()
    code, _, err = run("train", "ae-upsampling", "--epochs", "2", "-o", "r", "--resume", *option)
    assert code == 2
    assert message in err and "start a new run" in err
    assert err.count("\n") == 1
    assert (tmp_path / "r" / "history.json").read_text() == before


def test_a_changed_batch_size_is_allowed_and_told(run: Run, tmp_path: Path) -> None:
    _first_run(run)
    code, _, err = run(
        "train", "ae-upsampling", "--epochs", "2", "-o", "r", "--resume", "--batch-size", "50"
    )
    assert code == 0, err
    assert "Resuming with --batch-size 50 (the run had no --batch-size)" in err
    assert _json(tmp_path / "r" / "config.json")["resolved"]["batch_size"] == 50


def test_auto_resumes_on_the_source_the_run_used(run: Run, tmp_path: Path) -> None:
    code, _, err = run("train", "ae-upsampling", "--data", "auto", *TINY[2:], "-o", "r", "-q")
    assert code == 0, err
    assert _json(tmp_path / "r" / "config.json")["data"]["source"] == "sample"  # offline
    code, _, err = run("train", "ae-upsampling", "--epochs", "2", "-o", "r", "--resume", "-q")
    assert code == 0, err
    assert _json(tmp_path / "r" / "config.json")["data"]["source"] == "sample"


def test_a_run_on_all_of_mnist_never_resumes_on_the_sample(run: Run, tmp_path: Path) -> None:
    code, _, _ = run("train", "ae-upsampling", "--data", "auto", *TINY[2:], "-o", "r", "-q")
    assert code == 0
    config_path = tmp_path / "r" / "config.json"
    config = _json(config_path)
    config["data"]["source"] = "cache"  # as if all of MNIST had been in the cache
    config_path.write_text(json.dumps(config))
    code, _, err = run("train", "ae-upsampling", "--epochs", "2", "-o", "r", "--resume")
    assert code == 2
    assert "--data auto: MNIST is not available" in err
    assert mnist.CANONICAL_URL in err  # how to supply it


def test_a_data_file_that_changed_is_refused(run: Run, tmp_path: Path, small_npz: Path) -> None:
    code, _, err = run(
        "train", "ae-upsampling", "--data", str(small_npz), "--epochs", "1", "-o", "r", "-q"
    )
    assert code == 0, err
    with np.load(small_npz) as data:
        arrays = {key: data[key] for key in data.files}
    arrays["x_train"] = arrays["x_train"][::-1].copy()
    np.savez(small_npz, **arrays)  # type: ignore[arg-type]
    code, _, err = run("train", "ae-upsampling", "--epochs", "2", "-o", "r", "--resume")
    assert code == 2
    assert f"300 images from {small_npz} are not those r was trained on" in err


def test_a_data_file_that_is_gone_is_named(run: Run, small_npz: Path) -> None:
    code, _, _ = run(
        "train", "ae-upsampling", "--data", str(small_npz), "--epochs", "1", "-o", "r", "-q"
    )
    assert code == 0
    small_npz.unlink()
    code, _, err = run("train", "ae-upsampling", "--epochs", "2", "-o", "r", "--resume")
    assert code == 2
    assert f"--data: No such MNIST file: {small_npz}" in err


def test_an_interrupt_in_the_first_epoch_leaves_a_resumable_run(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    interrupt_at_batch(monkeypatch, epoch=0, batch=2)
    code, _, err = run("train", "ae-upsampling", *TINY[:4], "--epochs", "2", "-o", "my run")
    assert code == 130
    folder = tmp_path / "my run"
    assert _json(folder / "history.json") == {}
    assert (folder / "model.keras").is_file()
    argv = carry_on(err)
    assert argv[:5] == ["train", "ae-upsampling", "--output", "my run", "--resume"]
    assert " ".join(argv).count("--data sample --limit 200") == 1
    code, out, err = run(*argv)
    assert code == 0, err
    assert "epochs 1-2" in out
    assert len(_json(folder / "history.json")["loss"]) == 2


def test_the_hint_after_a_later_epoch_continues_on_the_same_images(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_npz: Path
) -> None:
    interrupt_at_batch(monkeypatch, epoch=1, batch=0)
    code, _, err = run(
        "train", "ae-upsampling", "--data", str(small_npz), "--limit", "100", "--epochs", "3",
        "--validation-split", "0.3", "--seed", "5", "-o", "r",
    )  # fmt: skip
    assert code == 130
    code, out, err = run(*carry_on(err))
    assert code == 0, err
    config = _json(tmp_path / "r" / "config.json")
    assert config["data"]["location"] == str(small_npz)
    assert (config["data"]["train_images"], config["data"]["validation_images"]) == (70, 30)
    assert config["resolved"]["seed"] == 5
    assert "epochs 2-3" in out


def test_a_folder_holding_a_run_points_to_resume(run: Run) -> None:
    _first_run(run)
    code, _, err = run("train", "ae-upsampling", *TINY, "-o", "r")
    assert code == 2
    assert "--output r holds a run: carry it on with --resume, or pass --overwrite" in err
    assert run("train", "ae-upsampling", *TINY, "-o", "r", "--overwrite", "-q")[0] == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "config.json is missing or unreadable"),
        ("{not json", "config.json is missing or unreadable"),
        ('{"model": "ae-upsampling"}', "does not record the run's data options"),
    ],
)
def test_a_damaged_run_record_is_named(
    run: Run, tmp_path: Path, content: str, message: str
) -> None:
    _first_run(run)
    (tmp_path / "r" / "config.json").write_text(content)
    code, _, err = run("train", "ae-upsampling", "--epochs", "2", "-o", "r", "--resume")
    assert code == 2
    assert message in err
    assert err.count("\n") == 1


def test_an_unwritable_run_folder_is_refused_before_loading_data(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    _first_run(run)

    def cannot_write(*args: object, **kwargs: object) -> object:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(common.tempfile, "TemporaryFile", cannot_write)
    code, _, err = run("train", "ae-upsampling", "--epochs", "2", "-o", "r", "--resume")
    assert code == 2
    assert "--output r: cannot write there (Read-only file system)" in err
    assert "MNIST" not in err
