"""`ICNR` and `BilinearUpsampling` for Keras 3 (twins of `upsample.initializers`).

`ICNR` draws one sub-kernel with a Keras initializer and copies it to every
phase exactly as upsample's does (a tile for "DCR", a repeat for "CRD", a
repeat over each stride block when ``transposed``), with ``keras.ops`` so that
it also runs where Keras initializes variables inside a compiled function.
Keras's random numbers are not NumPy's: a seeded ICNR gives the same *layout*
in both libraries, not the same values.  `BilinearUpsampling` draws nothing:
it returns upsample's kernel, value for value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from upsample.initializers import upsampling_initializers
from upsample.interop.keras.registration import twin_of
from upsample.interop.keras_import import import_keras

keras = import_keras()
ops = keras.ops
Initializer: Any = keras.initializers.Initializer


@twin_of(upsampling_initializers.ICNR)
class ICNR(Initializer):
    """One sub-kernel, drawn by `initializer`, shared by every phase of a `scale` upsampling."""

    def __init__(
        self,
        scale: int | Sequence[int] = 2,
        order: str = "DCR",
        initializer: Any = "glorot_uniform",
        transposed: bool = False,
    ) -> None:
        self.scale, self.order = upsampling_initializers.check_icnr_arguments(
            scale, order, transposed
        )
        self.initializer = keras.initializers.get(initializer)
        upsampling_initializers.check_icnr_initializer(self.initializer, initializer)
        self.transposed = transposed

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> Any:
        sub_shape, factors = upsampling_initializers.icnr_sub_kernel_shape(
            tuple(int(n) for n in shape), self.scale, self.transposed
        )
        return upsampling_initializers.icnr_kernel(
            self.initializer(sub_shape, dtype=dtype),
            factors,
            self.order,
            self.transposed,
            tile=ops.tile,
            repeat=ops.repeat,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            "scale": self.scale,
            "order": self.order,
            "initializer": keras.initializers.serialize(self.initializer),
            "transposed": self.transposed,
        }


@twin_of(upsampling_initializers.BilinearUpsampling)
class BilinearUpsampling(Initializer):
    """A transposed-convolution kernel that upsamples bilinearly (FCN's initialisation)."""

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> Any:
        kernel = upsampling_initializers.BilinearUpsampling()(tuple(shape), dtype="float64")
        return ops.convert_to_tensor(kernel, dtype=dtype or keras.config.floatx())

    def get_config(self) -> dict[str, Any]:
        return {}
