"""`upsample demo`: the seeds' 2x2 demonstrations."""

from __future__ import annotations

from pathlib import Path

from matplotlib.image import imread

from cli.helpers import Run

FILES = ["conv2dtranspose-2x2.png", "upsampling-32x.png", "upsampling2d-2x2.png"]


def test_demo_prints_and_draws(run: Run, tmp_path: Path) -> None:
    code, out, err = run("demo")
    assert code == 0, err
    # Printed as the seeds print them.
    assert "[[1. 1. 2. 2.]\n [1. 1. 2. 2.]\n [3. 3. 4. 4.]\n [3. 3. 4. 4.]]" in out
    assert "[[1. 0. 2. 0.]\n [0. 0. 0. 0.]\n [3. 0. 4. 0.]\n [0. 0. 0. 0.]]" in out
    assert "Total params: 2" in out
    for interpolation in ("nearest", "bilinear", "bicubic", "lanczos3"):
        assert interpolation in out
    folder = tmp_path / "demo"
    assert sorted(p.name for p in folder.iterdir()) == FILES
    for name in FILES:
        image = imread(folder / name)
        assert image.ndim == 3 and image.shape[0] > 200 and image.shape[1] > 300
    assert (
        imread(folder / "upsampling-32x.png").shape[1]
        > 3 * imread(folder / "upsampling2d-2x2.png").shape[0]
    )  # five panels side by side


def test_demo_quiet_prints_nothing(run: Run, tmp_path: Path) -> None:
    assert run("demo", "--quiet", "--output", "d") == (0, "", "")
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == FILES
