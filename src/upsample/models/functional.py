"""`Functional`: a model over any directed acyclic graph of layers.

Forward runs the recorded nodes in topological order; backward runs them in
reverse and *sums* the gradients of a tensor used by several nodes (fan-out),
and of a layer's weights when the layer is called several times (sharing).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from upsample.layers.keras_tensor import KerasTensor, Node, Shape, flatten
from upsample.layers.layer import Array, Gradients, Layer, autocast
from upsample.models.graph import map_graph
from upsample.models.model import Model
from upsample.models.saving_hook import saving
from upsample.runtime import memory


class Functional(Model, graph=True):
    """A model defined by its symbolic inputs and outputs: ``Model(inputs, outputs)``."""

    def __init__(
        self, inputs: Any, outputs: Any, name: str | None = None, trainable: bool = True
    ) -> None:
        super().__init__(name=name, trainable=trainable)
        self._set_graph(inputs, outputs)

    def _set_graph(self, inputs: Any, outputs: Any) -> None:
        self._nested_inputs = inputs
        self._nested_outputs = outputs
        self.inputs = [t for t in flatten(inputs)]
        self.outputs = [t for t in flatten(outputs)]
        for tensor in self.inputs + self.outputs:
            if not isinstance(tensor, KerasTensor):
                raise ValueError(
                    "A functional model takes symbolic inputs and outputs (from `Input` and "
                    f"layer calls). Received: {tensor!r}"
                )
        # Keras's order: layers by decreasing depth from the outputs (it is also the order
        # of `model.layers`, of the weights, and of the keys in saved files).
        nodes, layers = map_graph(self.inputs, self.outputs)
        input_ids = {id(t) for t in self.inputs}
        reachable = {id(t) for node in nodes for t in node.outputs} | input_ids
        for node in nodes:
            for tensor in node.inputs:
                if id(tensor) not in reachable:
                    raise ValueError(f"The graph needs {tensor}, which is not among the inputs.")
            if not node.inputs and id(node.outputs[0]) not in input_ids:
                raise ValueError(
                    f"The graph depends on the input {node.outputs[0].name!r}, which was not "
                    "passed in `inputs`."
                )
        self._nodes = [node for node in nodes if node.inputs and not _starts_graph(node, input_ids)]
        self._layers = layers
        self.built = True
        shapes = [t.shape for t in self.inputs]
        self._build_shape = shapes[0] if len(shapes) == 1 else shapes

    @property
    def layers(self) -> list[Layer]:
        return list(self._layers)

    @property
    def input_shape(self) -> Any:
        """The inputs' shapes: one tuple for one input, else a list (as Keras)."""
        shapes = [t.shape for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self) -> Any:
        """The outputs' shapes: one tuple for one output, else a list (as Keras)."""
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def _sublayers(self) -> list[Layer]:
        return self._layers

    # ----------------------------------------------------------------------- running

    def _rank_change(self, index: int, shape: Shape) -> int:
        """How Keras adjusts input `index` of `shape`: 0, -1 (squeeze) or +1 (expand) a last axis.

        Keras accepts one axis of size 1 too many or too few at the end (e.g. MNIST
        images of shape (n, 28, 28) for an input of shape (None, 28, 28, 1)); other
        ranks are an error, raised before any layer runs.
        """
        expected = self.inputs[index].shape
        if len(shape) == len(expected):
            return 0
        if len(shape) == len(expected) + 1 and shape[-1] == 1:
            return -1
        if len(shape) == len(expected) - 1 and expected[-1] == 1:
            return 1
        raise ValueError(
            f"Invalid input shape for input {index} ('{self.inputs[index].name}') of model "
            f"'{self.name}'. Expected shape {expected}, but input has incompatible shape "
            f"{tuple(shape)}"
        )

    def _check_count(self, count: int) -> None:
        if count != len(self.inputs):
            raise ValueError(
                f"Model {self.name!r} expects {len(self.inputs)} input(s), but it received "
                f"{count} input tensors."
            )

    def _input_list(self, inputs: Any) -> list[Array]:
        """The inputs as arrays of the inputs' dtypes and ranks (no other checks: see below)."""
        arrays = list(inputs) if isinstance(inputs, list | tuple) else [inputs]
        self._check_count(len(arrays))
        checked = []
        for i, (array, tensor) in enumerate(zip(arrays, self.inputs, strict=True)):
            array = np.asarray(array)
            change = self._rank_change(i, array.shape)
            if change:
                array = array[..., 0] if change < 0 else array[..., None]
            if array.dtype != tensor.dtype and np.issubdtype(array.dtype, np.number):
                array = array.astype(tensor.dtype)
            checked.append(array)
        return checked

    def _propagate(self, input_shape: Any) -> list[Shape]:
        """The output shapes for inputs of `input_shape`; each layer checks what it receives."""
        known = self._tensor_shapes(input_shape)
        return [known[id(t)] for t in self.outputs]

    def _tensor_shapes(self, input_shape: Any) -> dict[int, Shape]:
        """The shape of every tensor of the graph for inputs of `input_shape` (by tensor id).

        Like Keras, a model takes inputs whose sizes differ from the declared
        ones where its layers allow it (a convolutional network on larger
        images); this symbolic pass finds any layer that does not, before any
        computation.  Training and inference run it once per call, not per batch.
        """
        several = isinstance(input_shape, list) and bool(input_shape)
        several = several and isinstance(input_shape[0], list | tuple)
        shapes = list(input_shape) if several else [input_shape]
        self._check_count(len(shapes))
        known: dict[int, Shape] = {}
        for i, (tensor, shape) in enumerate(zip(self.inputs, shapes, strict=True)):
            shape = tuple(shape)
            change = self._rank_change(i, shape)
            known[id(tensor)] = shape[:-1] if change < 0 else (*shape, 1) if change else shape
        for node in self._nodes:
            given = [known[id(t)] for t in node.inputs]
            arg = given[0] if node.single_input else given
            node.layer.check_input_shape(arg)
            out = node.layer.compute_output_shape(arg)
            outs = out if len(node.outputs) > 1 else [out]
            for tensor, shape in zip(node.outputs, outs, strict=True):
                known[id(tensor)] = tuple(shape)
        return known

    def check_input_shape(self, input_shape: Any) -> None:
        self._propagate(input_shape)

    def check_call_memory(self, input_shape: Any) -> None:
        self.check_batch_memory(input_shape, f"Model {self.name!r} called on {input_shape}")

    def check_batch_memory(self, input_shape: Any, what: str) -> None:
        """Refuse inputs of `input_shape` (batch included) whose layers' outputs cannot fit.

        Every output is alive at once in a training step (and in `forward`), so
        their sum is what must fit (see `upsample.runtime.memory`); the error names
        the largest output's layer and says how many samples would fit.
        """
        known = self._tensor_shapes(input_shape)
        outputs = []
        for node in self._nodes:
            for tensor in node.outputs:
                nbytes = memory.array_bytes(known[id(tensor)], tensor.dtype)
                if nbytes is not None:
                    outputs.append((node.layer, known[id(tensor)], nbytes))
        total = sum(nbytes for *_, nbytes in outputs)
        if not memory.exceeds_limit(total):
            return
        layer, shape, largest = max(outputs, key=lambda output: output[2])
        batch = max(shape[0] or 1, 1) if shape else 1
        fitting = (memory.memory_limit() or 0) // max(total // batch, 1)
        advice = (
            f"At most {fitting} samples per batch fit: pass a smaller batch_size."
            if fitting > 0
            else "Even one sample does not fit: the layers' arguments ask for too much."
        )
        raise memory.MemoryLimitError(
            f"{what}: the outputs of the layers of model {self.name!r} would need "
            f"{memory.format_bytes(total)}, more than {memory.limit_description()}. The "
            f"largest is that of {layer.describe()}, of shape {shape} "
            f"({memory.format_bytes(largest)}). {advice}",
            batch_size=fitting,
        )

    def activation_bytes_per_sample(self) -> int:
        """Bytes of every layer's outputs for one sample (0 if a size is unknown)."""
        total = 0
        for node in self._nodes:
            for tensor in node.outputs:
                dims = [d for d in tensor.shape[1:] if d is not None]
                if len(dims) < len(tensor.shape) - 1:
                    return 0
                total += math.prod(dims) * np.dtype(tensor.dtype).itemsize
        return total

    def forward(self, inputs: Any, training: bool = False) -> tuple[Any, Any]:
        """Run the nodes in order; each layer's floating inputs are cast to its `input_dtype`
        (so that a ``dtype="float16"`` layer computes in float16 in a float32 model)."""
        values: dict[int, Array] = {
            id(t): a for t, a in zip(self.inputs, self._input_list(inputs), strict=True)
        }
        caches = []
        for node in self._nodes:
            args = [autocast(values[id(t)], node.layer.input_dtype) for t in node.inputs]
            out, cache = node.layer.forward(args[0] if node.single_input else args, training)
            caches.append(cache)
            outs = out if len(node.outputs) > 1 else [out]
            for tensor, value in zip(node.outputs, outs, strict=True):
                values[id(tensor)] = value
        outputs = [values[id(t)] for t in self.outputs]
        # What backward needs to make the gradient of each value: its shape and dtype.
        kinds = {key: (value.shape, value.dtype) for key, value in values.items()}
        result = outputs[0] if len(outputs) == 1 else outputs
        return result, (caches, kinds)

    def backward(
        self, cache: Any, grad: Any, *, weights: bool = True, inputs: bool = True
    ) -> Gradients:
        caches, kinds = cache
        graph_inputs = {id(t) for t in self.inputs}
        grads: dict[int, Array] = {}

        def accumulate(tensor: KerasTensor, g: Array) -> None:
            # A gradient has the dtype of its value (the transpose of an autocast casts back).
            _accumulate(grads, id(tensor), g.astype(kinds[id(tensor)][1], copy=False))

        output_grads = grad if len(self.outputs) > 1 else [grad]
        for tensor, g in zip(self.outputs, output_grads, strict=True):
            if g is not None:
                accumulate(tensor, g)
        weight_grads: dict[int, Array] = {}
        for node, node_cache in zip(reversed(self._nodes), reversed(caches), strict=True):
            outs = [grads.pop(id(t), None) for t in node.outputs]
            if all(g is None for g in outs):
                continue  # this node does not reach any output that has a gradient
            outs = [
                np.zeros(*kinds[id(t)]) if g is None else g
                for g, t in zip(outs, node.outputs, strict=True)
            ]
            layer = node.layer
            want_weights = weights and bool(layer.trainable_weights)
            # Gradients of the model's own inputs are only computed when asked for.
            want_inputs = inputs or any(id(t) not in graph_inputs for t in node.inputs)
            result = layer.backward(
                node_cache,
                outs if len(outs) > 1 else outs[0],
                weights=want_weights,
                inputs=want_inputs,
            )
            if not want_inputs:
                continue_with: list[Any] = [None] * len(node.inputs)
            else:
                continue_with = [result.inputs] if node.single_input else list(result.inputs)
            if want_weights and result.weights is not None:
                for variable, g in zip(layer.trainable_weights, result.weights, strict=True):
                    _accumulate(weight_grads, id(variable), g)
            for tensor, g in zip(node.inputs, continue_with, strict=True):
                if g is not None:
                    accumulate(tensor, g)
        input_grads = [grads.get(id(t)) for t in self.inputs]
        ordered = [weight_grads.get(id(v)) for v in self.trainable_weights] if weights else None
        if ordered is not None:
            ordered = [
                np.zeros(v.shape, v.dtype) if g is None else g
                for g, v in zip(ordered, self.trainable_weights, strict=True)
            ]
        return Gradients(input_grads[0] if len(input_grads) == 1 else input_grads, ordered)

    def compute_output_shape(self, input_shape: Any) -> Any:
        shapes = self._propagate(input_shape)
        return shapes[0] if len(shapes) == 1 else shapes

    def build(self, input_shape: Any) -> None:
        self.built = True

    def get_config(self) -> dict[str, Any]:
        """Keras's functional config (see `upsample.saving.serialize`)."""
        config: dict[str, Any] = saving().serialize.functional_config(self)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> Functional:
        model: Functional = saving().deserialize.functional_from_config(config, custom_objects)
        return model


def _accumulate(store: dict[int, Array], key: int, value: Array) -> None:
    """Sum gradients reaching the same tensor or weight (fan-out and sharing)."""
    if key in store:
        store[key] = store[key] + value
    else:
        store[key] = value


def _starts_graph(node: Node, input_ids: set[int]) -> bool:
    """A node whose outputs are all declared inputs is not run: its outputs are given."""
    return all(id(t) in input_ids for t in node.outputs)
