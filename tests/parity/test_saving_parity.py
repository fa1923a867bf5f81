"""`.keras` files both ways with real Keras 3, and the same config.json for the same model.

Configs are compared after a clear_session on both sides, so automatic names
agree; the only field removed before comparing is Keras's ``shared_object_id``
(the Python ``id()`` of an object in the writing process).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from support.keras_side_saving import (
    BUILDERS,
    COMPILE_VARIANTS,
    compile_arguments,
    inputs_for,
    one,
    strip_ids,
    targets_for,
    upsample_library,
)
from support.reference import KerasReference
from upsample.models import graph
from upsample.saving import deserialize, keras_file, serialize
from upsample.saving.classes import layer_classes

MODULE = "support.keras_side_saving"
FILE_MODELS = ["seed_000", "seed_004", "branches", "shared_nested", "misc_layers"]


@pytest.fixture(autouse=True)
def fresh_names() -> Iterator[None]:
    from upsample.utils.naming import clear_session

    clear_session()
    yield
    clear_session()


def build(name: str, compiled: bool = False) -> Any:
    model = BUILDERS[name](upsample_library())
    if compiled:
        loss = "binary_crossentropy" if len(model.outputs) == 1 else ["mse"] * len(model.outputs)
        model.compile(optimizer="adam", loss=loss)
    return model


def as_json(config: Any) -> Any:
    return json.loads(json.dumps(keras_file._jsonable(config, "config")))


def differences(ours: Any, theirs: Any, path: str = "") -> list[str]:
    """Where two JSON values differ, as readable paths (for the failure message)."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        found = []
        for key in sorted(set(ours) | set(theirs)):
            if key not in ours or key not in theirs:
                side = "Keras" if key not in ours else "upsample"
                found.append(f"{path}/{key}: only in {side}")
            else:
                found.extend(differences(ours[key], theirs[key], f"{path}/{key}"))
        return found
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        return [
            d
            for i, (a, b) in enumerate(zip(ours, theirs))
            for d in differences(a, b, f"{path}/{i}")
        ]
    return [] if ours == theirs else [f"{path}: upsample {ours!r} != Keras {theirs!r}"]


def assert_close(ours: np.ndarray, theirs: np.ndarray, what: str) -> None:
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} != Keras {theirs.shape}"
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6, err_msg=what)


def as_list(outputs: Any) -> list[Any]:
    return outputs if isinstance(outputs, list) else [outputs]


# --------------------------------------------------------------------------- (c) config.json


# upsample compiles built models only, so the unbuilt Sequential is compared uncompiled.
CONFIG_CASES = [
    (name, compiled)
    for name in sorted(BUILDERS)
    for compiled in (False, True)
    if not (compiled and name == "sequential_unbuilt")
]


@pytest.mark.parametrize(("name", "compiled"), CONFIG_CASES)
def test_config_equals_keras(keras_reference: KerasReference, name: str, compiled: bool) -> None:
    theirs = keras_reference(f"{MODULE}:keras_config", name, compiled).output
    ours = strip_ids(as_json(serialize.model_to_config(build(name, compiled))))
    found = differences(ours, theirs)
    assert not found, "config.json differs from Keras's:\n" + "\n".join(found[:40])


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_keras_config_round_trips_through_upsample(
    keras_reference: KerasReference, name: str
) -> None:
    theirs = keras_reference(f"{MODULE}:keras_config", name, name != "sequential_unbuilt").output
    model = deserialize.model_from_config(theirs)
    found = differences(strip_ids(as_json(serialize.model_to_config(model))), theirs)
    assert not found, "Keras's config does not survive upsample:\n" + "\n".join(found[:40])


@pytest.mark.parametrize("variant", COMPILE_VARIANTS)
def test_compile_config_equals_keras(keras_reference: KerasReference, variant: str) -> None:
    theirs = keras_reference(f"{MODULE}:keras_compile_config", variant).output
    model = build("seed_004")
    model.compile(**compile_arguments(upsample_library(), variant))
    ours = strip_ids(as_json(serialize.model_to_config(model)))
    found = differences(ours["compile_config"], theirs["compile_config"], "/compile_config")
    assert not found, "compile_config differs from Keras's:\n" + "\n".join(found)
    rebuilt = deserialize.model_from_config(theirs)
    found = differences(as_json(serialize.compile_config(rebuilt)), theirs["compile_config"])
    assert not found, "Keras's compile_config does not survive upsample:\n" + "\n".join(found)


def test_call_kwargs_table_matches_keras_signatures(keras_reference: KerasReference) -> None:
    classes = sorted(
        {cls.__name__ for cls in layer_classes().values()}
        - {"Functional", "Model", "Sequential", "InputLayer", "Layer"}
    )
    table = keras_reference(f"{MODULE}:keras_call_kwargs", classes).output
    layers = layer_classes()
    mismatches = []
    for name, expected in table.items():
        if expected is None:
            continue  # Not a Keras layer: nothing to match.
        ours = _kwargs_for_class(layers[name])
        if ours != expected:
            mismatches.append(f"{name}: upsample records {ours}, Keras {expected}")
    assert not mismatches, "\n".join(mismatches)


def _kwargs_for_class(cls: type) -> dict[str, Any]:
    layer = object.__new__(cls)  # The table depends on the class only.
    return serialize.keras_call_kwargs(layer)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- (a) ours -> Keras


@pytest.mark.parametrize("name", FILE_MODELS)
def test_our_file_loads_in_keras(
    keras_reference: KerasReference, tmp_path: Path, name: str
) -> None:
    model = build(name, compiled=True)
    x, y = inputs_for(model, seed=11), targets_for(model, seed=11)
    model.train_on_batch(one(x), one(y))
    path = tmp_path / f"{name}.keras"
    model.save(path)
    result = keras_reference(f"{MODULE}:keras_load_and_predict", str(path), x).output
    for i, (ours, theirs) in enumerate(
        zip(as_list(model.predict(one(x), verbose=0)), result["outputs"], strict=True)
    ):
        assert_close(ours, theirs, f"output {i}")
    ours_weights = [v.numpy() for v in graph.keras_variables(model)]
    assert len(ours_weights) == len(result["weights"])
    for i, (ours, theirs) in enumerate(zip(ours_weights, result["weights"], strict=True)):
        np.testing.assert_array_equal(ours, theirs, err_msg=f"weight {i}")
    order = keras_file._optimizer_order(model.optimizer, model)
    ours_state = [model.optimizer.variables[i].numpy() for i in order]
    assert len(ours_state) == len(result["optimizer"])
    for i, (ours, theirs) in enumerate(zip(ours_state, result["optimizer"], strict=True)):
        np.testing.assert_array_equal(ours, theirs, err_msg=f"optimizer variable {i}")


# --------------------------------------------------------------------------- (b) Keras -> ours


@pytest.mark.parametrize("name", FILE_MODELS)
def test_keras_file_loads_in_upsample(
    keras_reference: KerasReference, tmp_path: Path, name: str
) -> None:
    shapes = build(name)  # Only for the input and output shapes.
    x, y = inputs_for(shapes, seed=21), targets_for(shapes, seed=21)
    path = tmp_path / f"{name}.keras"
    trained = keras_reference(f"{MODULE}:keras_train_and_save", name, str(path), x, y, 1).output
    model = keras_file.load_model(path)
    ours_weights = [v.numpy() for v in graph.keras_variables(model)]
    for i, (ours, theirs) in enumerate(zip(ours_weights, trained["weights"], strict=True)):
        np.testing.assert_array_equal(ours, theirs, err_msg=f"weight {i}")
    for i, (ours, theirs) in enumerate(
        zip(as_list(model.predict(one(x), verbose=0)), trained["outputs"], strict=True)
    ):
        assert_close(ours, theirs, f"output {i}")
    # The optimizer state came along: one more step agrees with Keras's.
    assert int(model.optimizer.iterations.value) == 1
    continued = keras_reference(f"{MODULE}:keras_continue_training", str(path), x, y).output
    model.train_on_batch(one(x), one(y))
    assert int(model.optimizer.iterations.value) == continued["iterations"] == 2
    ours_weights = [v.numpy() for v in graph.keras_variables(model)]
    for i, (ours, theirs) in enumerate(zip(ours_weights, continued["weights"], strict=True)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6, err_msg=f"weight {i}")


# --------------------------------------------------------------------------- .weights.h5 both ways


@pytest.mark.parametrize("name", FILE_MODELS)
def test_weights_files_both_ways(
    keras_reference: KerasReference, tmp_path: Path, name: str
) -> None:
    model = build(name)
    x, y = inputs_for(model, seed=31), targets_for(model, seed=31)
    ours_path = tmp_path / "ours.weights.h5"
    model.save_weights(ours_path)
    loaded = keras_reference(f"{MODULE}:keras_load_weights", name, str(ours_path), x).output
    for i, (ours, theirs) in enumerate(
        zip(graph.keras_variables(model), loaded["weights"], strict=True)
    ):
        np.testing.assert_array_equal(ours.numpy(), theirs, err_msg=f"weight {i}")
    for i, (ours, theirs) in enumerate(
        zip(as_list(model.predict(one(x), verbose=0)), loaded["outputs"], strict=True)
    ):
        assert_close(ours, theirs, f"output {i}")
    keras_path = tmp_path / "theirs.keras"
    trained = keras_reference(
        f"{MODULE}:keras_train_and_save", name, str(keras_path), x, y, 1
    ).output
    model.load_weights(tmp_path / "theirs.weights.h5")
    for i, (ours, theirs) in enumerate(
        zip(graph.keras_variables(model), trained["weights"], strict=True)
    ):
        np.testing.assert_array_equal(ours.numpy(), theirs, err_msg=f"weight {i}")
