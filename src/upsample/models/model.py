"""`Model`: a layer that holds layers, with Keras's training, summary and saving API.

``Model(inputs, outputs)`` returns a functional model (as in Keras); subclasses
(`Sequential`, `Functional`) define the graph.
"""

from __future__ import annotations

from typing import Any, ClassVar

from upsample.layers.layer import Layer
from upsample.models.saving_hook import saving
from upsample.models.summary import print_summary
from upsample.models.trainer import Trainer


class Model(Layer, Trainer):
    """Groups layers into an object with training and inference features."""

    # What ``Model(inputs, outputs)`` makes: `Functional`, which is a subclass, so this
    # module cannot import it; it names itself with ``class Functional(Model, graph=True)``.
    _graph_class: ClassVar[type[Model] | None] = None

    def __init_subclass__(cls, *, graph: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if graph:
            Model._graph_class = cls

    def __new__(cls, *args: Any, **kwargs: Any) -> Model:
        if cls is Model and (len(args) >= 2 or "inputs" in kwargs):
            assert Model._graph_class is not None  # `upsample.models` imports functional.py
            # Python then runs Functional.__init__ with the same arguments.
            return super().__new__(Model._graph_class)
        return super().__new__(cls)

    def __init__(self, *, name: str | None = None, trainable: bool = True, **kwargs: Any) -> None:
        Layer.__init__(self, name=name, trainable=trainable, **kwargs)

    @property
    def layers(self) -> list[Layer]:
        return []

    @property
    def input_dtype(self) -> str | None:
        """None: each input takes its `Input`'s dtype instead (Keras's `Functional`)."""
        return None

    @property
    def samples_independent(self) -> bool:  # type: ignore[override]  # read from the layers
        """Whether every layer says its samples are independent (no layers: it cannot say)."""
        layers = self.layers
        return bool(layers) and all(layer.samples_independent for layer in layers)

    def activation_bytes_per_sample(self) -> int:
        """Bytes of every layer's outputs for one sample; 0: unknown (graph models know it)."""
        return 0

    def check_batch_memory(self, input_shape: Any, what: str) -> None:
        """Refuse a batch of `input_shape` whose layers' outputs cannot fit in memory (graph
        models know them; `what` starts the message)."""

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """The layer called `name`, or at position `index` of `layers` (as Keras)."""
        if index is not None and name is not None:
            raise ValueError(
                f"Provide only a layer name or a layer index. Received: index={index}, name={name}."
            )
        layers = self.layers
        if index is not None:
            if len(layers) <= index:
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only has "
                    f"{len(layers)} layers."
                )
            return layers[index]
        if name is None:
            raise ValueError("Provide either a layer name or layer index at `get_layer`.")
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"No such layer: {name}. Existing layers are: {[layer.name for layer in layers]}."
        )

    @property
    def output_names(self) -> list[str]:
        outputs = getattr(self, "outputs", None) or []
        return [t.node.layer.name if t.node is not None else t.name for t in outputs]

    @property
    def output_shapes(self) -> list[tuple[int | None, ...]]:
        return [t.shape for t in getattr(self, "outputs", None) or []]

    def summary(
        self,
        line_length: int | None = None,
        positions: Any = None,
        print_fn: Any = None,
        expand_nested: bool = False,
        show_trainable: bool = False,
        layer_range: Any = None,
    ) -> None:
        """Print Keras 3's table: layer (type), output shape, param #, and the totals."""
        print_summary(
            self,
            line_length=line_length,
            positions=positions,
            print_fn=print_fn,
            expand_nested=expand_nested,
            show_trainable=show_trainable,
            layer_range=layer_range,
        )

    def save(self, filepath: Any, overwrite: bool = True, zipped: bool | None = None) -> None:
        """Write a `.keras` file (Keras 3's format) atomically."""
        saving().save_model(self, filepath, overwrite=overwrite)

    def save_weights(self, filepath: Any, overwrite: bool = True) -> None:
        """Write the weights to a `.weights.h5` file (Keras 3's layout) atomically."""
        saving().save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath: Any, skip_mismatch: bool = False) -> None:
        saving().load_weights(self, filepath, skip_mismatch=skip_mismatch)
