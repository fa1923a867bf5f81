"""Fashion-MNIST: download only; a damaged cache is named and replaced, never unpickled."""

from __future__ import annotations

import pytest

from upsample.datasets import _files, fashion_mnist


def test_offline_it_refuses_and_says_where_the_cache_goes(requested: list[str]) -> None:
    with pytest.raises(RuntimeError, match="no offline fallback") as caught:
        fashion_mnist.load_data()
    assert str(_files.cache_dir()) in str(caught.value)
    assert all(url.startswith(fashion_mnist.BASE_URL) for url in requested)


def test_a_damaged_cache_is_named_and_downloaded_again(
    requested: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = _files.cache_dir() / "fashion-mnist.npz"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x80\x04 not an archive")
    with pytest.raises(RuntimeError, match="could not be downloaded"):
        fashion_mnist.load_data()
    err = capsys.readouterr().err
    assert f"Not using the Fashion-MNIST cache: {path} is not an .npz file" in err
    assert "allow_pickle" not in err
    assert requested  # it tried to replace it
