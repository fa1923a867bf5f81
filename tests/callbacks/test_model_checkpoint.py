"""`ModelCheckpoint`: file names, best-only saving, batch frequency, argument errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from callbacks.fake_training import FakeModel, fit, losses
from upsample.callbacks import ModelCheckpoint


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_defaults_match_keras() -> None:
    callback = ModelCheckpoint("m.keras")
    assert callback.filepath == "m.keras"
    assert (callback.monitor, callback.verbose, callback.mode, callback.save_freq) == (
        "val_loss",
        0,
        "auto",
        "epoch",
    )
    assert not callback.save_best_only and not callback.save_weights_only
    assert callback.best is None


def test_saves_every_epoch_with_formatted_names(model: FakeModel) -> None:
    fit(model, losses(0.5, 0.25), ModelCheckpoint("ckpt/{epoch:02d}-{val_loss:.2f}.keras"), 0)
    assert model.saved == [("save", "ckpt/01-0.50.keras"), ("save", "ckpt/02-0.25.keras")]
    assert Path("ckpt/02-0.25.keras").read_text() == "model"  # the directory was created


def test_save_best_only_with_threshold_and_messages(
    model: FakeModel, capsys: pytest.CaptureFixture[str]
) -> None:
    callback = ModelCheckpoint(
        "best.keras", save_best_only=True, initial_value_threshold=0.45, verbose=1
    )
    fit(model, losses(0.5, 0.4, 0.42, 0.3), callback, verbose=0)
    assert model.saved == [("save", "best.keras")] * 2
    assert capsys.readouterr().out == (
        "\nEpoch 1: val_loss did not improve from 0.45000\n"
        "\nEpoch 2: val_loss improved from 0.45000 to 0.40000, saving model to best.keras\n"
        "\nEpoch 2: finished saving model to best.keras\n"
        "\nEpoch 3: val_loss did not improve from 0.40000\n"
        "\nEpoch 4: val_loss improved from 0.40000 to 0.30000, saving model to best.keras\n"
        "\nEpoch 4: finished saving model to best.keras\n"
    )


def test_save_best_only_max_mode(model: FakeModel) -> None:
    callback = ModelCheckpoint("{epoch}.keras", "val_psnr", save_best_only=True, mode="max")
    fit(model, losses(20.0, 19.0, 21.0, key="val_psnr"), callback, verbose=0)
    assert [path for _, path in model.saved] == ["1.keras", "3.keras"]


def test_weights_only_every_n_batches(model: FakeModel) -> None:
    callback = ModelCheckpoint("w-{epoch}-{batch}.weights.h5", save_weights_only=True, save_freq=2)
    fit(model, losses(0.5, 0.4, key="loss"), callback, verbose=0, steps=3)
    assert model.saved == [
        ("save_weights", "w-1-2.weights.h5"),
        ("save_weights", "w-2-1.weights.h5"),
        ("save_weights", "w-2-3.weights.h5"),
    ]


def test_best_only_without_the_monitor_warns_and_saves(model: FakeModel) -> None:
    callback = ModelCheckpoint("m.keras", save_best_only=True)
    with pytest.warns(UserWarning, match=r"Can save best model only with val_loss available\."):
        fit(model, losses(0.5, key="loss"), callback, verbose=0)
    assert model.saved == [("save", "m.keras")]


def test_a_missing_format_key_names_the_filepath(model: FakeModel) -> None:
    callback = ModelCheckpoint("m-{val_psnr:.1f}.keras")
    with pytest.raises(KeyError, match=r'filepath: "m-\{val_psnr:.1f\}.keras". Reason:.*val_psnr'):
        fit(model, losses(0.5), callback, verbose=0)


def test_an_existing_directory_is_not_a_filepath(model: FakeModel) -> None:
    Path("taken.keras").mkdir()
    with pytest.raises(OSError, match=r"non-directory filepath.*taken\.keras"):
        fit(model, losses(0.5), ModelCheckpoint("taken.keras"), verbose=0)


def test_pathlike_filepaths_are_accepted(model: FakeModel, tmp_path: Path) -> None:
    fit(model, losses(0.5), ModelCheckpoint(tmp_path / "m.weights.h5", save_weights_only=True), 0)
    assert model.saved == [("save_weights", str(tmp_path / "m.weights.h5"))]


@pytest.mark.parametrize("filepath", ["model.h5", "model.keras"])
def test_model_formats_keras_accepts(filepath: str) -> None:
    assert ModelCheckpoint(filepath).filepath == filepath


@pytest.mark.parametrize("filepath", ["model", "model.weights", "model.npz", "model.keras/"])
def test_a_full_model_needs_a_keras_filepath(filepath: str) -> None:
    with pytest.raises(ValueError, match=rf"must end in `.keras`.*Received: filepath={filepath}"):
        ModelCheckpoint(filepath)


@pytest.mark.parametrize("filepath", ["model.keras", "model.h5", "weights.npz"])
def test_weights_need_a_weights_h5_filepath(filepath: str) -> None:
    with pytest.raises(ValueError, match=rf"`.weights.h5`.*Received: filepath={filepath}"):
        ModelCheckpoint(filepath, save_weights_only=True)


@pytest.mark.parametrize("save_freq", ["batch", 0, -2, 1.5, True])
def test_save_freq_must_be_epoch_or_a_positive_int(save_freq: object) -> None:
    with pytest.raises(ValueError, match=rf"save_freq: {save_freq!r}"):
        ModelCheckpoint("m.keras", save_freq=save_freq)  # type: ignore[arg-type]
