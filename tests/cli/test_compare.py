"""`upsample compare`: both autoencoders on the same data, and the report."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

from matplotlib.image import imread

from cli.helpers import TINY, Run


def test_compare_writes_the_report(run: Run, tmp_path: Path) -> None:
    code, out, err = run("compare", *TINY)
    assert code == 0, err
    folder = tmp_path / "report"  # the default output folder
    assert [p.name for p in tmp_path.iterdir()] == ["report"]  # nothing written elsewhere
    for name in ("report.html", "report.md", "loss.png", "comparison.png"):
        assert (folder / name).is_file(), name
    for model in ("ae-upsampling", "ae-transpose"):
        history = json.loads((folder / model / "history.json").read_text())
        assert len(history["loss"]) == len(history["val_loss"]) == 1
        config = json.loads((folder / model / "config.json").read_text())
        assert config["data"]["source"] == "sample"
        assert config["resolved"]["seed"] == 0
        assert (folder / model / "model.keras").is_file()
    assert imread(folder / "loss.png").shape == (450, 700, 4)
    assert imread(folder / "comparison.png").shape[:2] == (425, 1200)
    # Progress for each model, then a summary.
    assert "[1/2] ae-upsampling" in out and "[2/2] ae-transpose" in out
    assert "report.html" in out

    page = (folder / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert "<table>" in page and "<th>Final validation loss</th>" in page
    for cells in (
        "<td>ae-upsampling</td><td>UpSampling2D</td><td>1,393</td><td>25</td>",
        "<td>ae-transpose</td><td>Conv2DTranspose</td><td>12,785</td><td>1000</td>",
    ):
        assert cells in page
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 2
    assert imread(io.BytesIO(base64.b64decode(images[1])), format="png").shape[:2] == (425, 1200)
    assert 'src="' not in page.replace('src="data:', "")  # nothing outside the page

    markdown = (folder / "report.md").read_text()
    assert "| Model | Decoder | Parameters |" in markdown
    assert re.search(
        r"\| ae-transpose \| Conv2DTranspose \| 12,785 \| 1000 \| 1 \| 0\.\d{4} \|", markdown
    )
    assert "![" in markdown and "(comparison.png)" in markdown and "(loss.png)" in markdown


def test_compare_batch_size_applies_to_both_and_quiet_is_silent(run: Run, tmp_path: Path) -> None:
    assert run("compare", *TINY, "--batch-size", "50", "-o", "r", "-q") == (0, "", "")
    for model in ("ae-upsampling", "ae-transpose"):
        config = json.loads((tmp_path / "r" / model / "config.json").read_text())
        assert config["resolved"]["batch_size"] == 50
