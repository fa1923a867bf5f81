"""MNIST's sources: an explicit file as given, verified caches, the download, the sample."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from upsample.datasets import _files, mnist
from upsample.datasets._files import DataFileError


def _mnist_like(path: Path, **changes: Any) -> Path:
    """An .npz with Keras's four arrays (40 + 10 images of the sample), some replaced."""
    with np.load(mnist.SAMPLE_PATH) as sample:
        arrays = {
            "x_train": sample["x_train"][:40],
            "y_train": sample["y_train"][:40],
            "x_test": sample["x_test"][:10],
            "y_test": sample["y_test"][:10],
        }
    arrays.update(changes)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **arrays)  # type: ignore[arg-type]
    return path


def test_an_explicit_file_is_read_as_given(tmp_path: Path, requested: list[str]) -> None:
    path = _mnist_like(tmp_path / "data" / "mine.npz")
    ((x, y), (x_test, _)), source = mnist.load(str(path), quiet=True)
    assert (x.shape, y.shape, x_test.shape) == ((40, 28, 28), (40,), (10, 28, 28))
    assert (source.kind, source.location) == ("file", str(path))
    assert requested == []


@pytest.mark.parametrize("spelling", ["./missing.npz", "data/missing.npz", "~/no/missing.npz"])
def test_an_explicit_path_that_does_not_exist_is_never_replaced(
    tmp_path: Path, requested: list[str], spelling: str
) -> None:
    with pytest.raises(FileNotFoundError, match=r"No such MNIST file: .*missing\.npz.*never "):
        mnist.load_data(spelling)
    assert requested == []  # no download, no sample


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"y_train": np.zeros(39, np.uint8)}, "x_train holds 40 images but y_train 39 labels"),
        ({"y_test": np.zeros(11, np.uint8)}, "x_test holds 10 images but y_test 11 labels"),
        ({"x_train": np.zeros((40, 28, 28), np.float32)}, "x_train must be uint8 of shape"),
        ({"x_test": np.zeros((10, 32, 32), np.uint8)}, r"x_test must be uint8 .* \(10, 32, 32\)"),
        ({"y_train": np.uint8(3)}, r"y_train must be uint8 of shape \(N,\)"),
        ({"x_train": np.array([None] * 40, dtype=object)}, "x_train holds Python objects"),
    ],
)
def test_a_file_that_is_not_mnist_says_what_is_wrong(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    path = _mnist_like(tmp_path / "bad.npz", **changes)
    with pytest.raises(DataFileError, match=message) as caught:
        mnist.load_data(str(path))
    assert str(path) in str(caught.value)
    assert "allow_pickle" not in str(caught.value)


def test_a_file_of_another_format_is_named(tmp_path: Path) -> None:
    path = tmp_path / "notes.npz"
    path.write_text("not numbers")
    with pytest.raises(DataFileError, match=rf"{path} is not an .npz file"):
        mnist.load_data(str(path))


def test_offline_the_sample_comes_with_a_warning_that_says_how_to_supply_mnist(
    requested: list[str],
) -> None:
    with pytest.warns(mnist.SampleWarning) as caught:
        ((x, _), (x_test, _)), source = mnist.load(quiet=True)
    assert (len(x), len(x_test), source.kind) == (6000, 1000, "sample")
    message = str(caught[0].message)
    assert "network disabled" in message
    assert mnist.CANONICAL_URL in message and "--data" in message and "load_data(" in message
    # The canonical download is the only one: no other host is ever asked.
    assert requested == [mnist.CANONICAL_URL]


def test_without_the_sample_the_error_says_how_to_supply_mnist() -> None:
    with pytest.raises(RuntimeError, match="MNIST is not available") as caught:
        mnist.load(allow_sample=False, quiet=True)
    assert mnist.CANONICAL_SHA256 in str(caught.value)
    assert str(_files.cache_dir() / "mnist.npz") in str(caught.value)


def test_a_download_with_the_wrong_checksum_is_not_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    class Response:
        def __init__(self) -> None:
            self.headers = {"Content-Length": "5"}
            self.chunks = [b"bogus", b""]

        def read(self, size: int) -> bytes:
            return self.chunks.pop(0)

        def __enter__(self) -> Response:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

    monkeypatch.setattr(_files, "open_url", lambda url, timeout: Response())
    with pytest.raises(RuntimeError, match="does not have the expected SHA-256"):
        mnist.load(allow_sample=False, quiet=True)
    assert not (_files.cache_dir() / "mnist.npz").exists()


@pytest.mark.parametrize("cache", ["ours", "keras"])
def test_a_damaged_cache_is_named_and_skipped(
    tmp_path: Path, cache: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _files.cache_dir() if cache == "ours" else _files.keras_cache_dir()
    folder.mkdir(parents=True)
    (folder / "mnist.npz").write_bytes(b"\x80\x04 a pickle, or anything else")
    with pytest.warns(mnist.SampleWarning, match=rf"{folder / 'mnist.npz'} is not an .npz file"):
        mnist.load(quiet=True)
    assert "allow_pickle" not in capsys.readouterr().err


def test_a_cache_of_other_images_fails_verification(capsys: pytest.CaptureFixture[str]) -> None:
    path = _mnist_like(_files.cache_dir() / "mnist.npz")
    with pytest.warns(mnist.SampleWarning, match="failed verification"):
        mnist.load(quiet=True)
    assert f"Not using the cache: The MNIST copy at {path}" in capsys.readouterr().err


def test_a_bare_name_in_the_current_folder_is_not_read_and_the_warning_says_so(
    tmp_path: Path,
) -> None:
    _mnist_like(tmp_path / "mine.npz")
    with pytest.warns(mnist.SampleWarning, match=r"\./mine\.npz is not read .* write \./mine"):
        mnist.load("mine.npz", quiet=True)
    ((x, _), _), source = mnist.load("./mine.npz", quiet=True)
    assert (len(x), source.kind) == (40, "file")


def test_the_bundled_sample_is_the_shipped_file() -> None:
    digest = hashlib.sha256(mnist.SAMPLE_PATH.read_bytes()).hexdigest()
    assert digest == mnist.SAMPLE_SHA256
