"""`model.summary()`: Keras 3's table, drawn without `rich`.

Keras 3 renders a `rich` table: a column per field at fixed relative
positions, a heavy header, light lines between rows, long cells wrapped at
spaces (a word too long for its cell is cut with "…"), then the totals with
thousands separators and sizes in 1024-based units.  Column widths follow
rich's `ratio_reduce`, which takes the border characters out of the columns
as evenly as rounding allows.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np

from upsample.layers.input_layer import InputLayer
from upsample.layers.layer import Layer


def readable_memory_size(size: float) -> str:
    """Bytes in 1024-based units with two decimals, as Keras prints them."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _count(weights: list[Any]) -> tuple[int, float]:
    unique = {id(w): w for w in weights}.values()
    count = sum(int(np.prod(w.shape, dtype=np.int64)) for w in unique)
    size = sum(int(np.prod(w.shape, dtype=np.int64)) * np.dtype(w.dtype).itemsize for w in unique)
    return count, float(size)


def _ratio_reduce(excess: int, widths: list[int]) -> list[int]:
    """Remove `excess` characters from the columns, spread as evenly as rounding allows."""
    result, remaining, ratio = [], excess, len(widths)
    for width in widths:
        taken = min(width, round(remaining / ratio))
        result.append(width - taken)
        remaining -= taken
        ratio -= 1
    return result


def _wrap(text: str, width: int) -> list[str]:
    lines = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]
    return [line if len(line) <= width else line[: width - 1] + "…" for line in lines]


def _table(rows: list[list[str]], header: list[str], widths: list[int], right: set[int]) -> str:
    def border(left: str, fill: str, middle: str, end: str) -> str:
        return left + middle.join(fill * w for w in widths) + end

    def render(cells: list[str], bar: str) -> list[str]:
        wrapped = [_wrap(c, w - 2) for c, w in zip(cells, widths, strict=True)]
        height = max(len(w) for w in wrapped)
        lines = []
        for i in range(height):
            parts = []
            for column, (lines_of_cell, w) in enumerate(zip(wrapped, widths, strict=True)):
                text = lines_of_cell[i] if i < len(lines_of_cell) else ""
                parts.append(
                    " " + (text.rjust(w - 2) if column in right else text.ljust(w - 2)) + " "
                )
            lines.append(bar + bar.join(parts) + bar)
        return lines

    out = [border("┏", "━", "┳", "┓"), *render(header, "┃"), border("┡", "━", "╇", "┩")]
    for index, row in enumerate(rows):
        if index:
            out.append(border("├", "─", "┼", "┤"))
        out.extend(render(row, "│"))
    out.append(border("└", "─", "┴", "┘"))
    return "\n".join(out)


def _format_shape(shape: Any) -> str:
    if isinstance(shape, list):
        return ", ".join(_format_shape(s) for s in shape)
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _layer_rows(model: Any) -> tuple[list[Layer], bool]:
    """The layers to list and whether the model is sequential-like (no branching)."""
    # A functional model's calls; a Sequential (or subclassed) model lists a chain.
    nodes = getattr(model, "_nodes", None)
    if nodes is None:
        return list(model.layers), True
    sequential_like = all(len(node.inputs) == 1 for node in nodes)
    consumers: dict[int, int] = {}
    for node in nodes:
        for tensor in node.inputs:
            consumers[id(tensor)] = consumers.get(id(tensor), 0) + 1
    if any(count > 1 for count in consumers.values()):
        sequential_like = False
    if len({id(node.layer) for node in nodes}) != len(nodes):
        sequential_like = False
    return list(model.layers), sequential_like


def print_summary(
    model: Any,
    line_length: int | None = None,
    positions: Any = None,
    print_fn: Callable[[str], Any] | None = None,
    expand_nested: bool = False,
    show_trainable: bool = False,
    layer_range: Any = None,
) -> None:
    """Print (or pass to `print_fn`) the summary table of `model`."""
    if layer_range is not None:
        raise NotImplementedError("upsample's summary() does not support `layer_range`.")
    layers, sequential_like = _layer_rows(model)
    if sequential_like:
        default_length, positions = 88, positions or [0.45, 0.80, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #"]
    else:
        default_length, positions = 108, positions or [0.3, 0.56, 0.74, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
    line_length = line_length or min(default_length, shutil.get_terminal_size().columns - 4)
    if positions[-1] <= 1:
        positions = [int(p * line_length) for p in positions]
    widths, current = [], 0
    for position in positions:
        widths.append(position - current)
        current = position
    if min(widths) < 4:
        raise ValueError("Insufficient console width to print summary.")
    widths = _ratio_reduce(sum(widths) + len(widths) + 1 - line_length, widths)

    graph_nodes = {id(node) for node in getattr(model, "_nodes", [])}
    rows = []
    for layer in layers:
        rows.extend(
            _rows_for(layer, sequential_like, graph_nodes, expand_nested, show_trainable, 0)
        )

    trainable, trainable_size = _count(model.trainable_weights)
    frozen, frozen_size = _count(model.non_trainable_weights)
    optimizer = getattr(model, "optimizer", None)
    optimizer_built = bool(getattr(model, "compiled", False) and optimizer and optimizer.built)
    opt_count, opt_size = (
        _count(optimizer.variables) if optimizer is not None and optimizer_built else (0, 0.0)
    )
    right = {2}
    lines = [
        f'Model: "{model.name}"',
        _table(rows, header, widths, right),
        f" Total params: {trainable + frozen + opt_count:,} "
        f"({readable_memory_size(trainable_size + frozen_size + opt_size)})",
        f" Trainable params: {trainable:,} ({readable_memory_size(trainable_size)})",
        f" Non-trainable params: {frozen:,} ({readable_memory_size(frozen_size)})",
    ]
    if optimizer_built:
        lines.append(f" Optimizer params: {opt_count:,} ({readable_memory_size(opt_size)})")
    text = "\n".join(lines)
    (print_fn or print)(text)


def _rows_for(
    layer: Layer,
    sequential_like: bool,
    graph_nodes: set[int],
    expand_nested: bool,
    show_trainable: bool,
    level: int,
) -> list[list[str]]:
    prefix = "   " * level + "└ " if level else ""
    # The latest call is the one in the current graph (a Sequential rebuilds on `add`).
    outputs = layer._inbound_nodes[-1].outputs if layer._inbound_nodes else []
    if not outputs:
        shape = "?"
    elif len(outputs) == 1:
        shape = _format_shape(outputs[0].shape)
    else:
        shape = _format_shape([t.shape for t in outputs])
    params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
    row = [f"{prefix}{layer.name} ({type(layer).__name__})", shape, params]
    if not sequential_like:
        row.append(_connections(layer, graph_nodes))
    if show_trainable:
        row.append(("Y" if layer.trainable else "N") if layer.weights else "-")
    rows = [row]
    if expand_nested and getattr(layer, "layers", None):
        for inner in layer.layers:  # type: ignore[attr-defined]
            rows.extend(
                _rows_for(inner, sequential_like, graph_nodes, True, show_trainable, level + 1)
            )
    return rows


def _connections(layer: Layer, graph_nodes: set[int]) -> str:
    if isinstance(layer, InputLayer):
        return "-"
    parts = []
    for node in layer._inbound_nodes:
        if graph_nodes and id(node) not in graph_nodes:
            continue
        for tensor in node.inputs:
            source = tensor.node
            assert source is not None
            node_index = source.layer._inbound_nodes.index(source)
            parts.append(f"{source.layer.name}[{node_index}][{tensor.index}]")
    return ", ".join(parts) or "-"
