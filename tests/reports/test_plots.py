"""Figures: matplotlib's object API, readable labels, one grey scale, PNGs of a known size."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.image import AxesImage, imread
from matplotlib.text import Text

from upsample.reports import plots

SRC = Path(__file__).resolve().parents[2] / "src" / "upsample"


def _png_shape(figure: Figure, path: Path) -> tuple[int, ...]:
    plots.save_png(figure, path)
    return imread(path).shape


def _expected(figure: Figure) -> tuple[int, int, int]:
    width, height = figure.get_size_inches()
    return (round(height * plots.DPI), round(width * plots.DPI), 4)


def _tick_labels(labels: list[Text]) -> list[str]:
    return [label.get_text() for label in labels]


def _images(figure: Figure) -> list[AxesImage]:
    return [image for axes in figure.axes for image in axes.get_images()]


@pytest.fixture
def digits(rng: np.random.Generator) -> np.ndarray:
    return rng.random((8, 28, 28, 1)).astype("float32")


def test_loss_curves_several_runs_on_one_axes(tmp_path: Path) -> None:
    runs = {
        "ae-upsampling": {"loss": [0.3, 0.2, 0.15], "val_loss": [0.25, 0.18, 0.14]},
        "ae-transpose": {"loss": [0.5, 0.3, 0.2], "val_loss": [0.4, 0.25, 0.19]},
    }
    figure = plots.loss_curves(runs, loss_name="binary_crossentropy")
    (axes,) = figure.axes
    assert axes.get_xlabel() == "Epoch"
    assert axes.get_ylabel() == "Loss (binary crossentropy)"
    assert axes.get_title()
    assert len(axes.get_lines()) == 4
    assert list(axes.get_lines()[0].get_xdata()) == [1, 2, 3]
    labels = [text.get_text() for text in axes.get_legend().get_texts()]
    assert "ae-transpose (validation)" in labels
    assert _png_shape(figure, tmp_path / "loss.png") == _expected(figure)


def test_loss_curves_without_validation() -> None:
    figure = plots.loss_curves({"run": {"loss": [0.3]}})
    assert len(figure.axes[0].get_lines()) == 1


def test_reconstructions_share_a_zero_to_one_grey_scale(tmp_path: Path, digits: np.ndarray) -> None:
    figure = plots.reconstructions(
        digits, digits * 0.5, model_label="UpSampling2D", targets=[7, 2, 1, 0, 4, 1, 4, 9]
    )
    (image,) = _images(figure)  # one picture of tiles: one grey scale by construction
    assert image.get_clim() == (0.0, 1.0)
    assert image.get_cmap().name.startswith("gray")
    axes = figure.axes[0]
    assert _tick_labels(axes.get_yticklabels()) == ["Original", "UpSampling2D"]
    assert _tick_labels(axes.get_xticklabels())[0] == "target = 7"
    assert "UpSampling2D" in figure.get_suptitle()
    assert figure.axes[1].get_ylabel() == "pixel value"  # the colour bar
    assert _png_shape(figure, tmp_path / "reconstructions.png") == _expected(figure)


def test_comparison_has_three_rows_of_eight(tmp_path: Path, digits: np.ndarray) -> None:
    figure = plots.comparison(digits, digits, digits, targets=range(8))
    (image,) = _images(figure)
    assert image.get_array().shape == (3 * 28 + 2 * 2, 8 * 28 + 7 * 2)  # 2-pixel gaps
    labels = _tick_labels(figure.axes[0].get_yticklabels())
    assert labels == ["Original", "UpSampling2D", "Conv2DTranspose"]
    assert len(figure.axes[0].get_xticklabels()) == 8
    assert _png_shape(figure, tmp_path / "comparison.png") == _expected(figure)


def test_upsampling_demo_side_by_side(tmp_path: Path) -> None:
    image = np.array([[0, 0.5], [1, 1.5]])
    outputs = {
        name: np.kron(image, np.ones((32, 32)))
        for name in ("nearest", "bilinear", "bicubic", "lanczos3")
    }
    outputs["lanczos3"] = outputs["lanczos3"] + 0.4  # an overshoot must stay visible
    figure = plots.upsampling_demo(image, outputs, factor=32)
    images = _images(figure)
    assert len(images) == 5
    assert {image.get_clim() for image in images} == {(0.0, 1.9)}
    titles = [axes.get_title() for axes in figure.axes]
    assert "Original (2x2)" in titles
    assert "lanczos3 (64x64)" in titles
    assert _png_shape(figure, tmp_path / "demo.png") == _expected(figure)


def test_matrices_write_every_value(tmp_path: Path) -> None:
    figure = plots.matrices({"X": np.array([[1, 2], [3, 4]])}, title="t")
    assert sorted(text.get_text() for text in figure.axes[0].texts) == ["1", "2", "3", "4"]
    assert _png_shape(figure, tmp_path / "m.png") == _expected(figure)


def test_bad_images_are_refused() -> None:
    with pytest.raises(ValueError, match="grey image"):
        plots.image_rows({"rgb": np.zeros((1, 4, 4, 3))}, title="t")
    with pytest.raises(ValueError, match="same number"):
        plots.image_rows({"a": np.zeros((2, 4, 4)), "b": np.zeros((1, 4, 4))}, title="t")


def test_save_png_leaves_no_temporary_file(tmp_path: Path) -> None:
    plots.save_png(plots.loss_curves({"r": {"loss": [1.0]}}), tmp_path / "a.png")
    assert [p.name for p in tmp_path.iterdir()] == ["a.png"]


@pytest.mark.parametrize(
    "path",
    [*sorted((SRC / "reports").glob("*plots.py")), *sorted((SRC / "cli").glob("*.py"))],
    ids=lambda p: p.name,
)
def test_pyplot_is_never_imported(path: Path) -> None:
    tree = ast.parse(path.read_text())
    imported = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ] + [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [name for name in imported if "pyplot" in name]
