"""Transposed-convolution geometries the analysis tests run over."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np

from upsample.ops.shapes import conv_transpose_output_length


def one_axis() -> Iterator[dict[str, Any]]:
    """Every small 1-D geometry with a non-empty output: input, kernel, stride, dilation,
    padding and output_padding (None or each allowed value)."""
    for n, k, s, d, padding in itertools.product(
        range(1, 5), range(1, 6), range(1, 4), range(1, 3), ("valid", "same")
    ):
        for op in (None, *range(s)):
            arguments = dict(
                kernel_size=k, stride=s, padding=padding, output_padding=op, dilation=d
            )
            try:
                conv_transpose_output_length(n, **arguments)  # type: ignore[arg-type]
            except ValueError:
                continue  # an empty output: the measures refuse it too (tested apart)
            yield {
                "input_shape": (n,),
                "kernel_size": (k,),
                "strides": (s,),
                "padding": padding,
                "output_padding": None if op is None else (op,),
                "dilation_rate": (d,),
            }


def several_axes(rng: np.random.Generator, count: int) -> Iterator[dict[str, Any]]:
    """Random 2-D and 3-D geometries (a dilation > 1 only where the stride is 1, as Keras)."""
    found = 0
    while found < count:
        rank = int(rng.integers(2, 4))
        strides = tuple(int(s) for s in rng.integers(1, 4, rank))
        op = None if rng.random() < 0.5 else tuple(int(rng.integers(0, s)) for s in strides)
        geometry = {
            "input_shape": tuple(int(n) for n in rng.integers(2, 6, rank)),
            "kernel_size": tuple(int(k) for k in rng.integers(1, 6, rank)),
            "strides": strides,
            "padding": str(rng.choice(["valid", "same"])),
            "output_padding": op,
            "dilation_rate": tuple(1 if s > 1 else int(rng.integers(1, 3)) for s in strides),
        }
        if all(_non_empty(geometry, axis) for axis in range(rank)):
            found += 1
            yield geometry


def _non_empty(geometry: dict[str, Any], axis: int) -> bool:
    op = geometry["output_padding"]
    try:
        conv_transpose_output_length(
            geometry["input_shape"][axis],
            kernel_size=geometry["kernel_size"][axis],
            stride=geometry["strides"][axis],
            padding=geometry["padding"],
            output_padding=None if op is None else op[axis],
            dilation=geometry["dilation_rate"][axis],
        )
    except ValueError:
        return False
    return True


def layer_arguments(geometry: dict[str, Any]) -> dict[str, Any]:
    """The geometry as keyword arguments of `conv_transpose` and the measures (no shapes)."""
    return {k: v for k, v in geometry.items() if k not in ("input_shape", "kernel_size")}
