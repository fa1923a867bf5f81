"""Model configs: Keras's format (checked against Keras in tests/parity) and round trips."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from support.keras_side_saving import BUILDERS, inputs_for, one
from upsample.models import graph
from upsample.saving import serialize
from upsample.saving.classes import ConfigError
from upsample.saving.deserialize import model_from_config
from upsample.saving.serialize import model_to_config

Build = Callable[[str], Any]


def as_json(config: Any) -> Any:
    """A config as it is after a trip through config.json (tuples become lists)."""
    return json.loads(json.dumps(config))


def copy_weights(source: Any, target: Any) -> None:
    """Copy variables in Keras's order (the two models may list layers differently)."""
    for variable, value in zip(
        graph.keras_variables(target), graph.keras_variables(source), strict=True
    ):
        variable.assign(value.numpy())


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_config_round_trip_is_identical(build: Build, name: str) -> None:
    model = build(name)
    config = as_json(model_to_config(model))
    rebuilt = model_from_config(copy.deepcopy(config))
    assert as_json(model_to_config(rebuilt)) == config
    assert type(rebuilt) is type(model)


@pytest.mark.parametrize("name", [n for n in sorted(BUILDERS) if n != "sequential_unbuilt"])
def test_rebuilt_model_predicts_the_same(build: Build, name: str) -> None:
    model = build(name)
    rebuilt = model_from_config(as_json(model_to_config(model)))
    copy_weights(model, rebuilt)
    x = inputs_for(model, seed=1)
    expected = as_list(model.predict(one(x), verbose=0))
    actual = as_list(rebuilt.predict(one(x), verbose=0))
    for e, a in zip(expected, actual, strict=True):
        np.testing.assert_array_equal(a, e)


def as_list(outputs: Any) -> list[Any]:
    return outputs if isinstance(outputs, list) else [outputs]


def test_get_config_and_from_config_are_the_thin_methods(build: Build) -> None:
    model = build("branches")
    config = model.get_config()
    assert config == serialize.functional_config(model)
    rebuilt = type(model).from_config(as_json(config))
    assert as_json(rebuilt.get_config()) == as_json(config)
    sequential = build("seed_004")
    rebuilt_sequential = type(sequential).from_config(as_json(sequential.get_config()))
    assert rebuilt_sequential.layers[0].name == sequential.layers[0].name


# --------------------------------------------------------------------------- Keras's format


def test_sequential_config_layout(build: Build) -> None:
    config = as_json(model_to_config(build("seed_004")))
    assert (config["module"], config["class_name"], config["registered_name"]) == (
        "keras",
        "Sequential",
        None,
    )
    inner = config["config"]
    assert inner["name"] == "sequential"
    assert inner["build_input_shape"] == [None, 28, 28, 1]
    assert config["build_config"] == {"input_shape": [None, 28, 28, 1]}
    assert config["compile_config"] == {}
    first = inner["layers"][0]
    assert first["class_name"] == "InputLayer" and "build_config" not in first
    assert inner["layers"][1]["build_config"] == {"input_shape": [None, 28, 28, 1]}


def test_unbuilt_sequential_has_no_input_layer_or_build_shape(build: Build) -> None:
    config = as_json(model_to_config(build("sequential_unbuilt")))
    assert [layer["class_name"] for layer in config["config"]["layers"]] == ["Dense", "Dense"]
    assert "build_input_shape" not in config["config"]
    assert "build_config" not in config


def test_functional_config_layout(build: Build) -> None:
    config = as_json(model_to_config(build("branches")))
    assert (config["module"], config["class_name"], config["registered_name"]) == (
        "keras.src.models.functional",
        "Functional",
        "Functional",
    )
    assert config["build_config"] == {"input_shape": None}
    inner = config["config"]
    assert set(inner) == {"name", "trainable", "layers", "input_layers", "output_layers"}
    assert inner["input_layers"] == ["image", 0, 0]
    # Keras's order: deeper branches first (conv2d_1 feeds up_sampling2d), not call order.
    names = [layer["name"] for layer in inner["layers"]]
    assert names.index("conv2d_1") < names.index("conv2d")
    concat = inner["layers"][names.index("concatenate")]
    (node,) = concat["inbound_nodes"]
    assert node["kwargs"] == {}
    assert [t["config"]["keras_history"] for t in node["args"][0]] == [
        ["conv2d", 0, 0],
        ["max_pooling2d", 0, 0],
    ]
    assert node["args"][0][0] == {
        "class_name": "__keras_tensor__",
        "config": {"shape": [None, 8, 8, 2], "dtype": "float32", "keras_history": ["conv2d", 0, 0]},
    }
    assert inner["layers"][0]["inbound_nodes"] == []


def test_shared_and_nested_histories(build: Build) -> None:
    inner = as_json(model_to_config(build("shared_nested")))["config"]
    layers = {layer["name"]: layer for layer in inner["layers"]}
    histories = [
        [t["config"]["keras_history"] for t in node["args"]]
        for node in layers["shared"]["inbound_nodes"]
    ]
    assert sorted(histories) == [[["left", 0, 0]], [["right", 0, 0]], [["shared", 1, 0]]]
    # Calls of a nested model record Keras's `mask` argument.
    assert all(n["kwargs"] == {"mask": None} for n in layers["inner_functional"]["inbound_nodes"])
    # In node arguments, a nested functional model's calls count from 0; in
    # output_layers, from 1 (Keras 2's "own node").
    assert inner["output_layers"] == [["inner_functional", 1, 0], ["inner_functional", 2, 0]]
    assert inner["input_layers"] == [["left", 0, 0], ["right", 0, 0]]


def test_nodes_outside_the_model_are_not_counted(build: Build) -> None:
    import upsample.layers as L
    from upsample.models import Model

    dense = L.Dense(2, name="reused")
    other = L.Input((3,))
    dense(other)  # A call that belongs to no model below.
    x = L.Input((3,), name="x")
    model = Model(x, dense(x))
    config = as_json(model_to_config(model))["config"]
    assert config["output_layers"] == ["reused", 0, 0]
    (reused,) = [layer for layer in config["layers"] if layer["name"] == "reused"]
    assert len(reused["inbound_nodes"]) == 1


def test_keras_call_kwargs_table() -> None:
    import upsample.layers as L

    assert serialize.keras_call_kwargs(L.Dense(1)) == {}
    for name, expected in [
        ("Dropout", {"training": False}),
        ("BatchNormalization", {"mask": None}),
    ]:
        cls = getattr(L, name, None)
        if cls is not None:
            layer = cls(0.5) if name == "Dropout" else cls()
            assert serialize.keras_call_kwargs(layer) == expected


# ---------------------------------------------------------------- reading Keras's configs


def test_legacy_node_format_is_read(build: Build) -> None:
    config = as_json(model_to_config(build("branches")))
    for layer in config["config"]["layers"]:
        layer["inbound_nodes"] = [
            [[*t["config"]["keras_history"], {}] for t in _tensors(node["args"][0])]
            for node in layer["inbound_nodes"]
        ]
    rebuilt = model_from_config(config)
    assert [t.shape for t in rebuilt.outputs] == [(None, 16, 16, 1), (None, 4)]


def _tensors(arg: Any) -> list[Any]:
    return arg if isinstance(arg, list) else [arg]


def test_layers_listed_before_their_inputs_are_replayed_later(build: Build) -> None:
    config = as_json(model_to_config(build("shared_nested")))
    config["config"]["layers"].reverse()
    rebuilt = model_from_config(config)
    assert [t.shape for t in rebuilt.outputs] == [(None, 3), (None, 3)]


def test_dict_inputs_are_flattened_in_sorted_key_order(build: Build) -> None:
    config = as_json(model_to_config(build("shared_nested")))
    config["config"]["input_layers"] = {"b": ["right", 0, 0], "a": ["left", 0, 0]}
    rebuilt = model_from_config(config)
    assert [t.node.layer.name for t in rebuilt.inputs] == ["left", "right"]


def test_shared_object_ids_are_accepted(build: Build) -> None:
    config = as_json(model_to_config(build("seed_004")))
    layers = config["config"]["layers"]
    layers[1]["shared_object_id"] = 7
    assert model_from_config(config).layers[0].name == layers[1]["config"]["name"]


# --------------------------------------------------------------------------- errors


def test_unknown_layer_class_is_named(build: Build) -> None:
    config = as_json(model_to_config(build("seed_004")))
    config["config"]["layers"][2]["class_name"] = "FancyUpsampler"
    with pytest.raises(ConfigError, match=r"Unknown layer class 'FancyUpsampler'.*conv2d_1"):
        model_from_config(config)


def test_custom_class_needs_custom_objects(build: Build) -> None:
    import upsample.layers as L

    class Scale(L.Layer):
        def call(self, inputs: Any, training: bool = False) -> Any:
            return inputs * 2.0

    from upsample.models import Sequential

    model = Sequential([L.Input((3,)), L.Dense(2), Scale(name="scale")])
    config = as_json(model_to_config(model))
    scale = config["config"]["layers"][-1]
    assert (scale["class_name"], scale["registered_name"]) == ("Scale", "Scale")
    assert scale["module"] == __name__
    with pytest.raises(ConfigError, match=r"custom class 'Scale'.*custom_objects"):
        model_from_config(config)
    rebuilt = model_from_config(config, custom_objects={"Scale": Scale})
    assert isinstance(rebuilt.layers[-1], Scale)


def test_broken_graphs_are_reported(build: Build) -> None:
    config = as_json(model_to_config(build("branches")))
    layers = config["config"]["layers"]
    concat = next(layer for layer in layers if layer["name"] == "concatenate")
    concat["inbound_nodes"][0]["args"][0][0]["config"]["keras_history"] = ["conv2d", 5, 0]
    with pytest.raises(ConfigError, match="loops or disconnected nodes"):
        model_from_config(copy.deepcopy(config))
    concat["inbound_nodes"][0]["args"][0][0]["config"]["keras_history"] = ["nowhere", 0, 0]
    with pytest.raises(ConfigError, match="Unknown layer: 'nowhere'"):
        model_from_config(config)


@pytest.mark.parametrize(
    "config",
    [[], {"config": {}}, {"class_name": "Dense", "config": {"units": 2}}],
    ids=["list", "no-class-name", "a-layer"],
)
def test_not_a_model_config(config: Any) -> None:
    with pytest.raises(ConfigError):
        model_from_config(config)


def test_unsupported_call_arguments_are_rejected(build: Build) -> None:
    config = as_json(model_to_config(build("branches")))
    layer = next(layer for layer in config["config"]["layers"] if layer["name"] == "flatten")
    layer["inbound_nodes"][0]["kwargs"] = {"scale": 2}
    with pytest.raises(ConfigError, match=r"'flatten' is called with scale=2"):
        model_from_config(config)


def test_a_users_loss_function_has_no_config(build: Build) -> None:
    def squared(y_true: Any, y_pred: Any) -> Any:
        return np.mean(np.square(y_true - y_pred), axis=-1)

    model = build("seed_000")
    model.compile(optimizer="adam", loss=squared)
    with pytest.raises(TypeError, match=r"compile argument <function .*squared"):
        model_to_config(model)
