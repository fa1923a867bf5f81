"""`CSVLogger`: header, rows, separator, appending."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from callbacks.fake_training import FakeModel, fit
from upsample.callbacks import CSVLogger, LambdaCallback


def test_writes_a_header_and_a_row_per_epoch(model: FakeModel, tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    epochs = [{"val_loss": 0.75, "loss": 0.5, "mae": 0.25}, {"loss": 0.4, "mae": 0.2}]
    fit(model, epochs, CSVLogger(path), verbose=0)
    assert path.read_bytes() == (b"epoch,loss,mae,val_loss\r\n0,0.5,0.25,0.75\r\n1,0.4,0.2,NA\r\n")


def test_val_columns_are_added_when_there_is_no_validation(
    model: FakeModel, tmp_path: Path
) -> None:
    path = tmp_path / "log.csv"
    fit(model, [{"loss": 0.5}], CSVLogger(path, separator=";"), verbose=0)
    assert path.read_bytes() == b"epoch;loss;val_loss\r\n0;0.5;NA\r\n"


def test_rows_are_flushed_at_each_epoch_end(model: FakeModel, tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    seen: list[str] = []
    reader = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(path.read_text()))
    fit(model, [{"loss": 0.5}, {"loss": 0.25}], [CSVLogger(path), reader], verbose=0)
    assert seen[0].splitlines() == ["epoch,loss,val_loss", "0,0.5,NA"]


def test_append_continues_a_file_without_a_second_header(model: FakeModel, tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    fit(model, [{"loss": 0.5}], CSVLogger(path), verbose=0)
    fit(model, [{"loss": 0.25}], CSVLogger(path, append=True), verbose=0)
    assert path.read_text().splitlines() == ["epoch,loss,val_loss", "0,0.5,NA", "0,0.25,NA"]


def test_append_to_a_new_file_writes_the_header(model: FakeModel, tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    fit(model, [{"loss": 0.5}], CSVLogger(path, append=True), verbose=0)
    assert path.read_text().splitlines() == ["epoch,loss,val_loss", "0,0.5,NA"]


def test_without_append_a_second_fit_overwrites(model: FakeModel, tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    logger = CSVLogger(path)
    fit(model, [{"loss": 0.5}], logger, verbose=0)
    fit(model, [{"loss": 0.25}], logger, verbose=0)
    assert path.read_text().splitlines() == ["epoch,loss,val_loss", "0,0.25,NA"]
    assert logger.csv_file is not None and logger.csv_file.closed


def test_sequences_are_written_as_bracketed_lists(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    logger = CSVLogger(path)
    logger.on_train_begin()
    logger.on_epoch_end(0, {"loss": np.array([1, 2]), "name": "x", "val_loss": np.array(0.5)})
    logger.on_train_end()
    assert path.read_text().splitlines() == ["epoch,loss,name,val_loss", '0,"""[1, 2]""",x,0.5']
