"""Importing Keras for the interop: what to install when it is missing, and arguments checked first.

None of these imports Keras: the missing package, a backend that fails and an
old Keras are simulated, and the engine's arguments are refused before Keras
is needed.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import numpy as np
import pytest

from upsample.interop import keras_import
from upsample.interop.engine import fit_with_keras
from upsample.layers import Dense, Input
from upsample.models import Sequential

INSTALL = 'pip install "upsample[keras]"'


@pytest.fixture
def no_keras_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "keras", raising=False)


def test_missing_keras_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, no_keras_imported: None
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "keras" else real(name, *a)
    )
    with pytest.raises(ImportError, match="Keras 3 and a backend") as error:
        keras_import.import_keras()
    assert INSTALL in str(error.value)


def test_a_backend_that_fails_to_import_is_named(
    monkeypatch: pytest.MonkeyPatch, no_keras_imported: None
) -> None:
    def fail(name: str) -> ModuleType:
        raise ModuleNotFoundError("No module named 'torch'")

    monkeypatch.setenv("KERAS_BACKEND", "torch")
    monkeypatch.setattr(keras_import.importlib, "import_module", fail)
    with pytest.raises(ImportError, match="KERAS_BACKEND='torch'") as error:
        keras_import.import_keras()
    assert INSTALL in str(error.value) and "No module named 'torch'" in str(error.value)


def test_keras_2_is_refused(monkeypatch: pytest.MonkeyPatch, no_keras_imported: None) -> None:
    old = ModuleType("keras")
    old.__version__ = "2.15.0"  # type: ignore[attr-defined]
    monkeypatch.setattr(keras_import.importlib, "import_module", lambda name: old)
    with pytest.raises(ImportError, match=r"Keras 3\.15 or later; Keras 2\.15\.0 is installed"):
        keras_import.import_keras()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3.15.1", (3, 15, 1)), ("3.16.0rc1", (3, 16, 0)), ("3.15.1.dev2024", (3, 15, 1)), ("x", ())],
)
def test_version_numbers(text: str, expected: tuple[int, ...]) -> None:
    assert keras_import._version_tuple(text) == expected


def compiled() -> Sequential:
    model = Sequential([Input((2,)), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


XY = (np.zeros((4, 2), np.float32), np.zeros((4, 1), np.float32))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"distribution": "model_parallel"}, "distribution"),
        ({"seed": -1}, "seed"),
        ({"batch_size": 0}, "batch_size"),
        ({"epochs": -2}, "epochs"),
        ({"validation_split": 1.5}, "validation_split"),
        ({"verbose": 5}, "verbose"),
    ],
)
def test_the_engine_checks_its_arguments_before_keras(
    monkeypatch: pytest.MonkeyPatch, kwargs: dict[str, object], match: str
) -> None:
    def no_keras() -> ModuleType:
        raise AssertionError("Keras imported before the arguments were checked")

    monkeypatch.setattr("upsample.interop.engine.import_keras", no_keras)
    arguments = {"epochs": 1, "seed": 0, **kwargs}
    with pytest.raises(ValueError, match=match):
        fit_with_keras(compiled(), *XY, **arguments)  # type: ignore[arg-type]


def test_the_engine_needs_a_compiled_model() -> None:
    with pytest.raises(ValueError, match="compile"):
        fit_with_keras(Sequential([Input((2,)), Dense(1)]), *XY, epochs=1, seed=0)


def test_the_engine_checks_the_data_against_the_model() -> None:
    with pytest.raises(ValueError, match="incompatible"):
        fit_with_keras(compiled(), np.zeros((4, 3), np.float32), XY[1], epochs=1, seed=0)
