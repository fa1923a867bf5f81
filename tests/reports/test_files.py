"""Run records: written atomically, read back with errors that name the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from upsample.reports.files import read_json, write_json, write_text


def test_json_round_trips_numpy_scalars_and_paths(tmp_path: Path) -> None:
    path = write_json(tmp_path / "r.json", {"loss": np.float32(0.5), "where": tmp_path})
    assert read_json(path) == {"loss": 0.5, "where": str(tmp_path)}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "is not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "is nested too deeply to be read as JSON"),
    ],
)
def test_bad_json_is_a_value_error_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = write_text(tmp_path / "config.json", text)
    with pytest.raises(ValueError, match=message) as caught:
        read_json(path)
    assert str(path) in str(caught.value)
