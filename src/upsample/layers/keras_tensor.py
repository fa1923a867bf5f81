"""Symbolic tensors and nodes: how the functional API records a graph.

Calling a layer on a `KerasTensor` (e.g. the result of `Input(shape=...)`) does
no arithmetic: it checks shapes, builds the layer and records a `Node` that links
the layer to its input and output tensors.  `Model(inputs, outputs)` then walks
these nodes back from the outputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from upsample.layers.layer import Layer

Shape = tuple[int | None, ...]


class KerasTensor:
    """A placeholder with a shape (batch dimension None) and the node that produced it."""

    def __init__(
        self,
        shape: Sequence[int | None],
        dtype: str = "float32",
        *,
        name: str | None = None,
        node: Node | None = None,
        index: int = 0,
    ) -> None:
        self.shape: Shape = tuple(shape)
        self.dtype = dtype
        self.name = name
        self.node = node
        self.index = index

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"


@dataclass(eq=False)
class Node:
    """One call of `layer` on symbolic `inputs`, producing `outputs`.

    `single_input` records whether the layer was called on one tensor or on a
    list, so that the same structure is rebuilt when the graph runs.
    """

    layer: Layer
    inputs: list[KerasTensor]
    outputs: list[KerasTensor] = field(default_factory=list)
    single_input: bool = True
    call_kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def parents(self) -> list[Node]:
        return [t.node for t in self.inputs if t.node is not None]


def flatten(structure: Any) -> list[Any]:
    """Tensors of a tensor or a (nested) list/tuple of tensors, in order."""
    if isinstance(structure, list | tuple):
        return [item for element in structure for item in flatten(element)]
    return [structure]


def is_symbolic(structure: Any) -> bool:
    return any(isinstance(t, KerasTensor) for t in flatten(structure))
