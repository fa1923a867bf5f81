"""How Keras walks a model: its nodes, its layers (``model.layers``) and its variables.

`map_graph` is Keras's (``keras/src/models/functional.py``, ``ops/function.py``):
layers by decreasing depth from the outputs, ties broken by first visit in a
depth-first walk.  It is not a plain topological order; `model.layers`, the
weights and the keys of the ``.weights.h5`` files Keras writes all follow it.
"""

from __future__ import annotations

from typing import Any

from upsample.layers.keras_tensor import KerasTensor, Node
from upsample.layers.layer import Layer


def is_input_node(node: Node) -> bool:
    """Whether `node` is an `Input` (a call on no tensors)."""
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
        if not is_input_node(node) and id(tensor) in input_ids:
            finished.add(id(node))
            return
        if id(node) in in_progress:
            raise ValueError(f"Tensor {tensor} from layer '{node.layer.name}' is part of a cycle.")
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
        if source is not None and is_input_node(source) and id(source.layer) not in layer_depth:
            layer_depth[id(source.layer)] = 0
            first_visit[id(source.layer)] = -1
            layers_by_id[id(source.layer)] = source.layer
            nodes.append(source)
    order = sorted(layer_depth, key=lambda key: (-layer_depth[key], first_visit[key]))
    return nodes, [layers_by_id[key] for key in order]


def own_variables(layer: Layer) -> list[Any]:
    """A layer's own variables as Keras saves them: created-trainable first, then the others.

    The order does not depend on whether the layer is frozen now.
    """
    weights = list(layer._own_weights)
    never = layer._never_trainable
    return [v for v in weights if id(v) not in never] + [v for v in weights if id(v) in never]


def keras_variables(model: Layer) -> list[Any]:
    """All variables of `model` in Keras's order (its ``model.variables``), deduplicated.

    A model's sublayers are visited in the order of its `layers` (Keras's order;
    for a `Sequential` model, without its `InputLayer`).
    """
    found: list[Any] = []
    seen: set[int] = set()

    def collect(layer: Layer) -> None:
        for variable in own_variables(layer):
            if id(variable) not in seen:
                seen.add(id(variable))
                found.append(variable)
        for sublayer in layer._sublayers():
            collect(sublayer)

    collect(model)
    return found
