"""A model's forward and backward pass for one input shape, planned once: `Plan`.

Planning walks the graph once: it numbers the tensors (slots of a list, not
dictionary keys), computes every output shape, and binds each convolution's
three maps to the route its shapes take (`ops.convolution.routes.bind_*`), so
that a step runs the kernels with no argument checks, no shape arithmetic and
no route choice.  Bias and activation run in the pass that produces the map's
output, in place, and their gradients in the backward pass before the map's
own; a layer the planner does not know runs its own `forward` and `backward`.

A step computes exactly what the unplanned one does (the same operations in the
same order), bit for bit: `upsample.config.set_planned_steps(False)` runs the
unplanned path, and the tests compare the two.

The unplanned pass is the same walk over the graph with every node running its
layer's own methods (`Plan(graph)` without a shape): `Functional.forward` builds
one per call.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from upsample import runtime
from upsample.layers.affine import AffineLayer
from upsample.layers.convolutional import Conv, ConvTranspose
from upsample.layers.keras_tensor import Shape
from upsample.layers.layer import Array, Gradients, Layer, autocast
from upsample.ops import activations as activation_ops
from upsample.ops.convolution import routes
from upsample.ops.convolution.gather import NEW, Output
from upsample.ops.linear import add_bias, bias_grad
from upsample.ops.shapes import conv_geometry, conv_transpose_geometry
from upsample.runtime import tuning

# --------------------------------------------------------------------------- steps


class LayerStep:
    """A layer the planner does not know: its own `forward` and `backward`."""

    def __init__(self, layer: Layer) -> None:
        self.layer = layer
        self.forward = layer.forward
        self.backward = layer.backward

    def describe(self) -> tuple[list[str], list[str]]:
        """The kernel calls of the forward and of the backward pass, one line each."""
        kind = type(self.layer).__name__
        return [f"{kind}.forward"], [f"{kind}.backward"]


class ConvStep:
    """A channels-last `Conv` (one group) or `ConvTranspose`: its maps bound to their routes.

    Forward: the map, the bias added in place, the activation (in place where it can
    be); backward: the activation's gradient, then the map's two gradients and the
    bias's.  The cache is `AffineLayer`'s, ``(inputs, z or None, y)``.
    """

    def __init__(self, layer: Conv | ConvTranspose, input_shape: Shape, dtype: np.dtype) -> None:
        self.layer = layer
        self.dtype = dtype
        batch, spatial = input_shape[0], tuple(input_shape[1:-1])
        assert batch is not None and None not in spatial
        self.transposed = isinstance(layer, ConvTranspose)
        geometry = (
            functools.partial(conv_transpose_geometry, output_padding=layer.output_padding)
            if isinstance(layer, ConvTranspose)
            else conv_geometry
        )
        geo = geometry(
            spatial,  # type: ignore[arg-type]
            kernel_size=layer.kernel_size,
            strides=layer.strides,
            padding=layer.padding,
            dilation=layer.dilation_rate,
        )
        a, b = layer.kernel.shape[-2:]
        bound = (batch, a, b, dtype.itemsize)
        forward, adjoint = routes.bind_forward(geo, *bound), routes.bind_adjoint(geo, *bound)
        # The map of the forward pass and the one of the input gradient, with their shapes.
        self.maps = (adjoint, forward) if self.transposed else (forward, adjoint)
        self.kernel_map = routes.bind_kernel_grad(geo, *bound)
        wide, narrow = (batch, *geo.wide, a), (batch, *geo.narrow, b)
        self.shapes = (narrow, wide) if self.transposed else (wide, narrow)
        # relu and linear run in the map's pass; other activations after it.
        self.fused = layer.activation.name in ("relu", "linear")
        # Whether only convolution steps of this plan read the output (`Plan`): then it
        # lives in a buffer of the step's own, reused every step, and the backward pass
        # overwrites it with the activation's gradient once nothing else needs it.
        self.private = False
        self._output: Array | None = None

    def forward(self, inputs: Any, training: bool = False) -> tuple[Array, Any]:
        layer = self.layer
        x = np.ascontiguousarray(inputs, self.dtype)
        bias = layer.bias.value if layer.use_bias else None
        relu = self.fused and layer.activation.name == "relu"
        zero = self.dtype.type(0)

        def epilogue(chunk: Array) -> None:
            # What `add_bias` and `AffineLayer.activate` do, on a chunk while it is in cache.
            if bias is not None:
                add_bias(chunk, bias)
            if relu:
                np.maximum(chunk, zero, out=chunk)

        if self.private and self._output is None:
            self._output = np.empty(self.shapes[1], self.dtype)
            runtime.buffers.own_step_buffer(self)
        output = Output(self._output, epilogue if bias is not None or relu else None)
        z = self.maps[0].run(x, layer.kernel.value, output)
        return (z, (x, None, z)) if self.fused else layer.activate(x, z)

    def release_buffer(self) -> None:
        """Drop the output buffer (`upsample.config.release_buffers`); the next step makes one."""
        self._output = None

    def backward(
        self, cache: Any, grad: Any, *, weights: bool = True, inputs: bool = True
    ) -> Gradients:
        layer = self.layer
        if self.private and layer.activation.name == "relu":
            g = activation_ops.relu_vjp(grad, None, cache[2], out=cache[2])
        else:
            g = np.ascontiguousarray(layer.activation_grad(cache, grad))
        x, w = cache[0], layer.kernel.value
        dx = self.maps[1].run(g, w, NEW) if inputs else None
        dw = db = None
        if weights:
            # The kernel gradient reads the wide side first: the output of a transposed one.
            wide, narrow = (g, x) if self.transposed else (x, g)
            dw = self.kernel_map.run(wide, narrow, NEW)
            db = bias_grad(g) if layer.use_bias else None
        return layer.weight_gradients(dx, dw, db, weights=weights)

    def describe(self) -> tuple[list[str], list[str]]:
        activation, bias = self.layer.activation.name, self.layer.use_bias
        fused = [*(["bias"] if bias else []), *(["relu"] if activation == "relu" else [])]
        epilogue = f" + {' + '.join(fused)} (fused)" if fused else ""
        epilogue += "" if self.fused else f" + {activation}"
        (source, target), (first, second) = self.shapes, self.maps
        kinds = ("adjoint", "forward") if self.transposed else ("forward", "adjoint")
        forward = [f"{kinds[0]} map {source} -> {target} [{_route(first)}]{epilogue}"]
        backward = [f"{activation} gradient"] if activation != "linear" else []
        backward.append(f"{kinds[1]} map {target} -> {source} [{_route(second)}]")
        backward.append(
            f"kernel gradient {self.layer.kernel.shape} [{_route(self.kernel_map)}]"
            + (" + bias gradient" if bias else "")
        )
        return forward, backward


def _route(bound: routes.Bound) -> str:
    return bound.route + (", threads" if bound.threads else "")


def _plans_conv(layer: Layer) -> bool:
    """Whether `ConvStep` computes exactly what `layer`'s own methods do."""
    cls: Any = type(layer)
    if cls.forward is not AffineLayer.forward or cls.backward is not AffineLayer.backward:
        return False
    if isinstance(layer, ConvTranspose):
        own = cls._affine is ConvTranspose._affine and cls._affine_vjp is ConvTranspose._affine_vjp
        return own and layer.data_format == "channels_last"
    if isinstance(layer, Conv):
        own = cls._affine is Conv._affine and cls._affine_vjp is Conv._affine_vjp
        return own and layer.groups == 1 and layer.data_format == "channels_last"
    return False


def _step(layer: Layer, input_shape: Any, input_dtype: str) -> LayerStep | ConvStep:
    """The planned step for one call of `layer` on inputs of `input_shape` (None: unplanned)."""
    if input_shape is not None and _plans_conv(layer):
        assert isinstance(layer, Conv | ConvTranspose)
        dtype = np.dtype(layer.kernel.dtype)
        known = all(isinstance(n, int) for n in input_shape)
        if known and np.result_type(input_dtype, dtype) == dtype:
            return ConvStep(layer, input_shape, dtype)
    return LayerStep(layer)


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class _Node:
    step: LayerStep | ConvStep
    inputs: tuple[int, ...]  # slots
    outputs: tuple[int, ...]
    single_input: bool
    cast: str | None  # the layer's `input_dtype`: floating inputs are cast to it
    weights: tuple[int, ...]  # positions of the layer's trainable weights in the model's
    feeds_node: bool  # whether some input comes from another node (its gradient is needed)


class Plan:
    """The forward and backward pass of a graph model, for one input shape (or any: None).

    `forward(inputs, training)` and `backward(cache, grad, weights=, inputs=)` take
    and return what `Model.forward` and `Model.backward` do.  ``str(plan)`` lists
    the kernel calls in order, forward then backward, with shapes and routes.
    """

    def __init__(self, graph: Any, input_shapes: Sequence[Shape] | None = None) -> None:
        self.graph = graph
        self.input_shapes = None if input_shapes is None else [tuple(s) for s in input_shapes]
        slots: dict[int, int] = {}
        shapes: list[Any] = []
        for i, tensor in enumerate(graph.inputs):
            slots[id(tensor)] = len(shapes)
            shapes.append(None if input_shapes is None else _ranked(graph, i, input_shapes[i]))
        self._inputs = tuple(range(len(shapes)))
        trainable = graph.trainable_weights
        self.trainable = tuple(id(v) for v in trainable)
        position = {id(v): i for i, v in enumerate(trainable)}
        self._nodes: list[_Node] = []
        self.lines: list[tuple[str, str, tuple[list[str], list[str]]]] = []
        for node in graph._nodes:
            ins = tuple(slots[id(t)] for t in node.inputs)
            given = [shapes[s] for s in ins]
            arg = given[0] if node.single_input else given
            layer = node.layer
            cast = layer.input_dtype
            step = _step(layer, arg if node.single_input else None, cast or node.inputs[0].dtype)
            out_shapes = (
                [None] * len(node.outputs) if arg is None or None in given else _out(layer, arg)
            )
            outs = []
            for tensor, shape in zip(node.outputs, out_shapes, strict=True):
                slots[id(tensor)] = len(shapes)
                outs.append(len(shapes))
                shapes.append(shape)
            self._nodes.append(
                _Node(
                    step,
                    ins,
                    tuple(outs),
                    node.single_input,
                    cast,
                    tuple(position[id(v)] for v in layer.trainable_weights),
                    any(s not in self._inputs for s in ins),
                )
            )
            shapes_known = isinstance(step, LayerStep) and arg is not None
            shown = f"  {arg} -> {out_shapes[0] if len(out_shapes) == 1 else out_shapes}"
            self.lines.append((layer.name, shown if shapes_known else "", step.describe()))
        self._slots = len(shapes)
        self._outputs = tuple(slots[id(t)] for t in graph.outputs)
        readers: dict[int, list[Any]] = {}
        for node in self._nodes:
            for slot in node.inputs:
                readers.setdefault(slot, []).append(node.step)
        for node in self._nodes:
            slot, step = node.outputs[0], node.step
            if isinstance(step, ConvStep) and slot not in self._outputs:
                step.private = all(isinstance(r, ConvStep) for r in readers.get(slot, []))

    def forward(self, inputs: Any, training: bool = False) -> tuple[Any, Any]:
        values: list[Any] = [None] * self._slots
        for slot, array in zip(self._inputs, self.graph._input_list(inputs), strict=True):
            values[slot] = array
        caches = []
        for node in self._nodes:
            args = [autocast(values[s], node.cast) for s in node.inputs]
            out, cache = node.step.forward(args[0] if node.single_input else args, training)
            caches.append(cache)
            if len(node.outputs) == 1:
                values[node.outputs[0]] = out
            else:
                for slot, value in zip(node.outputs, out, strict=True):
                    values[slot] = value
        outputs = [values[s] for s in self._outputs]
        # What backward needs to make the gradient of each value: its shape and dtype.
        kinds = [None if v is None else (v.shape, v.dtype) for v in values]
        return (outputs[0] if len(outputs) == 1 else outputs), (self, caches, kinds)

    def backward(
        self, cache: Any, grad: Any, *, weights: bool = True, inputs: bool = True
    ) -> Gradients:
        """Sums the gradients of a tensor used by several nodes (fan-out), and of a
        layer's weights when the layer is called several times (sharing)."""
        _, caches, kinds = cache
        grads: list[Any] = [None] * self._slots

        def accumulate(slot: int, g: Array) -> None:
            # A gradient has the dtype of its value (the transpose of an autocast casts back).
            g = g.astype(kinds[slot][1], copy=False)
            grads[slot] = g if grads[slot] is None else grads[slot] + g

        for slot, g in zip(self._outputs, grad if len(self._outputs) > 1 else [grad], strict=True):
            if g is not None:
                accumulate(slot, g)
        weight_grads: list[Any] = [None] * len(self.trainable)
        for node, node_cache in zip(reversed(self._nodes), reversed(caches), strict=True):
            outs = [grads[s] for s in node.outputs]
            if all(g is None for g in outs):
                continue  # this node does not reach any output that has a gradient
            for slot in node.outputs:
                grads[slot] = None
            outs = [
                np.zeros(*kinds[s]) if g is None else g
                for g, s in zip(outs, node.outputs, strict=True)
            ]
            want_weights = weights and bool(node.weights)
            # Gradients of the model's own inputs are only computed when asked for.
            want_inputs = inputs or node.feeds_node
            result = node.step.backward(
                node_cache,
                outs if len(outs) > 1 else outs[0],
                weights=want_weights,
                inputs=want_inputs,
            )
            if want_weights and result.weights is not None:
                for position, g in zip(node.weights, result.weights, strict=True):
                    current = weight_grads[position]
                    weight_grads[position] = g if current is None else current + g
            if want_inputs:
                continue_with = [result.inputs] if node.single_input else list(result.inputs)
                for slot, g in zip(node.inputs, continue_with, strict=True):
                    if g is not None:
                        accumulate(slot, g)
        input_grads = [grads[s] for s in self._inputs]
        ordered = None
        if weights:
            variables = self.graph.trainable_weights
            ordered = [
                np.zeros(v.shape, v.dtype) if g is None else g
                for g, v in zip(weight_grads, variables, strict=True)
            ]
        return Gradients(input_grads[0] if len(input_grads) == 1 else input_grads, ordered)

    def __str__(self) -> str:
        shape = (
            self.input_shapes[0]
            if self.input_shapes and len(self.input_shapes) == 1
            else self.input_shapes
        )
        head = f"Plan of {self.graph.name!r} for inputs {shape}"
        forward = [
            f"  {i:>2} {name}: {line}{shapes}"
            for i, (name, shapes, (lines, _)) in enumerate(self.lines)
            for line in lines
        ]
        backward = [
            f"  {i:>2} {name}: {line}"
            for i, (name, _, (_, lines)) in reversed(list(enumerate(self.lines)))
            for line in lines
        ]
        return "\n".join([head, "forward:", *forward, "backward:", *backward])


def _ranked(graph: Any, index: int, shape: Shape) -> Shape:
    """Input `index` of `shape` as the graph adjusts it (`Functional._rank_change`)."""
    shape = tuple(shape)
    change = graph._rank_change(index, shape)
    return shape[:-1] if change < 0 else (*shape, 1) if change else shape


def _out(layer: Layer, arg: Any) -> list[Any]:
    out = layer.compute_output_shape(arg)
    return list(out) if isinstance(out, list) else [out]


# --------------------------------------------------------------------------- the cache


_lock = threading.Lock()


def plan_for(model: Any, input_shapes: Sequence[Shape], *, always: bool = False) -> Any:
    """The model's plan for inputs of these shapes, made on first use and kept (at most
    `tuning.PLANS_KEPT` per model, the least recently used dropped); the model itself
    when it is no graph, or when steps are not planned (unless `always`)."""
    graph = model._planned_graph()
    if graph is None or not (always or runtime.planned_steps()):
        return model
    # A plan's buffers serve one thread: the pieces of a batch each run on their own.
    key = (tuple(tuple(s) for s in input_shapes), threading.get_ident())
    trainable = tuple(id(v) for v in graph.trainable_weights)
    with _lock:
        plans: OrderedDict[Any, Plan] = model.__dict__.setdefault("_plans", OrderedDict())
        plan = plans.get(key)
        if plan is not None and plan.graph is graph and plan.trainable == trainable:
            plans.move_to_end(key)
            return plan
        plan = plans[key] = Plan(graph, input_shapes)
        while len(plans) > tuning.PLANS_KEPT:
            plans.popitem(last=False)
        return plan


def forget_plans(model: Any) -> None:
    """Drop the model's plans (recompiling re-plans)."""
    model.__dict__.pop("_plans", None)
