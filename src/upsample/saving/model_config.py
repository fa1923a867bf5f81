"""Keras 3's config of `Sequential` and functional models, both ways.

`model_to_config(model)` produces what ``keras.saving.serialize_keras_object``
produces for the same model in Keras 3.15.1 (``config.json`` of a ``.keras``
file), and `model_from_config(config)` rebuilds a model from such a config,
whether we or real Keras wrote it: nested models, shared layers, several inputs
and outputs, a `Sequential` with or without its `InputLayer`.

Keras's format has quirks that are reproduced on purpose, because Keras reads
our files with its own code (``keras/src/models/functional.py``):

- Layers are listed in Keras's order (`keras_layer_order`): by decreasing depth
  from the outputs, ties broken by first visit in a depth-first walk.  It is not
  a plain topological order, and the ``.weights.h5`` keys follow it too.
- A node's ``keras_history`` counts only the layer's calls that belong to this
  model; in ``input_layers``/``output_layers`` (not in node arguments) the count
  of a nested *functional* model starts at 1, a leftover of Keras 2's "own node".
- Node ``kwargs`` record the call arguments Keras fills in from the layer's
  `call` signature: ``{"mask": None}`` for models and masking layers,
  ``{"training": False}`` for dropout-like layers (`keras_call_kwargs`).

Imports of `upsample.models` and `upsample.layers` are local to the functions:
layers import `upsample.saving` (for `serialization`), so this module must be
importable before they are.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from upsample.saving.serialization import registered_name

if TYPE_CHECKING:
    from upsample.layers.keras_tensor import KerasTensor, Node
    from upsample.layers.layer import Layer
    from upsample.models.functional import Functional
    from upsample.models.model import Model
    from upsample.models.sequential import Sequential

# How Keras 3.15.1 names the classes of models in configs.
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


class ConfigError(ValueError):
    """A config that cannot be turned into a model (unknown class, broken graph, …)."""


# --------------------------------------------------------------------------- registry


def layer_classes() -> dict[str, type[Layer]]:
    """Every layer class `upsample.layers` exports (read now: others may add layers), and models.

    Keys are the exported names (aliases included) and the class names.
    """
    import upsample.layers as layers_module
    from upsample.layers.layer import Layer
    from upsample.models.functional import Functional
    from upsample.models.model import Model
    from upsample.models.sequential import Sequential

    classes: dict[str, type[Layer]] = {}
    for name, obj in vars(layers_module).items():
        if isinstance(obj, type) and issubclass(obj, Layer):
            classes[name] = obj
            classes.setdefault(obj.__name__, obj)
    classes.update({"Sequential": Sequential, "Functional": Functional, "Model": Model})
    return classes


def _is_builtin(cls: type) -> bool:
    exported = layer_classes().get(cls.__name__)
    return exported is cls


def _header(layer: Layer) -> tuple[str | None, str, str | None]:
    """``(module, class_name, registered_name)`` as Keras writes them for `layer`."""
    from upsample.models.functional import Functional
    from upsample.models.sequential import Sequential

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


# --------------------------------------------------------------------------- Keras's order


def _is_input_node(node: Node) -> bool:
    return not node.inputs


def _build_map(
    inputs: list[KerasTensor], outputs: list[KerasTensor]
) -> tuple[list[Node], dict[int, int]]:
    """Keras's ``_build_map``: nodes in a depth-first post-order from the outputs.

    Also returns, per layer id, the order in which the walk first reached it.
    """
    finished: set[int] = set()
    in_progress: set[int] = set()
    ordered: list[Node] = []
    first_visit: dict[int, int] = {}
    input_ids = {id(t) for t in inputs}

    def visit(tensor: KerasTensor) -> None:
        node = tensor.node
        if node is None:
            return
        if id(node) in finished:
            return
        # A declared input made by a non-input layer: the graph starts here.
        if not _is_input_node(node) and id(tensor) in input_ids:
            finished.add(id(node))
            return
        if id(node) in in_progress:
            raise ConfigError(f"Tensor {tensor} from layer '{node.layer.name}' is part of a cycle.")
        first_visit.setdefault(id(node.layer), len(first_visit))
        in_progress.add(id(node))
        for parent in node.inputs:
            visit(parent)
        finished.add(id(node))
        in_progress.discard(id(node))
        ordered.append(node)

    for tensor in outputs:
        visit(tensor)
    return ordered, first_visit


def map_graph(
    inputs: list[KerasTensor], outputs: list[KerasTensor]
) -> tuple[list[Node], list[Layer]]:
    """Keras's ``map_graph``: the graph's nodes and its layers in Keras's order."""
    ordered, first_visit = _build_map(inputs, outputs)
    in_graph = {id(node) for node in ordered}
    node_depth: dict[int, int] = {}
    layer_depth: dict[int, int] = {}
    layers_by_id: dict[int, Layer] = {}
    for node in reversed(ordered):
        depth = node_depth.setdefault(id(node), 0)
        # A shared layer takes the greatest depth of its nodes.
        depth = max(depth, layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = depth
        layers_by_id[id(node.layer)] = node.layer
        node_depth[id(node)] = depth
        for parent in node.parents:
            if id(parent) in in_graph:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    nodes = list(ordered)
    for tensor in inputs:
        source = tensor.node
        # Inputs not connected to any output still belong to the model.
        if source is not None and _is_input_node(source) and id(source.layer) not in layer_depth:
            layer_depth[id(source.layer)] = 0
            first_visit[id(source.layer)] = -1
            layers_by_id[id(source.layer)] = source.layer
            nodes.append(source)
    order = sorted(layer_depth, key=lambda key: (-layer_depth[key], first_visit[key]))
    return nodes, [layers_by_id[key] for key in order]


def keras_layer_order(model: Layer) -> list[Layer]:
    """The sublayers of `model` in the order Keras lists them (``model.layers`` in Keras).

    A `Sequential` model lists its layers without the `InputLayer`; a functional
    model lists its input layers too.  Other layers have no sublayers here.
    """
    from upsample.models.functional import Functional
    from upsample.models.sequential import Sequential

    if isinstance(model, Sequential):
        return model.layers
    if isinstance(model, Functional):
        return map_graph(model.inputs, model.outputs)[1]
    return []


def own_variables(layer: Layer) -> list[Any]:
    """A layer's own variables as Keras saves them: created-trainable first, then the others.

    The order does not depend on whether the layer is frozen now.
    """
    weights = list(getattr(layer, "_own_weights", []))
    never: set[int] = getattr(layer, "_never_trainable", set())
    return [v for v in weights if id(v) not in never] + [v for v in weights if id(v) in never]


def keras_variables(model: Layer) -> list[Any]:
    """All variables of `model` in Keras's order (its ``model.variables``), deduplicated."""
    found: list[Any] = []
    seen: set[int] = set()

    def collect(layer: Layer) -> None:
        for variable in own_variables(layer):
            if id(variable) not in seen:
                seen.add(id(variable))
                found.append(variable)
        sublayers = keras_layer_order(layer) or layer._sublayers()
        for sublayer in sublayers:
            collect(sublayer)

    collect(model)
    return found


# --------------------------------------------------------------------------- serializing


def serialize_layer(layer: Layer) -> dict[str, Any]:
    """``serialize_keras_object(layer)``: the Keras dictionary of a layer or a model."""
    from upsample.models.functional import Functional
    from upsample.models.model import Model
    from upsample.models.sequential import Sequential

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
    from upsample.models.functional import Functional
    from upsample.models.sequential import Sequential

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
    from upsample.layers.layer import Layer

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
            if id(node) in own and not _is_input_node(node)
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
    from upsample.models.functional import Functional

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
    from upsample.models.model import Model

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
    from upsample.layers.keras_tensor import KerasTensor

    if isinstance(structure, KerasTensor):
        return fn(structure)
    if isinstance(structure, Mapping):
        return {key: _map_structure(value, fn) for key, value in structure.items()}
    return [_map_structure(item, fn) for item in structure]


# --------------------------------------------------------------------------- compile config


def compile_config(model: Model) -> dict[str, Any]:
    """``model.get_compile_config()``: what `compile` received, serialized as Keras does.

    Keras writes the optimizer *object* even when compile got a name, and
    resolves ``jit_compile="auto"`` (True on its JAX and TensorFlow backends).
    """
    given = getattr(model, "_compile_config", None)
    if not getattr(model, "compiled", False) or given is None:
        return {}
    from upsample import optimizers

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
        from upsample.saving import serialization

        return serialization.serialize(value)
    if callable(value) and hasattr(value, "__name__"):
        from upsample import losses

        serialized = losses.serialize(value)
        if isinstance(serialized, dict):
            return serialized
    raise TypeError(f"Cannot serialize the compile argument {value!r} to a Keras config.")


def compile_from_config(model: Model, config: Mapping[str, Any]) -> None:
    """``model.compile_from_config``: compile as saved, and build the optimizer's state."""
    from upsample import optimizers

    optimizer = config.get("optimizer", "rmsprop")
    if isinstance(optimizer, str | Mapping):
        optimizer = optimizers.deserialize(
            dict(optimizer) if isinstance(optimizer, Mapping) else optimizer
        )
    arguments: dict[str, Any] = {
        "optimizer": optimizer,
        "loss": _revive_value(config.get("loss"), "loss"),
        "loss_weights": config.get("loss_weights"),
        "metrics": _revive_value(config.get("metrics"), "metric"),
    }
    weighted = _revive_value(config.get("weighted_metrics"), "metric")
    if weighted:
        arguments["weighted_metrics"] = weighted
    model.compile(**arguments)
    if model.optimizer is not None and model.built:
        model.optimizer.build(model.trainable_weights)


def _revive_value(value: Any, kind: str) -> Any:
    """A serialized loss or metric back into something `compile` accepts."""
    if isinstance(value, list | tuple):
        return [_revive_value(item, kind) for item in value]
    if not isinstance(value, Mapping):
        return value
    if "class_name" not in value:
        return {key: _revive_value(item, kind) for key, item in value.items()}
    from upsample import losses

    if value.get("class_name") == "function":
        # Keras's built-in functions (losses, also used as metrics) come back as
        # functions, so that they serialize again as functions; others by name.
        name = value.get("config")
        return losses.FUNCTIONS.get(name, name) if isinstance(name, str) else name
    if kind == "loss":
        return losses.deserialize(dict(value))
    from upsample import metrics

    return metrics.deserialize(dict(value))


# --------------------------------------------------------------------------- deserializing

# Objects Keras marked with "shared_object_id", so that one object is rebuilt once.
_shared_objects: contextvars.ContextVar[dict[int, Any] | None] = contextvars.ContextVar(
    "upsample_shared_objects", default=None
)


@contextlib.contextmanager
def object_sharing_scope() -> Iterator[None]:
    """Within this scope, configs with the same ``shared_object_id`` give the same layer."""
    token = _shared_objects.set({})
    try:
        yield
    finally:
        _shared_objects.reset(token)


def model_from_config(
    config: Mapping[str, Any],
    custom_objects: Mapping[str, Any] | None = None,
    *,
    compile: bool = True,
) -> Model:
    """Rebuild a model from its Keras dictionary (the content of ``config.json``)."""
    from upsample.models.model import Model

    if not isinstance(config, Mapping) or "class_name" not in config:
        raise ConfigError(
            "A model config must be a dictionary with 'class_name' and 'config' keys "
            f"(Keras's serialized form). Received: {_preview(config)}"
        )
    with object_sharing_scope():
        model = deserialize_layer(config, custom_objects, compile=compile)
    if not isinstance(model, Model):
        raise ConfigError(
            f"The config describes a {config.get('class_name')!r} layer, not a model "
            "(Sequential or Functional)."
        )
    return model


def deserialize_layer(
    config: Mapping[str, Any],
    custom_objects: Mapping[str, Any] | None = None,
    *,
    compile: bool = True,
) -> Layer:
    """``deserialize_keras_object`` for layers and models: instantiate, build, compile."""
    from upsample.models.model import Model

    if not isinstance(config, Mapping) or "class_name" not in config:
        raise ConfigError(f"Expected a serialized layer. Received: {_preview(config)}")
    shared = _shared_objects.get()
    shared_id = config.get("shared_object_id")
    if shared is not None and shared_id is not None and shared_id in shared:
        layer: Layer = shared[shared_id]
        return layer
    cls = resolve_class(config, custom_objects)
    inner = dict(config.get("config") or {})
    layer = _instantiate(cls, inner, config, custom_objects)
    build_config = config.get("build_config")
    if build_config and not layer.built:
        _build(layer, build_config)
    compile_cfg = config.get("compile_config")
    if compile and compile_cfg and isinstance(layer, Model):
        compile_from_config(layer, compile_cfg)
    if shared is not None and shared_id is not None:
        shared[shared_id] = layer
    return layer


def resolve_class(
    config: Mapping[str, Any], custom_objects: Mapping[str, Any] | None = None
) -> type[Layer]:
    """The class a serialized layer names: `custom_objects` first, then ours."""
    class_name = config["class_name"]
    registered = config.get("registered_name")
    for key in (registered, class_name):
        if custom_objects and isinstance(key, str) and key in custom_objects:
            cls: type[Layer] = custom_objects[key]
            return cls
    module = config.get("module")
    classes = layer_classes()
    ours = classes.get(class_name)
    # Keras writes a registered class's Python module, wherever that class lives:
    # our classes that Keras lacks are known by their registered name.
    if ours is not None and (
        module is None
        or str(module).startswith("keras")
        or (registered is not None and registered == registered_name(ours.keras_module, class_name))
    ):
        return ours
    if module and not str(module).startswith("keras"):
        raise ConfigError(
            f"Layer '{_config_name(config)}' is of the custom class {class_name!r} (module "
            f"{module!r}). Pass it in `custom_objects`, e.g. "
            f"load_model(..., custom_objects={{{class_name!r}: {class_name}}})."
        )
    known = ", ".join(sorted({cls.__name__ for cls in classes.values()}))
    raise ConfigError(
        f"Unknown layer class {class_name!r} (layer '{_config_name(config)}', module "
        f"{module!r}): upsample does not implement it. Supported classes: {known}."
    )


def _instantiate(
    cls: type[Layer],
    inner: dict[str, Any],
    config: Mapping[str, Any],
    custom_objects: Mapping[str, Any] | None,
) -> Layer:
    from upsample.models.functional import Functional
    from upsample.models.model import Model
    from upsample.models.sequential import Sequential

    name = _config_name(config)
    if issubclass(cls, Sequential):
        return sequential_from_config(inner, custom_objects, cls=cls)
    if issubclass(cls, Functional) or cls is Model:
        return functional_from_config(inner, custom_objects)
    try:
        return cls.from_config(inner)
    except (TypeError, ValueError, KeyError, NotImplementedError) as error:
        raise ConfigError(
            f"Could not rebuild layer '{name}' ({config['class_name']}) from its config: "
            f"{type(error).__name__}: {error}"
        ) from error


def _build(layer: Layer, build_config: Mapping[str, Any]) -> None:
    try:
        layer.build_from_config(dict(build_config))
    except (TypeError, ValueError) as error:
        raise ConfigError(
            f"Could not build layer '{layer.name}' ({type(layer).__name__}) from its "
            f"build_config {dict(build_config)}: {error}"
        ) from error


def sequential_from_config(
    config: Mapping[str, Any],
    custom_objects: Mapping[str, Any] | None = None,
    *,
    cls: type[Sequential] | None = None,
) -> Sequential:
    """``Sequential.from_config``: add each layer, then build from the saved input shape."""
    from upsample.models.sequential import Sequential

    if "name" not in config or "layers" not in config:
        raise ConfigError(
            "A Sequential model configuration must be a dictionary containing the 'name' and "
            f"'layers' keys. Received: config={_preview(config)}"
        )
    model = (cls or Sequential)(name=config["name"], trainable=config.get("trainable", True))
    for layer_config in config["layers"]:
        model.add(deserialize_layer(layer_config, custom_objects), rebuild=False)
    model._maybe_rebuild()
    build_input_shape = config.get("build_input_shape")
    if model._functional is None and build_input_shape and model.layers:
        model.build(tuple(build_input_shape))
    return model


def functional_from_config(
    config: Mapping[str, Any], custom_objects: Mapping[str, Any] | None = None
) -> Functional:
    """``functional_from_config``: create the layers, replay their calls, then the model.

    Calls are replayed in the listed order; a call whose inputs do not exist yet
    (a layer shared at different depths) waits for a later pass, as in Keras.
    """
    from upsample.models.functional import Functional

    for key in ("layers", "input_layers", "output_layers"):
        if key not in config:
            raise ConfigError(
                f"A functional model config needs 'layers', 'input_layers' and "
                f"'output_layers'; '{key}' is missing. Received keys: {sorted(config)}"
            )
    created: dict[str, Layer] = {}
    pending: dict[str, list[Any]] = {}
    for layer_config in config["layers"]:
        name = _config_name(layer_config)
        created[name] = deserialize_layer(layer_config, custom_objects)
        pending[name] = list(layer_config.get("inbound_nodes") or [])
    _replay_calls(config["layers"], created, pending)
    inputs = _map_endpoints(config["input_layers"], created)
    outputs = _map_endpoints(config["output_layers"], created)
    model = Functional(inputs, outputs, name=config.get("name"))
    if config.get("trainable") is False:
        model.trainable = False
    return model


class _NotReady(Exception):
    """A node's input tensors do not exist yet."""


def _replay_calls(
    layer_configs: list[Any], created: dict[str, Layer], pending: dict[str, list[Any]]
) -> None:
    while any(pending.values()):
        progressed = False
        for layer_config in layer_configs:
            name = _config_name(layer_config)
            queue = pending[name]
            while queue:
                try:
                    _replay_node(created[name], queue[0], created)
                except _NotReady:
                    break
                queue.pop(0)
                progressed = True
        if not progressed:
            stuck = {name: len(queue) for name, queue in pending.items() if queue}
            raise ConfigError(
                "Invalid Functional model configuration. The graph of the Functional model "
                "either has loops or disconnected nodes. These layers have calls whose inputs "
                f"never appear: {stuck}"
            )


def _replay_node(layer: Layer, node_data: Any, created: dict[str, Layer]) -> None:
    if isinstance(node_data, list):
        # Keras 2's form: [[layer name, node index, tensor index, kwargs], ...].
        tensors = [_tensor_from_history(item[:3], created) for item in node_data]
        kwargs = node_data[0][3] if node_data and len(node_data[0]) > 3 else {}
        _check_call_kwargs(layer, kwargs)
        layer(tensors[0] if len(tensors) == 1 else tensors)
        return
    args = node_data.get("args", [])
    kwargs = node_data.get("kwargs") or {}
    if len(args) != 1:
        raise ConfigError(
            f"Layer '{layer.name}' is called with {len(args)} positional arguments in the config; "
            "upsample layers take one (a tensor or a list of tensors)."
        )
    _check_call_kwargs(layer, kwargs)
    layer(_revive_tensors(args[0], created))


def _check_call_kwargs(layer: Layer, kwargs: Mapping[str, Any]) -> None:
    for key, value in kwargs.items():
        # A recorded `training` is overridden by the model's own flag whenever the
        # model runs (Keras's `operation_fn`), so any value replays the same.
        if (key == "mask" and value is None) or (
            key == "training" and value in (None, True, False)
        ):
            continue
        raise ConfigError(
            f"Layer '{layer.name}' is called with {key}={value!r} in the config; upsample "
            "replays calls with their default arguments only."
        )


def _revive_tensors(structure: Any, created: dict[str, Layer]) -> Any:
    if isinstance(structure, list | tuple):
        return [_revive_tensors(item, created) for item in structure]
    if isinstance(structure, Mapping) and structure.get("class_name") == "__keras_tensor__":
        return _tensor_from_history(structure["config"]["keras_history"], created)
    raise ConfigError(f"Unsupported call argument in a node config: {_preview(structure)}")


def _tensor_from_history(history: Any, created: dict[str, Layer], offset: int = 0) -> Any:
    layer_name, node_index, tensor_index = history
    layer = created.get(layer_name)
    if layer is None:
        raise ConfigError(f"Unknown layer: {layer_name!r} (referenced by a node of the graph).")
    node_index -= offset
    if node_index >= len(layer._inbound_nodes):
        raise _NotReady
    return layer._inbound_nodes[node_index].outputs[tensor_index]


def _map_endpoints(structure: Any, created: dict[str, Layer]) -> Any:
    """Input or output tensors from ``[layer name, node index, tensor index]`` leaves."""
    from upsample.models.functional import Functional

    if (
        isinstance(structure, list | tuple)
        and len(structure) == 3
        and isinstance(structure[0], str)
    ):
        offset = 1 if isinstance(created.get(structure[0]), Functional) else 0
        try:
            return _tensor_from_history(structure, created, offset)
        except _NotReady:
            raise ConfigError(
                f"The model's inputs or outputs name call {structure[1]} of layer "
                f"'{structure[0]}', which the config never makes."
            ) from None
    if isinstance(structure, Mapping):
        # upsample's models take lists: a dict is flattened in sorted-key order, as Keras does.
        return [_map_endpoints(structure[key], created) for key in sorted(structure)]
    if isinstance(structure, list | tuple):
        return [_map_endpoints(item, created) for item in structure]
    raise ConfigError(f"Cannot read model inputs/outputs from {_preview(structure)}")


def _config_name(config: Any) -> str:
    if isinstance(config, Mapping):
        name = config.get("name") or (config.get("config") or {}).get("name")
        if name:
            return str(name)
    return "<unnamed>"


def _preview(value: Any, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"
