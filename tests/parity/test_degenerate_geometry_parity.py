"""Inputs too small for a layer's geometry: what Keras does, and what we do instead.

Where the output would be empty, Keras 3 sometimes returns an empty array and sometimes
raises; upsample always raises a `ValueError` naming the arguments, before any work
(an empty batch of images is never what the caller meant), both when called and
symbolically (`compute_output_shape`, which building a model runs).  Each case states
and checks both sides:

=================================================  ================================  ==========
case                                               Keras 3: call / symbolic          upsample
=================================================  ================================  ==========
Conv2DTranspose 'same' with an explicit            shape (2, 0, 4, 2) / the same     ValueError
output_padding, ``(n - 1) * s + k % 2 + op = 0``
MaxPooling2D, AveragePooling2D 'valid' with a      shape (1, 0, 0, 1) / ValueError   ValueError
window larger than the input
Conv2D 'valid' with a kernel larger than the input  ValueError / ValueError           ValueError
=================================================  ================================  ==========
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import upsample.layers as L
from support.reference import KerasReference
from upsample.layers.layer import Layer

KERAS_RAISES = "ValueError: Computed output size would be zero or negative"
CASES: list[tuple[str, Layer, tuple[int, ...], dict[str, Any], str]] = [
    (
        "transposed convolution, empty along the rows",
        L.Conv2DTranspose(2, 2, strides=2, padding="same", output_padding=0),
        (2, 1, 3, 3),
        {"call": (2, 0, 4, 2), "symbolic": (2, 0, 4, 2)},
        r"input of length 1 with kernel_size=2, strides=2, padding='same', output_padding=0 "
        r"would have an empty output \(0\)",
    ),
    (
        "max pooling window larger than the input",
        L.MaxPooling2D(3),
        (1, 2, 2, 1),
        {"call": (1, 0, 0, 1), "symbolic": KERAS_RAISES},
        r"spatial shape \(2, 2\) is too small for pool_size=\(3, 3\)",
    ),
    (
        "average pooling window larger than the input",
        L.AveragePooling2D(3),
        (1, 2, 2, 1),
        {"call": (1, 0, 0, 1), "symbolic": KERAS_RAISES},
        r"spatial shape \(2, 2\) is too small for pool_size=\(3, 3\)",
    ),
    (
        "convolution kernel larger than the input",
        L.Conv2D(2, 3),
        (1, 2, 2, 1),
        {"call": KERAS_RAISES, "symbolic": KERAS_RAISES},
        r"input of length 2 is too small for a window of 3",
    ),
]


@pytest.mark.parametrize(
    ("layer", "input_shape", "keras_does", "we_raise"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_what_each_side_does(
    layer: Layer,
    input_shape: tuple[int, ...],
    keras_does: dict[str, Any],
    we_raise: str,
    keras_reference: KerasReference,
) -> None:
    theirs = keras_reference(
        "support.keras_side_geometry:layer_outcome",
        type(layer).__name__,
        layer.get_config(),
        input_shape,
    ).output
    for way, expected in keras_does.items():
        if isinstance(expected, tuple):  # Keras returns an empty array (or shape)
            assert theirs[way] == expected, way
        else:  # Keras raises
            assert theirs[way].startswith(expected), (way, theirs[way])
    with pytest.raises(ValueError, match=we_raise):
        layer(np.ones(input_shape, np.float32))
    with pytest.raises(ValueError, match=we_raise):
        layer.compute_output_shape(input_shape)
