"""GAN figures: tiled sample grids, their animation, score curves, confidence histograms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread
from PIL import Image

from upsample.reports import gan_plots, plots


def test_grid_tiles_rows_of_eight_with_one_pixel_gaps() -> None:
    images = np.arange(16 * 4 * 4, dtype=float).reshape(16, 4, 4, 1)
    tiles = gan_plots.grid_tiles(images)
    # 2 rows and 8 columns of 4x4 images with 1-pixel gaps (4 // 10 < 1).
    assert tiles.shape == (2 * 4 + 1, 8 * 4 + 7)
    np.testing.assert_array_equal(tiles[0:4, 0:4], images[0, ..., 0])
    np.testing.assert_array_equal(tiles[5:9, 5:9], images[9, ..., 0])
    assert np.isnan(tiles[4]).all() and np.isnan(tiles[:, 4]).all()
    assert not np.isnan(tiles[5:9, 35:39]).any()  # the last image of the second row


@pytest.mark.parametrize("shape", [(10, 4, 4, 1), (0, 4, 4), (8, 4)])
def test_a_grid_needs_whole_rows_of_images(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="n a positive multiple of 8"):
        gan_plots.grid_tiles(np.zeros(shape))


def test_tile_refuses_images_of_different_sizes() -> None:
    with pytest.raises(ValueError, match="same size"):
        plots.tile([[np.zeros((4, 4)), np.zeros((5, 4))]])


def test_sample_grids_side_by_side(tmp_path: Path, rng: np.random.Generator) -> None:
    grids = {name: rng.random((64, 28, 28, 1)) for name in ("a", "b", "c")}
    figure = gan_plots.sample_grids(grids, title="t")
    assert [axes.get_title() for axes in figure.axes] == ["a", "b", "c"]
    assert all(axes.get_images()[0].get_clim() == (0.0, 1.0) for axes in figure.axes)
    plots.save_png(figure, tmp_path / "g.png")
    assert imread(tmp_path / "g.png").shape == (420, 1120, 4)


def test_the_animation_has_a_frame_per_epoch(tmp_path: Path) -> None:
    # Frame k is all k / 2: black, grey, white.
    frames = [
        {"a": np.full((64, 6, 6, 1), k / 2), "b": np.full((64, 6, 6), k / 2)} for k in range(3)
    ]
    path = gan_plots.save_grid_animation(frames, ["one", "two", "three"], tmp_path / "x.gif")
    assert [p.name for p in tmp_path.iterdir()] == ["x.gif"]
    with Image.open(path) as animation:
        assert animation.n_frames == 3
        assert animation.info["duration"] == 500  # two frames per second
        shares = []
        for index in range(3):
            animation.seek(index)
            picture = np.asarray(animation.convert("L"))
            # The share of the picture in black, and in mid grey.
            shares.append(((picture < 64).mean(), ((picture > 100) & (picture < 160)).mean()))
    (black_0, grey_0), (black_1, grey_1), (black_2, grey_2) = shares
    assert black_0 > 0.3 and grey_1 > 0.3  # the tiles cover most of the picture
    assert max(grey_0, black_1, black_2, grey_2) < 0.05  # the titles and edges only


def test_the_animation_needs_a_title_per_frame(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="one title per frame"):
        gan_plots.save_grid_animation([{"a": np.zeros((8, 4, 4))}], [], tmp_path / "x.gif")
    assert list(tmp_path.iterdir()) == []


HISTORY = {
    "d_loss": [0.6, 0.5],
    "g_loss": [0.8, 0.9],
    "frechet_distance": [200.0, 40.0],
    "effective_classes": [2.0, 8.0],
    "confidence_mean": [0.4, 0.7],
    "steps": [47, 94],
    "seconds": [20.0, 41.5],
}


@pytest.mark.parametrize(
    ("x", "label"), [("steps", "Training steps"), ("seconds", "Training time (s)")]
)
def test_score_curves_against_steps_or_seconds(x: str, label: str) -> None:
    figure = gan_plots.score_curves({"a": HISTORY, "b": {}}, x=x, floor=5.0, title="t")
    fd, classes, confidence, losses = figure.axes
    assert {axes.get_xlabel() for axes in figure.axes} == {label}
    (curve, floor) = fd.get_lines()
    assert list(curve.get_xdata()) == HISTORY[x] and list(curve.get_ydata()) == [200.0, 40.0]
    assert list(floor.get_ydata()) == [5.0, 5.0] and fd.get_yscale() == "log"
    assert list(classes.get_lines()[0].get_ydata()) == [2.0, 8.0]
    assert list(confidence.get_lines()[0].get_ydata()) == [0.4, 0.7]
    assert [line.get_label() for line in losses.get_lines()] == ["a (D)", "a (G)"]


def test_score_curves_of_a_run_without_a_finished_epoch() -> None:
    # A GAN that diverged in its first epoch has no losses to label: no legend there
    # (matplotlib would warn, an error under this suite's filterwarnings).
    figure = gan_plots.score_curves({"a": {}}, floor=5.0, title="t")
    fd, _, _, losses = figure.axes
    assert [line.get_label() for line in fd.get_lines()] == ["real images (5.0)"]
    assert fd.get_legend() is not None
    assert losses.get_lines() == [] and losses.get_legend() is None


def test_score_curves_refuse_another_axis() -> None:
    with pytest.raises(ValueError, match=r"`x` must be one of \['seconds', 'steps'\]"):
        gan_plots.score_curves({"a": HISTORY}, x="epochs", title="t")


def test_confidence_histograms_are_fractions_of_the_samples() -> None:
    figure = gan_plots.confidence_histograms(
        {"a": np.array([0.96, 0.97, 0.99, 0.52]), "b": np.array([0.3, 0.3])}, title="t"
    )
    (axes,) = figure.axes
    assert [text.get_text() for text in axes.get_legend().get_texts()] == ["a", "b"]
    top = [max(patch.get_path().vertices[:, 1]) for patch in axes.patches]
    assert top == pytest.approx([0.75, 1.0])  # 3 of 4 in one bin; 2 of 2 in one bin
