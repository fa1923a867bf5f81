"""`read_npz`: what is wrong with a data file, said with its path; nothing is ever unpickled."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from upsample.datasets._files import DataFileError, read_npz, write_npz

KEYS = ("a", "b")


def test_reads_the_arrays_asked_for(tmp_path: Path) -> None:
    path = tmp_path / "good.npz"
    np.savez(path, a=np.arange(3), b=np.ones((2, 2), np.uint8), c=np.zeros(1))
    arrays = read_npz(path, KEYS)
    assert set(arrays) == {"a", "b"}
    np.testing.assert_array_equal(arrays["a"], [0, 1, 2])


def test_write_npz_creates_the_folder_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "x.npz"
    write_npz(path, {"a": np.arange(4, dtype=np.uint8), "b": np.eye(2)})
    np.testing.assert_array_equal(read_npz(path, KEYS)["b"], np.eye(2))
    assert sorted(p.name for p in path.parent.iterdir()) == ["x.npz"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"hello, not an archive", "is not an .npz file"),
        (b"", "is not an .npz file"),
        (b"\x80\x04\x95 a pickle", "is not an .npz file"),
        (b"PK\x03\x04 then garbage", "is damaged or truncated"),
    ],
)
def test_other_formats_are_named_without_numpys_pickle_advice(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "data.npz"
    path.write_bytes(content)
    with pytest.raises(DataFileError, match=message) as caught:
        read_npz(path, KEYS)
    assert str(path) in str(caught.value)
    assert "allow_pickle" not in str(caught.value)


def test_a_single_npy_array_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "one.npz"
    with path.open("wb") as handle:
        np.save(handle, np.zeros(3))
    with pytest.raises(DataFileError, match=rf"{path} is a single NumPy array \(\.npy\)"):
        read_npz(path, KEYS)


def test_object_arrays_are_refused_without_unpickling(tmp_path: Path) -> None:
    path = tmp_path / "objects.npz"
    np.savez(path, a=np.array([{"x": 1}, None], dtype=object), b=np.zeros(2))
    with pytest.raises(DataFileError, match=rf"{path}: a holds Python objects \(dtype object\)"):
        read_npz(path, KEYS)


def test_missing_arrays_are_listed(tmp_path: Path) -> None:
    path = tmp_path / "partial.npz"
    np.savez(path, a=np.zeros(2), z=np.zeros(2))
    with pytest.raises(DataFileError, match=rf"{path} lacks the array\(s\) b; it holds a, z"):
        read_npz(path, KEYS)


def test_a_member_that_is_not_an_array_is_named(tmp_path: Path) -> None:
    path = tmp_path / "odd.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.npy", b"not a .npy header")
        archive.writestr("b.npy", b"")
    with pytest.raises(DataFileError, match=rf"{path}: a is not a readable array"):
        read_npz(path, KEYS)


def test_a_folder_and_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=rf"{tmp_path} is a folder"):
        read_npz(tmp_path, KEYS)
    with pytest.raises(FileNotFoundError) as caught:
        read_npz(tmp_path / "nothing.npz", KEYS)
    assert caught.value.filename == str(tmp_path / "nothing.npz")
