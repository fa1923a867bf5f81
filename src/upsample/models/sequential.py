"""`Sequential`: a plain stack of layers, each with one input and one output.

Like Keras, it builds a functional graph as soon as its input shape is known:
from an `Input` added first, from `input_shape=`/`input_dim=` on the first
layer, from `build(input_shape)`, or from the first batch of data it sees.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from upsample.layers.input_layer import InputLayer
from upsample.layers.keras_tensor import KerasTensor
from upsample.layers.layer import Gradients, Layer
from upsample.models.functional import Functional
from upsample.models.model import Model
from upsample.models.saving_hook import saving


class Sequential(Model):
    """A linear stack of layers."""

    def __init__(
        self, layers: list[Layer] | None = None, trainable: bool = True, name: str | None = None
    ) -> None:
        super().__init__(name=name, trainable=trainable)
        self._stack: list[Layer] = []
        self._functional: Functional | None = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    # ----------------------------------------------------------------------- the stack

    def add(self, layer: Layer | KerasTensor, rebuild: bool = True) -> None:
        """Append a layer (or an `Input`, which must come first)."""
        if isinstance(layer, KerasTensor):
            assert layer.node is not None
            layer = layer.node.layer
        if not isinstance(layer, Layer):
            raise ValueError(
                "Only instances of `upsample.layers.Layer` can be added to a Sequential model. "
                f"Received: {layer!r} (of type {type(layer).__name__})"
            )
        if isinstance(layer, InputLayer) and self._stack:
            raise ValueError(
                f"Sequential model {self.name!r} already has layers; an Input must come first."
            )
        if layer.name in {existing.name for existing in self._stack}:
            raise ValueError(
                "All layers added to a Sequential model should have unique names. Name "
                f"{layer.name!r} is already the name of a layer in this model."
            )
        self._stack.append(layer)
        if rebuild:
            self._maybe_rebuild()
        else:
            self._functional = None
            self.built = False

    def pop(self, rebuild: bool = True) -> Layer:
        """Remove and return the last layer."""
        if not self.layers:
            raise TypeError("There are no layers in the model.")
        layer = self._stack.pop()
        self._functional = None
        self.built = False
        if rebuild:
            self._maybe_rebuild()
        return layer

    @property
    def layers(self) -> list[Layer]:
        """The layers, without the input layer (as in Keras)."""
        return [layer for layer in self._stack if not isinstance(layer, InputLayer)]

    def _sublayers(self) -> list[Layer]:
        return self.layers

    def _input_layer(self) -> InputLayer | None:
        if self._stack and isinstance(self._stack[0], InputLayer):
            return self._stack[0]
        return None

    # ----------------------------------------------------------------------- building

    def _maybe_rebuild(self) -> None:
        self._functional = None
        self.built = False
        if self._input_layer() is None and self.layers:
            first = self.layers[0]
            if first._input_shape_arg is not None:
                self._stack.insert(0, InputLayer(shape=first._input_shape_arg))
            elif len(self.layers) > 1 and isinstance(_built_input_shape(first), tuple):
                # As Keras: a first layer with an input shape (a built model) sets the input.
                self._stack.insert(0, InputLayer(batch_shape=_built_input_shape(first)))
        input_layer = self._input_layer()
        if input_layer is not None and self.layers:
            self._build_graph(input_layer)

    def _build_graph(self, input_layer: InputLayer) -> None:
        tensor: Any = input_layer.output_tensor
        for layer in self.layers:
            tensor = layer(tensor)
            if isinstance(tensor, list):
                raise ValueError(
                    f"All layers in a Sequential model should have a single output tensor; "
                    f"layer {layer.name!r} returned {len(tensor)}."
                )
        self._functional = Functional(input_layer.output_tensor, tensor, name=self.name)
        self.built = True
        self._build_shape = input_layer.batch_shape

    def build(self, input_shape: Any = None) -> None:
        """Build the graph for inputs of `input_shape` (the batch dimension may be None)."""
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument to build().")
        input_shape = tuple(input_shape)
        input_layer = self._input_layer()
        if input_layer is not None:
            if input_layer.batch_shape != input_shape:
                raise ValueError(
                    f"Sequential model '{self.name}' has already been configured to use input "
                    f"shape {input_layer.batch_shape}. You cannot build it with input_shape "
                    f"{input_shape}"
                )
            if self._functional is not None:
                return
        if not self.layers:
            raise ValueError(
                f"Sequential model {self.name} cannot be built because it has no layers. "
                "Call `model.add(layer)`."
            )
        if input_layer is None:
            # As Keras: the input takes the first layer's dtype.
            input_layer = InputLayer(batch_shape=input_shape, dtype=self.layers[0].compute_dtype)
            self._stack.insert(0, input_layer)
        self._build_graph(input_layer)

    def _ensure_graph_built(self, xs: list[Any] | None = None) -> None:
        """Build from data as Keras does: the input takes the shape of the first batch, `xs`."""
        if self._functional is not None:
            return
        if xs is None:
            raise ValueError(
                f"Sequential model {self.name!r} has not yet been built. Build it first by "
                "calling `build(input_shape)` or by calling it on a batch of data."
            )
        if len(xs) != 1:
            raise ValueError(f"A Sequential model takes one input; received {len(xs)}.")
        self.build(np.shape(xs[0]))

    def _graph_ready(self) -> bool:
        return self._functional is not None

    def _graph(self) -> Functional:
        if self._functional is None:
            raise ValueError(
                f"Sequential model {self.name!r} has not yet been built. Build it first by "
                "calling `build(input_shape)` or by calling it on a batch of data."
            )
        return self._functional

    def _built_graph(self, what: str) -> Functional:
        # AttributeError, as Keras: `hasattr(model, "inputs")` tells whether it is built.
        if self._functional is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined {what} yet.")
        return self._functional

    # ----------------------------------------------------------------------- running

    @property
    def inputs(self) -> list[KerasTensor]:
        return self._built_graph("inputs").inputs

    @property
    def outputs(self) -> list[KerasTensor]:
        return self._built_graph("outputs").outputs

    @property
    def input_shape(self) -> tuple[int | None, ...]:
        return self._built_graph("input shape").inputs[0].shape

    @property
    def output_shape(self) -> tuple[int | None, ...]:
        return self._built_graph("output shape").outputs[0].shape

    def forward(self, inputs: Any, training: bool = False) -> tuple[Any, Any]:
        self._ensure_graph_built([inputs])
        return self._graph().forward(inputs, training)

    def backward(
        self, cache: Any, grad: Any, *, weights: bool = True, inputs: bool = True
    ) -> Gradients:
        # The graph lists weight gradients in its layers' order, which is ours.
        return self._graph().backward(cache, grad, weights=weights, inputs=inputs)

    def __call__(self, inputs: Any, training: bool | None = None, **kwargs: Any) -> Any:
        if not isinstance(inputs, KerasTensor):
            self._ensure_graph_built([inputs])
        return super().__call__(inputs, training=training, **kwargs)

    def check_input_shape(self, input_shape: Any) -> None:
        self._graph().check_input_shape(input_shape)

    def activation_bytes_per_sample(self) -> int:
        return self._graph().activation_bytes_per_sample()

    def check_call_memory(self, input_shape: Any) -> None:
        self._graph().check_call_memory(input_shape)

    def check_batch_memory(self, input_shape: Any, what: str) -> None:
        self._graph().check_batch_memory(input_shape, what)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return self._graph().compute_output_shape(input_shape)

    def get_config(self) -> dict[str, Any]:
        """Keras's Sequential config (see `upsample.saving.serialize`)."""
        config: dict[str, Any] = saving().serialize.sequential_config(self)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> Sequential:
        model: Sequential = saving().deserialize.sequential_from_config(
            config, custom_objects, cls=cls
        )
        return model


def _built_input_shape(layer: Layer) -> Any:
    """`layer.input_shape` when it has one (a built model), else None."""
    try:
        return getattr(layer, "input_shape", None)
    except (AttributeError, ValueError):
        return None
