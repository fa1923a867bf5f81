"""Losses with Keras's names, arguments and configs (`keras.losses`), and their gradients.

`get("binary_crossentropy")` returns the per-sample *function*, as Keras's
does; `compile_loss` is what `Model.compile` uses: it always returns a `Loss`
(wrapping functions, as Keras's compile does), whose `value_and_grad` trains.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from upsample.losses.crossentropy import (
    binary_crossentropy,
    binary_crossentropy_vjp,
    categorical_crossentropy,
    categorical_crossentropy_vjp,
    sparse_categorical_crossentropy,
    sparse_categorical_crossentropy_vjp,
)
from upsample.losses.functional import PerSample
from upsample.losses.loss import FUNCTION_VJPS, Loss, LossFunctionWrapper, object_name
from upsample.losses.losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    MeanAbsoluteError,
    MeanSquaredError,
    SparseCategoricalCrossentropy,
)
from upsample.losses.reduction import reduce_weighted_values, squeeze_or_expand_to_same_rank
from upsample.losses.regression import (
    mean_absolute_error,
    mean_absolute_error_vjp,
    mean_squared_error,
    mean_squared_error_vjp,
)
from upsample.saving import serialization

FUNCTION_VJPS.update(
    {
        binary_crossentropy: binary_crossentropy_vjp,
        categorical_crossentropy: categorical_crossentropy_vjp,
        sparse_categorical_crossentropy: sparse_categorical_crossentropy_vjp,
        mean_absolute_error: mean_absolute_error_vjp,
        mean_squared_error: mean_squared_error_vjp,
    }
)

FUNCTIONS: dict[str, Callable[..., Any]] = {fn.__name__: fn for fn in FUNCTION_VJPS}

# As ``keras/src/losses/__init__.py``: class names, function names and aliases.
ALL_OBJECTS: dict[str, Any] = {
    **{
        cls.__name__: cls
        for cls in (
            Loss,
            LossFunctionWrapper,
            BinaryCrossentropy,
            CategoricalCrossentropy,
            SparseCategoricalCrossentropy,
            MeanSquaredError,
            MeanAbsoluteError,
        )
    },
    **FUNCTIONS,
    "bce": binary_crossentropy,
    "BCE": binary_crossentropy,
    "mae": mean_absolute_error,
    "MAE": mean_absolute_error,
    "mse": mean_squared_error,
    "MSE": mean_squared_error,
}


def serialize(loss: Any) -> Any:
    """The Keras form of a loss: a dictionary for objects and for built-in functions."""
    name = getattr(loss, "__name__", None)
    if isinstance(name, str) and FUNCTIONS.get(name) is loss:
        # How Keras writes its own functions (e.g. inside a LossFunctionWrapper config).
        return {
            "module": "builtins",
            "class_name": "function",
            "config": name,
            "registered_name": "function",
        }
    return serialization.serialize(loss)


def deserialize(config: Any) -> Any:
    """A loss from its Keras dictionary or its name (names of functions give the function)."""
    if isinstance(config, dict) and config.get("class_name") == "function":
        return serialization.deserialize(config.get("config"), FUNCTIONS, kind="loss function")
    return serialization.deserialize(config, ALL_OBJECTS, kind="loss")


def get(identifier: Any) -> Any:
    """A loss from a name, a Keras dictionary, a class or a callable, as `keras.losses.get`.

    Names of functions (``"mse"``, ``"binary_crossentropy"``) give the per-sample
    function; names of classes give an instance.
    """
    if identifier is None:
        return None
    obj = deserialize(identifier) if isinstance(identifier, str | dict) else identifier
    if isinstance(obj, type):
        obj = obj()
    if not callable(obj):
        raise ValueError(f"Could not interpret loss identifier: {identifier!r}")
    return obj


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
