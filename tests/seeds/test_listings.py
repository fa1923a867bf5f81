"""Every seed listing, with `keras` changed to `upsample` in its imports and nothing else.

Each listing runs as a notebook would (see listing.py). The two autoencoder
listings load MNIST and train for 25 epochs; they run `scaled_down` (listing.py):
200 seeded stand-in images, one epoch without shuffling, from given weights.

The tests without Keras check what the seeds say their code prints; the
parity tests run the same text on real Keras 3 and compare cell by cell: what
each printed (summaries included, progress bars left out), the error it raised,
its value, the plots and, scaled down, the training history.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from seeds import listing
from support.keras_side_models import run_listing
from support.reference import KerasReference
from upsample.utils import clear_session

MODULE = "support.keras_side_models"
COLUMNS = 100
AUTOENCODERS = {
    "000_autoencoder_upsampling2d.txt": "seed_000",
    "004_autoencoder_conv2dtranspose.txt": "seed_004",
}
OTHERS = [
    "000_upsampling2d_bilinear.txt",
    "001_reader_comment.txt",
    "002_functional_models.txt",
    "002_snippets.txt",
    "003_notebook.txt",
]
# 200 images: 160 to train on (the seeds' validation_split is 0.2), 8 reconstructed.
SCALE: dict[str, Any] = {"train": 200, "test": 8, "seed": 3, "fit": {"epochs": 1, "shuffle": False}}


@pytest.fixture(autouse=True)
def fresh_names(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("COLUMNS", str(COLUMNS))
    clear_session()
    yield
    clear_session()


def ours(name: str, scale: dict[str, Any] | None = None, keep: tuple[str, ...] = ()) -> Any:
    return run_listing(listing.cells(name), "upsample", scale, list(keep))


def theirs(
    reference: KerasReference,
    name: str,
    scale: dict[str, Any] | None = None,
    keep: tuple[str, ...] = (),
) -> Any:
    return reference(
        f"{MODULE}:keras_run_listing", listing.cells(name), COLUMNS, scale, keep
    ).output


def errors(run: dict[str, Any]) -> list[str | None]:
    return [cell["error"] for cell in run["cells"]]


def test_every_listing_is_tested() -> None:
    assert sorted(path.name for path in listing.LISTINGS.glob("*.txt")) == sorted(
        [*AUTOENCODERS, *OTHERS]
    )


def test_porting_changes_only_import_lines() -> None:
    for name in [*AUTOENCODERS, *OTHERS]:
        text = listing.read(name)
        ported = listing.port(text)
        assert len(ported.split("\n")) == len(text.split("\n"))
        changed = [
            (a, b) for a, b in zip(text.split("\n"), ported.split("\n"), strict=True) if a != b
        ]
        assert changed, name  # every listing imports Keras
        for before, after in changed:
            assert "import" in before
            assert "keras" not in after and ("upsample" in after or after.strip() == "pass")


# --------------------------------------------------------------------------- upsample alone


def test_bilinear_demo_runs_and_upsamples_32_times() -> None:
    run = ours("000_upsampling2d_bilinear.txt")
    assert errors(run) == [None]
    printed = run["cells"][0]["printed"]
    assert printed.count('Model: "sequential"') == 2
    assert "(None, 64, 64, 1)" in printed and "Total params: 0" in printed
    [figure] = run["plots"]["figures"]
    (_, [original]), (_, [upsampled]) = figure["axes"]
    np.testing.assert_array_equal(original, [[0.0, 0.5], [1.0, 1.5]])
    assert upsampled.shape == (64, 64)
    # Bilinear with half-pixel centres: the corners keep the inputs, the rows grow evenly.
    np.testing.assert_allclose(upsampled[[0, 0, -1, -1], [0, -1, 0, -1]], [0, 0.5, 1, 1.5])
    assert np.all(np.diff(upsampled, axis=0) >= 0) and np.all(np.diff(upsampled, axis=1) >= 0)
    assert run["plots"]["shown"] == 1


def test_reader_comment_tiles_the_kernel() -> None:
    run = ours("001_reader_comment.txt", keep=("model",))
    assert errors(run) == [None]
    assert run["cells"][0]["value"].shape == (4, 4)
    kernel, bias = run["kept"]["model"]
    x = np.array([[1, 2], [3, 4]])
    # Stride 2 with a 2x2 kernel: every input pixel stamps a scaled copy of the kernel.
    np.testing.assert_allclose(
        run["cells"][0]["value"], np.kron(x, kernel[:, :, 0, 0]) + bias[0], rtol=1e-6
    )


def test_functional_models_listing() -> None:
    run = ours("002_functional_models.txt", scale={"seed": 1})
    assert errors(run) == [None]
    printed = run["cells"][0]["printed"]
    assert printed.startswith("Model using UpSampling2D:\n")
    assert "(None, 16, 16, 3)" in printed and "(None, 16, 16, 32)" in printed
    assert "Total params: 896" in printed
    [figure] = run["plots"]["figures"]
    titles = [axes[0] for axes in figure["axes"]]
    assert titles == [["Input"], ["UpSampling2D"], ["Conv2DTranspose"]]
    (_, [image]), (_, [nearest]), (_, [transposed]) = figure["axes"]
    np.testing.assert_allclose(nearest, np.repeat(np.repeat(image[:, :, 0], 2, 0), 2, 1))
    assert transposed.shape == (16, 16) and transposed.min() >= 0  # relu


def test_snippets_make_the_two_layers() -> None:
    run = ours("002_snippets.txt", keep=("upsample",))
    assert errors(run) == [None]
    config = run["kept"]["upsample"]
    assert (config["filters"], tuple(config["kernel_size"]), tuple(config["strides"])) == (
        32,
        (3, 3),
        (2, 2),
    )


def test_notebook_prints_what_the_seed_shows() -> None:
    run = ours("003_notebook.txt")
    cells = run["cells"]
    # The first cell imports pandas, scikit-learn, NLTK and Keras 2's text tools: not here.
    assert cells[0]["error"] == "ModuleNotFoundError"
    failed = [i for i, error in enumerate(errors(run)) if error is not None]
    assert failed == [0, 14]  # and `Conv2DTranspose(...)`, a placeholder in the text
    printed = [cell["printed"] for cell in cells]
    nearest = "[[1. 1. 2. 2.]\n [1. 1. 2. 2.]\n [3. 3. 4. 4.]\n [3. 3. 4. 4.]]\n"
    assert printed[5] == nearest
    spread = "[[1. 0. 2. 0.]\n [0. 0. 0. 0.]\n [3. 0. 4. 0.]\n [0. 0. 0. 0.]]\n"
    assert printed[22] == spread
    assert printed[23].startswith("[[1 2]\n [3 4]]\n") and printed[23].endswith(spread)
    assert "(1, 4, 4, 1)" in printed[6]  # built from the first batch, as Keras
    assert "(1, 8, 12, 1)" in printed[7] and "(1, 16, 24, 1)" in printed[8]
    assert "Total params: 324,353" in printed[27]


@pytest.mark.parametrize("name", sorted(AUTOENCODERS))
def test_autoencoder_listing_runs_scaled_down(name: str) -> None:
    run = ours(name, scale=SCALE, keep=("model", "input_train", "reconstructions"))
    assert errors(run) == [None]
    assert run["kept"]["input_train"].shape == (200, 28, 28, 1)
    [history] = run["histories"]
    assert set(history) == {"loss", "val_loss"} and len(history["loss"]) == 1
    assert 0 < history["loss"][0] < 1
    figures = run["plots"]["figures"]
    assert len(figures) == run["plots"]["shown"] == 8
    for figure, reconstruction in zip(figures, run["kept"]["reconstructions"], strict=True):
        assert figure["suptitles"][0].startswith("MNIST target = ")
        (_, [sample]), (titles, [image]) = figure["axes"]
        assert sample.shape == image.shape == (28, 28)
        assert titles[0].startswith("Reconstruction with ")
        np.testing.assert_array_equal(image, reconstruction[:, :, 0])


def test_scaled_down_restores_everything() -> None:
    import upsample.datasets.mnist
    import upsample.models

    load, fit = upsample.datasets.mnist.load_data, upsample.models.Model.fit
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    scale = listing.Scale(train=3, test=2)
    with listing.scaled_down("upsample", scale):
        (x, y), (xt, yt) = upsample.datasets.mnist.load_data()
        assert (x.shape, x.dtype, y.shape, xt.shape, yt.dtype) == (
            (3, 28, 28),
            np.uint8,
            (3,),
            (2, 28, 28),
            np.uint8,
        )
        assert upsample.models.Sequential.fit is not fit
    assert upsample.datasets.mnist.load_data is load
    assert upsample.models.Sequential.fit is fit
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002


# --------------------------------------------------------------------------- against Keras


def assert_cells_match(ours_run: dict[str, Any], keras_run: dict[str, Any]) -> None:
    assert len(ours_run["cells"]) == len(keras_run["cells"])
    for i, (a, b) in enumerate(zip(ours_run["cells"], keras_run["cells"], strict=True)):
        assert a["error"] == b["error"], (i, a["message"], b["message"])
        assert a["printed"] == b["printed"], f"cell {i} printed differently"


def assert_plots_match(
    a: dict[str, Any], b: dict[str, Any], weights_free: bool = True, atol: float = 1e-6
) -> None:
    assert a["shown"] == b["shown"]
    assert len(a["figures"]) == len(b["figures"])
    for ours_figure, keras_figure in zip(a["figures"], b["figures"], strict=True):
        assert ours_figure["suptitles"] == keras_figure["suptitles"]
        for (titles, images), (keras_titles, keras_images) in zip(
            ours_figure["axes"], keras_figure["axes"], strict=True
        ):
            assert titles == keras_titles
            for image, keras_image in zip(images, keras_images, strict=True):
                assert image.shape == keras_image.shape
                if weights_free or titles != ["Conv2DTranspose"]:
                    np.testing.assert_allclose(image, keras_image, rtol=1e-5, atol=atol)


@pytest.mark.parity
@pytest.mark.parametrize("name", OTHERS)
def test_listing_matches_keras(keras_reference: KerasReference, name: str) -> None:
    # Seeded: 002 draws its sample with np.random.rand; nothing else is scaled.
    scale = {"seed": 1} if name == "002_functional_models.txt" else None
    keep = ("model",) if name == "001_reader_comment.txt" else ()
    keep = ("upsample",) if name == "002_snippets.txt" else keep
    keras_run = theirs(keras_reference, name, scale, keep)
    ours_run = ours(name, scale, keep)
    assert_cells_match(ours_run, keras_run)
    # The Conv2DTranspose of 002 keeps its random initial weights: compared in shape only.
    assert_plots_match(ours_run["plots"], keras_run["plots"], name != "002_functional_models.txt")
    for a, b in zip(ours_run["cells"], keras_run["cells"], strict=True):
        if isinstance(b["value"], list):  # `model.weights`: the variables' paths and shapes
            assert a["value"] == b["value"]
    if name == "001_reader_comment.txt":  # random weights: each side tiles its own kernel
        x = np.array([[1, 2], [3, 4]])
        for run in (ours_run, keras_run):
            kernel, bias = run["kept"]["model"]
            expected = np.kron(x, kernel[:, :, 0, 0]) + bias[0]
            np.testing.assert_allclose(run["cells"][-1]["value"], expected, rtol=1e-6)
    if name == "002_snippets.txt":  # as saved (JSON): our configs hold lists where Keras's tuples
        assert json.loads(json.dumps(ours_run["kept"]["upsample"])) == json.loads(
            json.dumps(keras_run["kept"]["upsample"])
        )


@pytest.mark.parity
@pytest.mark.parametrize("name", sorted(AUTOENCODERS))
def test_autoencoder_listing_matches_keras(keras_reference: KerasReference, name: str) -> None:
    weights = keras_reference(f"{MODULE}:keras_weights", AUTOENCODERS[name], 7).output
    scale = {**SCALE, "weights": list(weights)}
    keep = ("model", "reconstructions")
    keras_run = theirs(keras_reference, name, scale, keep)
    ours_run = ours(name, scale, keep)
    assert_cells_match(ours_run, keras_run)
    [history], [keras_history] = ours_run["histories"], keras_run["histories"]
    assert set(history) == set(keras_history) == {"loss", "val_loss"}
    for key, values in keras_history.items():
        np.testing.assert_allclose(history[key], values, rtol=2e-5, err_msg=key)
    # The listings train with 'adam' (epsilon 1e-7, learning rate 1e-3): a gradient within
    # float32 rounding of zero (~epsilon) moves its weight by up to lr * rounding / epsilon, a
    # sizeable part of a step. So: all but 0.1% of the weights within 1e-4 of their array's
    # magnitude, and every one within a step. (test_models_parity compares at epsilon 1e-5.)
    far = 0
    for i, (a, b) in enumerate(
        zip(ours_run["kept"]["model"], keras_run["kept"]["model"], strict=True)
    ):
        assert a.shape == b.shape
        far += int(np.sum(np.abs(a - b) > 1e-4 * max(float(np.max(np.abs(b))), 1e-3)))
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-3, err_msg=f"weight {i}")
    count = sum(b.size for b in keras_run["kept"]["model"])
    assert far <= count // 1000, f"{far} of {count} weights differ by more than 1e-4"
    np.testing.assert_allclose(
        ours_run["kept"]["reconstructions"], keras_run["kept"]["reconstructions"], atol=1e-4
    )
    assert_plots_match(ours_run["plots"], keras_run["plots"], atol=1e-4)
