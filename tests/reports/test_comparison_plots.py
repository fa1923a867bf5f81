"""The comparison's figures: what each axes shows, and refusals of empty input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from upsample.analysis import azimuthal_spectrum, power_spectrum
from upsample.reports import comparison_plots, plots
from upsample.reports.callbacks import CurvePoint


def _points(losses: list[float]) -> list[CurvePoint]:
    return [CurvePoint(10 * i, 0.5 * i, 0.4 * i, loss) for i, loss in enumerate(losses)]


def test_loss_against_steps_and_seconds(tmp_path: Path) -> None:
    curves = {"a": _points([0.7, 0.2, 0.1, 0.09]), "b": _points([0.7, 0.3, 0.15, 0.12])}
    figure = comparison_plots.loss_against_steps_and_seconds(
        curves, loss_name="binary_crossentropy", title="t"
    )
    by_step, by_time = figure.axes
    assert by_step.get_xlabel() == "Optimizer steps"
    assert by_time.get_xlabel().startswith("Training time (s")
    assert list(by_step.get_lines()[1].get_xdata()) == [0, 10, 20, 30]
    assert list(by_time.get_lines()[0].get_xdata()) == [0.0, 0.5, 1.0, 1.5]
    assert by_step.get_yscale() == "log"
    # The first drop runs off the top; every later point is in view.
    low, high = by_step.get_ylim()
    assert low <= 0.09 and 0.3 <= high < 0.7
    plots.save_png(figure, tmp_path / "loss.png")
    assert imread(tmp_path / "loss.png").shape == (420, 1100, 4)


def test_spectra_and_radial_spectra(rng: np.random.Generator) -> None:
    images = rng.random((4, 28, 28, 1))
    checker = images + 0.5 * (np.indices((28, 28)).sum(axis=0) % 2)[None, :, :, None]
    figure = comparison_plots.spectra(
        {"plain": power_spectrum(images), "checker": power_spectrum(checker)}, title="t"
    )
    panels = [axes for axes in figure.axes if axes.get_images()]
    assert [axes.get_title() for axes in panels] == ["plain", "checker"]
    shown = panels[1].get_images()[0].get_array()
    # fftshift puts frequency (1/2, 1/2), the checkerboard's, at the corner (0, 0).
    assert shown[0, 0] == shown.max()
    assert panels[0].get_images()[0].get_extent() == pytest.approx(
        (-0.5 - 1 / 56, 0.5 - 1 / 56, 0.5 - 1 / 56, -0.5 - 1 / 56)
    )
    radial = comparison_plots.radial_spectra(
        {"inputs": azimuthal_spectrum(images), "checker": azimuthal_spectrum(checker)},
        reference="inputs",
        title="t",
    )
    (axes,) = radial.axes
    reference, other = axes.get_lines()[:2]
    assert reference.get_linestyle() == "--" and reference.get_color() == "black"
    assert other.get_color() == "C0"


def test_flat_responses_stretch_the_centre(rng: np.random.Generator) -> None:
    flat = np.full((16, 16, 1), 0.3)
    pattern = 0.3 + 0.01 * (np.indices((16, 16)).sum(axis=0) % 2)
    figure = comparison_plots.flat_responses(
        {"a": [(flat, "imbalance 0"), (pattern, "imbalance x")], "b": [(None, "n/a"), (flat, "")]},
        column_labels=["at initialisation", "after training"],
        title="t",
    )
    grid = figure.axes  # row by row
    assert [axes.get_title() for axes in grid] == ["a", "b", "", ""]
    assert [axes.get_ylabel() for axes in grid] == ["at initialisation", "", "after training", ""]
    assert grid[0].get_images()[0].get_array().min() == 0.5  # flat: mid grey
    stretched = grid[2].get_images()[0].get_array()  # model a, after training: the pattern
    assert (stretched.min(), stretched.max()) == (0.0, 1.0)
    assert [text.get_text() for text in grid[1].texts] == ["n/a"]


@pytest.mark.parametrize(
    "call",
    [
        lambda: comparison_plots.loss_against_steps_and_seconds({}, loss_name="l", title="t"),
        lambda: comparison_plots.spectra({}, title="t"),
        lambda: comparison_plots.radial_spectra({}, reference=None, title="t"),
        lambda: comparison_plots.flat_responses({}, column_labels=["x"], title="t"),
        lambda: comparison_plots.flat_responses(
            {"a": [(None, "")]}, column_labels=["x", "y"], title="t"
        ),
    ],
)
def test_empty_or_ragged_input_is_refused(call: object) -> None:
    with pytest.raises(ValueError, match="needs"):
        call()  # type: ignore[operator]
