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
from upsample.utils.registry import Registry

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


INITIALIZERS = Registry("initializer", Initializer, ALL_OBJECTS, instantiates=Initializer)
serialize = INITIALIZERS.serialize
deserialize = INITIALIZERS.deserialize


def get(identifier: Any) -> InitializerLike | None:
    """An initializer from a name, a Keras dictionary, a class, a callable or an array.

    An array becomes an initializer returning it, for the array's own shape only.
    """
    # A NumPy string (a `np.generic` too) is a name.
    if isinstance(identifier, np.ndarray | np.generic) and not isinstance(identifier, str):
        return _array_initializer(np.asarray(identifier))
    initializer: InitializerLike | None = INITIALIZERS.get(identifier)
    return initializer


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
