"""Models and layers to Keras 3's configs: what ``serialize_keras_object`` writes.

`model_to_config(model)` produces what ``keras.saving.serialize_keras_object``
produces for the same model in Keras 3.15.1 (``config.json`` of a ``.keras``
file): nested models, shared layers, several inputs and outputs, a
`Sequential` with or without its `InputLayer`, and the compile arguments.

Keras's format has quirks that are reproduced on purpose, because Keras reads
our files with its own code (``keras/src/models/functional.py``):

- Layers are listed in Keras's order (`upsample.models.graph.map_graph`), and
  the ``.weights.h5`` keys follow it too.
- A node's ``keras_history`` counts only the layer's calls that belong to this
  model; in ``input_layers``/``output_layers`` (not in node arguments) the count
  of a nested *functional* model starts at 1, a leftover of Keras 2's "own node".
- Node ``kwargs`` record the call arguments Keras fills in from the layer's
  `call` signature: ``{"mask": None}`` for models and masking layers,
  ``{"training": False}`` for dropout-like layers (`keras_call_kwargs`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from upsample import losses, optimizers
from upsample.layers.keras_tensor import KerasTensor, Node
from upsample.layers.layer import Layer
from upsample.models.functional import Functional
from upsample.models.graph import is_input_node, map_graph
from upsample.models.model import Model
from upsample.models.sequential import Sequential
from upsample.saving.classes import ConfigError, layer_classes
from upsample.utils.registry import registered_name, serialize_object

SEQUENTIAL_HEADER = ("keras", "Sequential", None)
# `Functional` is not a public Keras symbol, so Keras writes its source module
# and registers it under its class name.
FUNCTIONAL_HEADER = ("keras.src.models.functional", "Functional", "Functional")

# The call arguments Keras records in a node when a layer is called on symbolic
# tensors without them (``Layer.__call__`` steps 5 and 6): the non-None default
# of `training`, and ``mask=None`` when `call` takes a mask.  Read from the call
# signatures of ``keras.layers`` in Keras 3.15.1; the parity tests re-check it
# for every layer `upsample.layers` exports.
_TRAINING_FALSE = frozenset(
    {
        "AdditiveAttention",
        "AlphaDropout",
        "Attention",
        "ConvLSTM1D",
        "ConvLSTM2D",
        "ConvLSTM3D",
        "Dropout",
        "GRU",
        "GRUCell",
        "GaussianDropout",
        "GaussianNoise",
        "LSTM",
        "LSTMCell",
        "RNN",
        "SimpleRNN",
        "SimpleRNNCell",
        "SpatialDropout1D",
        "SpatialDropout2D",
        "SpatialDropout3D",
        "SpectralNormalization",
        "StackedRNNCells",
    }
)
_TRAINING_TRUE = frozenset(
    {
        "CenterCrop",
        "RandomBrightness",
        "RandomContrast",
        "RandomCrop",
        "RandomFlip",
        "RandomRotation",
        "RandomTranslation",
        "RandomZoom",
        "Resizing",
    }
)
_MASK = frozenset(
    {
        "AdditiveAttention",
        "Attention",
        "BatchNormalization",
        "Bidirectional",
        "ConvLSTM1D",
        "ConvLSTM2D",
        "ConvLSTM3D",
        "GRU",
        "GlobalAveragePooling1D",
        "GlobalAvgPool1D",
        "LSTM",
        "Lambda",
        "RNN",
        "SimpleRNN",
        "Softmax",
        "TimeDistributed",
    }
)


def _is_builtin(cls: type) -> bool:
    exported = layer_classes().get(cls.__name__)
    return exported is cls


def _header(layer: Layer) -> tuple[str | None, str, str | None]:
    """``(module, class_name, registered_name)`` as Keras writes them for `layer`."""
    cls = type(layer)
    if cls is Sequential:
        return SEQUENTIAL_HEADER
    if cls is Functional:
        return FUNCTIONAL_HEADER
    if _is_builtin(cls):
        return layer.keras_module, cls.__name__, registered_name(layer.keras_module, cls.__name__)
    # A custom class: Keras writes its Python module (None for __main__) and
    # registers it under its class name, which `custom_objects` must provide.
    module = None if cls.__module__ == "__main__" else cls.__module__
    return module, cls.__name__, cls.__name__


def serialize_layer(layer: Layer) -> dict[str, Any]:
    """``serialize_keras_object(layer)``: the Keras dictionary of a layer or a model."""
    module, class_name, registered_name = _header(layer)
    if isinstance(layer, Sequential):
        config = sequential_config(layer)
    elif isinstance(layer, Functional):
        config = functional_config(layer)
    else:
        config = _layer_get_config(layer)
    result: dict[str, Any] = {
        "module": module,
        "class_name": class_name,
        "config": config,
        "registered_name": registered_name,
    }
    build_config = _build_config(layer)
    if build_config is not None:
        result["build_config"] = build_config
    if isinstance(layer, Model):
        result["compile_config"] = compile_config(layer)
    return result


def model_to_config(model: Model) -> dict[str, Any]:
    """The content of ``config.json``: the Keras dictionary of `model`."""
    return serialize_layer(model)


def _layer_get_config(layer: Layer) -> dict[str, Any]:
    try:
        config = layer.get_config()
    except NotImplementedError as error:
        raise NotImplementedError(
            f"Layer '{layer.name}' ({type(layer).__name__}) cannot be saved: its get_config() "
            f"is not implemented ({error}). Custom layers with constructor arguments must "
            "implement get_config()."
        ) from error
    if not isinstance(config, dict):
        raise TypeError(
            f"The get_config() method of layer '{layer.name}' ({type(layer).__name__}) should "
            f"return a dict. It returned: {config!r}"
        )
    return config


def _build_config(layer: Layer) -> dict[str, Any] | None:
    if isinstance(layer, Sequential):
        if layer._functional is None:
            return None
        return {"input_shape": list(layer._stack[0].batch_shape)}  # type: ignore[attr-defined]
    if isinstance(layer, Functional):
        # Keras builds a functional model with `build(None)` in its constructor.
        return {"input_shape": None}
    return layer.get_build_config()


def sequential_config(model: Sequential) -> dict[str, Any]:
    """``Sequential.get_config()``: the base layer config, the stack and the build shape."""
    config = Layer.get_config(model)
    # The stack includes the InputLayer (when there is one), unlike `model.layers`.
    config["layers"] = [serialize_layer(layer) for layer in model._stack]
    if model._functional is not None:
        config["build_input_shape"] = list(model._stack[0].batch_shape)  # type: ignore[attr-defined]
    return config


def functional_config(model: Functional) -> dict[str, Any]:
    """``Functional.get_config()``: layers with their inbound nodes, inputs and outputs."""
    nodes, layers = map_graph(model.inputs, model.outputs)
    own = {id(node) for node in nodes}
    layer_configs = []
    for layer in layers:
        config = serialize_layer(layer)
        config["name"] = layer.name
        config["inbound_nodes"] = [
            _serialize_node(node, own)
            for node in layer._inbound_nodes
            if id(node) in own and not is_input_node(node)
        ]
        layer_configs.append(config)
    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layer_configs,
        "input_layers": _map_structure(model._nested_inputs, lambda t: _endpoint(t, own)),
        "output_layers": _map_structure(model._nested_outputs, lambda t: _endpoint(t, own)),
    }


def _node_position(node: Node, own: set[int]) -> int:
    """How many of the layer's calls that belong to the model come before `node`."""
    position = 0
    for other in node.layer._inbound_nodes:
        if other is node:
            return position
        if id(other) in own:
            position += 1
    raise ConfigError(f"Internal error: a node of layer '{node.layer.name}' is not recorded.")


def _history(tensor: KerasTensor, own: set[int]) -> list[Any]:
    node = tensor.node
    assert node is not None
    return [node.layer.name, _node_position(node, own), tensor.index]


def _endpoint(tensor: KerasTensor, own: set[int]) -> list[Any]:
    """``[layer name, node index, tensor index]`` of a model input or output."""
    history = _history(tensor, own)
    assert tensor.node is not None
    if isinstance(tensor.node.layer, Functional):
        history[1] += 1  # Keras 2's "own node" of a functional model, still counted.
    return history


def _tensor_config(tensor: KerasTensor, own: set[int]) -> dict[str, Any]:
    return {
        "class_name": "__keras_tensor__",
        "config": {
            "shape": list(tensor.shape),
            "dtype": tensor.dtype,
            "keras_history": _history(tensor, own),
        },
    }


def _serialize_node(node: Node, own: set[int]) -> dict[str, Any]:
    tensors = [_tensor_config(tensor, own) for tensor in node.inputs]
    args: list[Any] = [tensors[0]] if node.single_input else [tensors]
    return {"args": args, "kwargs": {**keras_call_kwargs(node.layer), **node.call_kwargs}}


def keras_call_kwargs(layer: Layer) -> dict[str, Any]:
    """The call arguments Keras records in a node of `layer` (see the module docstring)."""
    if isinstance(layer, Model):
        return {"mask": None}
    for cls in type(layer).__mro__:
        name = cls.__name__
        if name in _TRAINING_FALSE or name in _TRAINING_TRUE or name in _MASK:
            kwargs: dict[str, Any] = {}
            if name in _TRAINING_FALSE or name in _TRAINING_TRUE:
                kwargs["training"] = name in _TRAINING_TRUE
            if name in _MASK:
                kwargs["mask"] = None
            return kwargs
    return {}


def _map_structure(structure: Any, fn: Any) -> Any:
    if isinstance(structure, KerasTensor):
        return fn(structure)
    if isinstance(structure, Mapping):
        return {key: _map_structure(value, fn) for key, value in structure.items()}
    return [_map_structure(item, fn) for item in structure]


def compile_config(model: Model) -> dict[str, Any]:
    """``model.get_compile_config()``: what `compile` received, serialized as Keras does.

    Keras writes the optimizer *object* even when compile got a name, and
    resolves ``jit_compile="auto"`` (True on its JAX and TensorFlow backends).
    """
    given = model._compile_config
    if not model.compiled or given is None:
        return {}
    return {
        "optimizer": optimizers.serialize(model.optimizer) if model.optimizer else None,
        "loss": _serialize_value(given.get("loss")),
        "loss_weights": _serialize_value(given.get("loss_weights")),
        "metrics": _serialize_value(given.get("metrics")),
        "weighted_metrics": _serialize_value(given.get("weighted_metrics")),
        "run_eagerly": bool(given.get("run_eagerly", False)),
        "steps_per_execution": int(given.get("steps_per_execution", 1)),
        "jit_compile": True,
    }


def _serialize_value(value: Any) -> Any:
    """A compile argument in Keras's form: names stay names, objects become dictionaries."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, list | tuple):
        return [_serialize_value(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _serialize_value(item) for key, item in value.items()}
    if hasattr(value, "get_config"):
        return serialize_object(value)
    # Keras's own functions have a config (their name); a user's function has none here.
    if losses.FUNCTIONS.get(getattr(value, "__name__", "")) is value:
        return losses.serialize(value)
    raise TypeError(f"Cannot serialize the compile argument {value!r} to a Keras config.")
