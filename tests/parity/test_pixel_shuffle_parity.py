"""`depth_to_space` / `space_to_depth` against `keras.ops` (JAX backend), exactly.

Keras's ops are 2-D with one block size.  For "channels_last" they are DCR, as
on every Keras backend.  For "channels_first", Keras 3.15.1's JAX (and NumPy and
torch) backends compute the CRD order, while its TensorFlow and OpenVINO
backends compute DCR (they transpose to channels_last): Keras disagrees with
itself.  Our `order` names the channel index whatever the layout, so Keras-JAX's
channels_first result is our "CRD", and TensorFlow's is our "DCR".
"""

from __future__ import annotations

import numpy as np
import pytest

from support.reference import KerasReference
from upsample.ops.pixel_shuffle import (
    depth_to_space,
    depth_to_space_vjp,
    space_to_depth,
    space_to_depth_vjp,
)


def case(seed: int) -> tuple[int, np.ndarray, np.ndarray]:
    """A block size 2, 3 or 4, a narrow input ``(N, H, W, C r^2)`` and a wide cotangent."""
    rng = np.random.default_rng(seed)
    block = 2 + seed % 3
    batch, height, width, depth = (int(n) for n in rng.integers(1, 4, 4))
    narrow = rng.standard_normal((batch, height, width, depth * block**2)).astype(np.float32)
    wide = rng.standard_normal((batch, height * block, width * block, depth)).astype(np.float32)
    return block, narrow, wide


def first(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.moveaxis(x, -1, 1))


@pytest.mark.parametrize("seed", range(9))
def test_channels_last_dcr_is_keras(seed: int, keras_reference: KerasReference) -> None:
    block, narrow, wide = case(seed)
    keras = keras_reference("keras.ops.depth_to_space", narrow, cotangent=wide, block_size=block)
    np.testing.assert_array_equal(depth_to_space(narrow, block_size=block), keras.output)
    assert keras.grads is not None
    np.testing.assert_array_equal(depth_to_space_vjp(wide, block_size=block), keras.grads[0])
    keras = keras_reference("keras.ops.space_to_depth", wide, cotangent=narrow, block_size=block)
    np.testing.assert_array_equal(space_to_depth(wide, block_size=block), keras.output)
    assert keras.grads is not None
    np.testing.assert_array_equal(space_to_depth_vjp(narrow, block_size=block), keras.grads[0])


@pytest.mark.parametrize("seed", range(3))
def test_channels_first_on_jax_is_crd(seed: int, keras_reference: KerasReference) -> None:
    block, narrow, wide = case(seed)
    fmt = "channels_first"
    keras = keras_reference(
        "keras.ops.depth_to_space", first(narrow), block_size=block, data_format=fmt
    )
    ours = depth_to_space(first(narrow), block_size=block, order="CRD", data_format=fmt)
    np.testing.assert_array_equal(ours, keras.output)
    keras = keras_reference(
        "keras.ops.space_to_depth", first(wide), block_size=block, data_format=fmt
    )
    ours = space_to_depth(first(wide), block_size=block, order="CRD", data_format=fmt)
    np.testing.assert_array_equal(ours, keras.output)
