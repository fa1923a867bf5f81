"""`Layer.__call__` on arrays: inputs it cannot compute on are refused, naming the layer."""

from __future__ import annotations

import numpy as np
import pytest

from upsample.layers import Conv2DTranspose, Dense, UpSampling2D
from upsample.layers.layer import Layer


@pytest.mark.parametrize(
    ("layer", "shape"),
    [
        (UpSampling2D(name="up"), (1, 2, 2, 1)),
        (Conv2DTranspose(1, 2, name="up"), (1, 2, 2, 1)),
        (Dense(3, name="up"), (2, 4)),
    ],
)
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_complex_input_is_refused_with_its_dtype(
    layer: Layer, shape: tuple[int, ...], dtype: type
) -> None:
    x = np.full(shape, 1 + 1j, dtype=dtype)
    with pytest.raises(TypeError, match=rf"layer 'up' is complex \(dtype={np.dtype(dtype)}\)"):
        layer(x)
    assert not layer.built  # refused before any work


def test_complex_input_with_zero_imaginary_part_is_refused_too() -> None:
    # Whether the imaginary part is zero would mean scanning the data: the dtype decides.
    with pytest.raises(TypeError, match="is complex"):
        UpSampling2D()(np.ones((1, 2, 2, 1), np.complex64))
