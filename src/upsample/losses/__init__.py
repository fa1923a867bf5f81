"""Losses with Keras's names, arguments and configs (`keras.losses`), and their gradients.

`get("binary_crossentropy")` returns the per-sample *function*, as Keras's
does; `compile_loss` is what `Model.compile` uses: it always returns a `Loss`
(wrapping functions, as Keras's compile does), whose `value_and_grad` trains.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from upsample.losses.crossentropy import (
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
)
from upsample.losses.functional import PerSample
from upsample.losses.functions import FUNCTIONS
from upsample.losses.loss import Loss, object_name
from upsample.losses.losses import (
    ALL_OBJECTS,
    LOSSES,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    LossFunctionWrapper,
    MeanAbsoluteError,
    MeanSquaredError,
    SparseCategoricalCrossentropy,
)
from upsample.losses.reduction import reduce_weighted_values, squeeze_or_expand_to_same_rank
from upsample.losses.regression import mean_absolute_error, mean_squared_error

serialize = LOSSES.serialize
deserialize = LOSSES.deserialize
get = LOSSES.get


def compile_loss(
    identifier: Any,
    *,
    target_shape: Sequence[int | None] | None = None,
    output_shape: Sequence[int | None] | None = None,
) -> Loss | None:
    """The `Loss` that ``Model.compile(loss=identifier)`` trains with.

    As Keras's ``compile_utils.get_loss``: ``"crossentropy"``/``"ce"`` pick the
    binary, sparse or categorical form from the shapes; functions are wrapped in
    a `LossFunctionWrapper` named after the string given (or the function).
    """
    if identifier is None:
        return None
    if str(identifier).lower() in ("crossentropy", "ce"):
        if output_shape is None:
            raise ValueError(
                f"loss={identifier!r} needs the output shape to choose a cross-entropy."
            )
        is_binary, is_sparse = binary_or_sparse(target_shape, output_shape)
        loss: Any = (
            binary_crossentropy
            if is_binary
            else sparse_categorical_crossentropy
            if is_sparse
            else categorical_crossentropy
        )
    else:
        loss = get(identifier)
    if isinstance(loss, Loss):
        return loss
    name = identifier if isinstance(identifier, str) else object_name(loss)
    return LossFunctionWrapper(loss, name=name)


def binary_or_sparse(
    target_shape: Sequence[int | None] | None, output_shape: Sequence[int | None]
) -> tuple[bool, bool]:
    """Keras's ``is_binary_or_sparse_categorical``: from the target and output shapes.

    Without a target shape (before data is seen) only "binary" can be decided.
    """
    is_binary = output_shape[-1] == 1
    is_sparse = target_shape is not None and (
        len(target_shape) < len(output_shape)
        or (target_shape[-1] == 1 and output_shape[-1] not in (None, 1))
    )
    return is_binary, bool(is_sparse)


__all__ = [
    "ALL_OBJECTS",
    "FUNCTIONS",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "Loss",
    "LossFunctionWrapper",
    "MeanAbsoluteError",
    "MeanSquaredError",
    "PerSample",
    "SparseCategoricalCrossentropy",
    "binary_crossentropy",
    "categorical_crossentropy",
    "compile_loss",
    "deserialize",
    "get",
    "mean_absolute_error",
    "mean_squared_error",
    "reduce_weighted_values",
    "serialize",
    "sparse_categorical_crossentropy",
    "squeeze_or_expand_to_same_rank",
]
