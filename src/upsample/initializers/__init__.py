"""Weight initializers with Keras's names, arguments and configs (`keras.initializers`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from upsample.initializers.constant_initializers import Constant, Ones, Zeros
from upsample.initializers.initializer import Initializer, standardize_dtype, standardize_shape
from upsample.initializers.random_initializers import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    compute_fans,
)
from upsample.initializers.upsampling_initializers import ICNR, BilinearUpsampling
from upsample.saving import serialization

# Keras also exports every class under its snake_case name.
bilinear_upsampling = BilinearUpsampling
constant = Constant
glorot_normal = GlorotNormal
glorot_uniform = GlorotUniform
he_normal = HeNormal
he_uniform = HeUniform
icnr = ICNR
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
ones = Ones
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
zeros = Zeros

# As ``keras/src/initializers/__init__.py``: class names, their snake_case names
# (spelled out, as they are exported below) and Keras's aliases; with ours
# (`upsampling_initializers`).
ALL_OBJECTS: dict[str, type[Initializer]] = {
    **{
        cls.__name__: cls
        for cls in (
            BilinearUpsampling,
            Constant,
            GlorotNormal,
            GlorotUniform,
            HeNormal,
            HeUniform,
            ICNR,
            LecunNormal,
            LecunUniform,
            Ones,
            RandomNormal,
            RandomUniform,
            TruncatedNormal,
            VarianceScaling,
            Zeros,
        )
    },
    "constant": Constant,
    "glorot_normal": GlorotNormal,
    "glorot_uniform": GlorotUniform,
    "he_normal": HeNormal,
    "he_uniform": HeUniform,
    "lecun_normal": LecunNormal,
    "lecun_uniform": LecunUniform,
    "ones": Ones,
    "random_normal": RandomNormal,
    "random_uniform": RandomUniform,
    "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling,
    "zeros": Zeros,
    "normal": RandomNormal,
    "one": Ones,
    "uniform": RandomUniform,
    "zero": Zeros,
    "bilinear_upsampling": BilinearUpsampling,
    "icnr": ICNR,
}

InitializerLike = Callable[..., NDArray[Any]]


def serialize(initializer: Any) -> dict[str, Any] | None:
    """The Keras dictionary of `initializer` (None stays None)."""
    if initializer is not None and not isinstance(initializer, Initializer):
        raise ValueError(
            f"Only Initializer objects have a Keras config. Received: initializer={initializer!r}"
        )
    return serialization.serialize(initializer)


def deserialize(config: dict[str, Any] | str) -> Initializer:
    """An initializer from its Keras dictionary or its name."""
    result: Initializer = serialization.deserialize(config, ALL_OBJECTS, kind="initializer")
    return result


def get(identifier: Any) -> InitializerLike | None:
    """An initializer from a name, a Keras dictionary, a class, a callable or an array.

    An array becomes an initializer returning it, for the array's own shape only.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str | dict):
        return deserialize(identifier)
    if isinstance(identifier, np.ndarray | np.generic):
        return _array_initializer(np.asarray(identifier))
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")


def _array_initializer(array: NDArray[Any]) -> InitializerLike:
    def initialize(shape: int | Sequence[int], dtype: DTypeLike | None = None) -> NDArray[Any]:
        if standardize_shape(shape) != array.shape:
            raise ValueError(
                f"Expected `shape` to be {array.shape} for direct tensor as initializer. "
                f"Received shape={shape}"
            )
        return array.astype(standardize_dtype(dtype))

    return initialize


__all__ = [
    "ALL_OBJECTS",
    "ICNR",
    "BilinearUpsampling",
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "bilinear_upsampling",
    "compute_fans",
    "constant",
    "deserialize",
    "get",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "icnr",
    "lecun_normal",
    "lecun_uniform",
    "ones",
    "random_normal",
    "random_uniform",
    "serialize",
    "truncated_normal",
    "variance_scaling",
    "zeros",
]
