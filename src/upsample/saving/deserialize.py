"""Models and layers from Keras 3's configs, whether we or real Keras wrote them.

`model_from_config(config)` rebuilds a model from the content of a ``.keras``
file's ``config.json`` (what ``keras.saving.serialize_keras_object`` writes):
nested models, shared layers, several inputs and outputs, a `Sequential` with
or without its `InputLayer`, and compiles it as saved.  A functional model's
calls are replayed in the listed order, as Keras replays them.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Mapping
from typing import Any

from upsample import losses, metrics, optimizers
from upsample.layers.layer import Layer
from upsample.models.functional import Functional
from upsample.models.model import Model
from upsample.models.sequential import Sequential
from upsample.saving.classes import ConfigError, layer_classes
from upsample.utils.registry import registered_name

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
    if not isinstance(config, Mapping) or "class_name" not in config:
        raise ConfigError(
            "A model config must be a dictionary with 'class_name' and 'config' keys "
            f"(Keras's serialized form). Received: {_preview(config)}"
        )
    with object_sharing_scope():
        model = deserialize_layer(config, custom_objects, compile=compile)
    if not isinstance(model, Model):
        raise ConfigError(
            f"The config describes the layer class {config.get('class_name')!r}, not a model "
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
    # our classes that Keras lacks, and our layers with arguments Keras lacks, are
    # known by their registered name.
    if ours is not None and (
        module is None
        or str(module).startswith("keras")
        or (registered is not None and registered in _registered_names(ours))
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


def _registered_names(cls: type[Layer]) -> set[str]:
    """The registered names under which a file may name `cls` (none for Keras's classes)."""
    modules = (cls.keras_module, cls.beyond_keras_module)
    names = (registered_name(module, cls.__name__) for module in modules if module is not None)
    return {name for name in names if name is not None}


def _instantiate(
    cls: type[Layer],
    inner: dict[str, Any],
    config: Mapping[str, Any],
    custom_objects: Mapping[str, Any] | None,
) -> Layer:
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


def compile_from_config(model: Model, config: Mapping[str, Any]) -> None:
    """``model.compile_from_config``: compile as saved, and build the optimizer's state."""
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
    if value.get("class_name") == "function":
        # Keras's built-in functions (losses, also used as metrics) come back as
        # functions, so that they serialize again as functions; others by name.
        name = value.get("config")
        return losses.FUNCTIONS.get(name, name) if isinstance(name, str) else name
    if kind == "loss":
        return losses.deserialize(dict(value))
    return metrics.deserialize(dict(value))
