"""Keras's side of tests/parity/test_degenerate_geometry_parity.py: what a layer returns
(or raises) on inputs too small for its geometry."""

from __future__ import annotations

from typing import Any

import numpy as np


def _outcome(compute: Any) -> Any:
    """The shape `compute()` returns, or ``"Type: message"`` of what it raises."""
    try:
        return tuple(compute())
    except Exception as error:  # what Keras raises is the answer
        return f"{type(error).__name__}: {error}"


def layer_outcome(
    class_name: str, config: dict[str, Any], input_shape: tuple[int, ...]
) -> dict[str, Any]:
    """A call on ones (its output's shape) and `compute_output_shape` (symbolic)."""
    import keras

    def layer() -> Any:
        return keras.layers.deserialize(
            {"module": "keras.layers", "class_name": class_name, "config": config}
        )

    return {
        "call": _outcome(lambda: layer()(np.ones(input_shape, np.float32)).shape),
        "symbolic": _outcome(lambda: layer().compute_output_shape(input_shape)),
    }
