"""`import upsample as keras`: Keras-style code runs unchanged, and importing stays cheap.

The names come from the package's module `__getattr__` (PEP 562) on first use:
``import upsample`` itself imports none of the subpackages (checked in a fresh
interpreter), and `tests/test_importing.py` checks that it changes nothing in the
process.  The proof that the API is Keras's is a listing written in the
``import keras`` style, run with only that line replaced, here and against Keras.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import upsample
from seeds import keras_style_listing
from upsample.utils import clear_session

# What Keras 3 has at the top level and upsample provides too.
KERAS_NAMES = {
    "DTypePolicy": "upsample.dtype_policies",
    "Initializer": "upsample.initializers",
    "Input": "upsample.layers",
    "KerasTensor": "upsample.layers",
    "Layer": "upsample.layers",
    "Loss": "upsample.losses",
    "Metric": "upsample.metrics",
    "Model": "upsample.models",
    "Optimizer": "upsample.optimizers",
    "Regularizer": "upsample.regularizers",
    "Sequential": "upsample.models",
    "Variable": "upsample.variables",
}
KERAS_SUBPACKAGES = [
    "activations",
    "callbacks",
    "config",
    "constraints",
    "datasets",
    "dtype_policies",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "ops",
    "optimizers",
    "regularizers",
    "saving",
    "utils",
]


def _fresh(code: str) -> Any:
    """Run `code` in a new interpreter; it prints one JSON value."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def test_importing_the_package_imports_no_subpackage() -> None:
    loaded = _fresh(
        "import sys, json\n"
        "before = set(sys.modules)\n"
        "import upsample\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    assert loaded == ["__future__", "upsample"]  # not even typing, importlib or numpy


def test_each_name_is_imported_on_first_use() -> None:
    loaded = _fresh(
        "import sys, json\n"
        "import upsample as keras\n"
        "keras.Sequential\n"
        "print(json.dumps(['upsample.layers.core' in sys.modules, 'upsample.cli' in sys.modules,"
        " 'upsample.datasets' in sys.modules]))"
    )
    assert loaded == [True, False, False]


@pytest.mark.parametrize("name", sorted(KERAS_NAMES))
def test_top_level_names_are_the_subpackages_classes(name: str) -> None:
    module = sys.modules.get(KERAS_NAMES[name]) or __import__(KERAS_NAMES[name], fromlist=[name])
    assert getattr(upsample, name) is getattr(module, name)


@pytest.mark.parametrize("name", KERAS_SUBPACKAGES)
def test_top_level_subpackages(name: str) -> None:
    assert getattr(upsample, name) is sys.modules[f"upsample.{name}"]


def test_dir_and_all_list_the_api() -> None:
    assert set(upsample.__all__) == {*KERAS_NAMES, *KERAS_SUBPACKAGES, "__version__", "version"}
    assert dir(upsample) == sorted(upsample.__all__)
    assert upsample.version() == upsample.__version__


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'Dense'"):
        upsample.Dense  # noqa: B018  (Keras has it in keras.layers only)


def test_keras_names_that_the_listings_reach() -> None:
    """The second-level names of the common style (`keras.utils.set_random_seed`, ...)."""
    keras = upsample
    assert keras.utils.set_random_seed is keras.utils.set_random_seed
    assert keras.config.floatx() == "float32"
    assert keras.activations.serialize(keras.activations.relu) == "relu"
    assert keras.activations.deserialize("sigmoid").forward is keras.activations.sigmoid
    assert keras.models.load_model is keras.saving.load_model
    assert callable(keras.datasets.mnist.load_data)


# --------------------------------------------------------------------------- the listing


@pytest.fixture
def fresh_names(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("COLUMNS", "100")
    clear_session()
    yield
    clear_session()


def test_porting_changes_only_the_import_line() -> None:
    before, after = keras_style_listing.text(), keras_style_listing.port(keras_style_listing.text())
    changed = [(a, b) for a, b in zip(before.split("\n"), after.split("\n"), strict=True) if a != b]
    assert changed == [("import keras", "import upsample as keras")]
    assert "from keras" not in before and "keras import" not in before


def test_the_keras_style_listing_runs_with_only_its_import_changed(fresh_names: None) -> None:
    run = keras_style_listing.run_ours(keras_style_listing.SCALE)
    [cell] = run["cells"]
    assert cell["error"] is None, cell["message"]
    assert cell["printed"].startswith("float32 channels_last\n")
    # 9*32 + 32 + 9*32*16 + 16 + 9*16*8 + 8 + 9*8*8 + 8 + 9*8*16 + 16 + 9*16*32 + 32 + 9*32 + 1
    assert 'Model: "sequential"' in cell["printed"] and "Total params: 12,785" in cell["printed"]
    [history] = run["histories"]
    assert set(history) == {"loss", "mean_squared_error", "val_loss", "val_mean_squared_error"}
    assert 0 < history["loss"][0] < 1
    kept = run["kept"]
    assert kept["reconstructions"].shape == (8, 28, 28, 1)
    # The functional twin shares the Sequential model's layers, so it computes the same.
    np.testing.assert_array_equal(kept["functional_reconstructions"], kept["reconstructions"])
    assert run["plots"]["shown"] == 8
