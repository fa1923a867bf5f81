"""`Input` and `InputLayer`: where a functional model's graph starts."""

from __future__ import annotations

from typing import Any

from upsample.layers.keras_tensor import KerasTensor, Node
from upsample.layers.layer import Layer, standardize_shape


class InputLayer(Layer):
    """Holds the symbolic input of a model: shape ``(batch_size, *shape)``."""

    samples_independent = True

    def __init__(
        self,
        shape: Any = None,
        batch_size: int | None = None,
        dtype: Any = None,
        sparse: bool | None = None,
        batch_shape: Any = None,
        name: str | None = None,
        input_tensor: Any = None,
        optional: bool = False,
        **kwargs: Any,
    ) -> None:
        # Keras's auto name for an InputLayer is "input_layer", like the class.
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise NotImplementedError("upsample does not support sparse inputs (sparse=True).")
        if input_tensor is not None:
            raise NotImplementedError("upsample does not support `input_tensor`.")
        if shape is not None and batch_shape is not None:
            raise ValueError(
                "You cannot pass both `shape` and `batch_shape` at the same time. Received: "
                f"shape={shape!r}, batch_shape={batch_shape!r}"
            )
        if batch_shape is None:
            if shape is None:
                raise ValueError("You must pass a `shape` argument to Input (or InputLayer).")
            batch_shape = (batch_size, *standardize_shape(shape, "shape"))
        self.batch_shape = standardize_shape(batch_shape, "batch_shape")
        self.optional = optional
        self.built = True
        node = Node(self, [], single_input=True)
        self.output_tensor = KerasTensor(self.batch_shape, self.dtype, name=self.name, node=node)
        node.outputs = [self.output_tensor]
        self._inbound_nodes.append(node)

    def forward(self, inputs: Any, training: bool = False) -> tuple[Any, Any]:
        return inputs, None

    def get_config(self) -> dict[str, Any]:
        return {
            "batch_shape": tuple(self.batch_shape),
            "dtype": self.dtype,
            "sparse": False,
            "ragged": False,
            "name": self.name,
            "optional": self.optional,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> InputLayer:
        config = dict(config)
        for key in ("sparse", "ragged"):
            if config.pop(key, False):
                raise NotImplementedError(f"upsample does not support {key} inputs.")
        return cls(**config)


def Input(
    shape: Any = None,
    batch_size: int | None = None,
    dtype: Any = None,
    sparse: bool | None = None,
    batch_shape: Any = None,
    name: str | None = None,
    tensor: Any = None,
    optional: bool = False,
) -> KerasTensor:
    """A symbolic input of shape ``(batch_size, *shape)`` for the functional API."""
    layer = InputLayer(
        shape=shape,
        batch_size=batch_size,
        dtype=dtype,
        sparse=sparse,
        batch_shape=batch_shape,
        name=name,
        input_tensor=tensor,
        optional=optional,
    )
    return layer.output_tensor
