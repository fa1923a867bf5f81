"""The per-sample loss functions Keras exports, each with its VJP form.

A `LossFunctionWrapper` trains through a function listed here (its VJP form
returns `PerSample`: values, their VJP and a mask); a user's own function
computes values only.  The names are those Keras serializes functions by.
"""

from __future__ import annotations

from collections.abc import Callable
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
from upsample.losses.regression import (
    mean_absolute_error,
    mean_absolute_error_vjp,
    mean_squared_error,
    mean_squared_error_vjp,
)

VjpFunction = Callable[..., PerSample]

FUNCTION_VJPS: dict[Callable[..., Any], VjpFunction] = {
    binary_crossentropy: binary_crossentropy_vjp,
    categorical_crossentropy: categorical_crossentropy_vjp,
    sparse_categorical_crossentropy: sparse_categorical_crossentropy_vjp,
    mean_absolute_error: mean_absolute_error_vjp,
    mean_squared_error: mean_squared_error_vjp,
}

FUNCTIONS: dict[str, Callable[..., Any]] = {fn.__name__: fn for fn in FUNCTION_VJPS}
