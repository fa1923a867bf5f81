"""depth_to_space / space_to_depth: the index maps, known answers, adjointness, errors.

"DCR" is checked against Keras itself in tests/parity/test_pixel_shuffle_parity.py;
here both orders are checked by their defining formulas (PyTorch documents CRD as
in-channel ``c r^2 + i r + j`` -> ``(c, h r + i, w r + j)``), generalised to N-D.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from support.gradcheck import assert_adjoint
from upsample.ops.pixel_shuffle import (
    depth_to_space,
    depth_to_space_vjp,
    space_to_depth,
    space_to_depth_vjp,
)

CASES = [
    # (block_size, spatial), 1 to 3 spatial axes, per-axis and unit blocks
    ((2,), (3,)),
    ((3,), (2,)),
    ((2, 2), (2, 3)),
    ((3, 2), (2, 2)),
    ((1, 4), (3, 1)),
    ((2, 2, 2), (2, 1, 2)),
    ((2, 3, 1), (1, 2, 2)),
]


def expected_by_formula(x_last: np.ndarray, blocks: tuple[int, ...], order: str) -> np.ndarray:
    """Output pixel ``(h r + i)``, channel c = input pixel h, channel by `order`, element-wise."""
    batch, *narrow, channels = x_last.shape
    phases = int(np.prod(blocks))
    depth = channels // phases
    out = np.empty((batch, *(n * r for n, r in zip(narrow, blocks)), depth), x_last.dtype)
    for h in itertools.product(*(range(n) for n in narrow)):
        for i in itertools.product(*(range(r) for r in blocks)):
            phase = int(np.ravel_multi_index(i, blocks))  # row-major over the block
            for c in range(depth):
                channel = phase * depth + c if order == "DCR" else c * phases + phase
                pixel = tuple(hh * r + ii for hh, r, ii in zip(h, blocks, i))
                out[(slice(None), *pixel, c)] = x_last[(slice(None), *h, channel)]
    return out


def to_first(x: np.ndarray) -> np.ndarray:
    return np.moveaxis(x, -1, 1)


@pytest.mark.parametrize("order", ["DCR", "CRD"])
@pytest.mark.parametrize(("blocks", "spatial"), CASES)
def test_index_map_follows_the_formula(
    order: str, blocks: tuple[int, ...], spatial: tuple[int, ...], rng: np.random.Generator
) -> None:
    channels = 2 * int(np.prod(blocks))
    x = rng.standard_normal((2, *spatial, channels))
    expected = expected_by_formula(x, blocks, order)
    np.testing.assert_array_equal(depth_to_space(x, block_size=blocks, order=order), expected)
    # The order describes the channel index: channels_first is the same map, transposed.
    first = depth_to_space(
        to_first(x), block_size=blocks, order=order, data_format="channels_first"
    )
    np.testing.assert_array_equal(first, to_first(expected))
    np.testing.assert_array_equal(space_to_depth(expected, block_size=blocks, order=order), x)
    back = space_to_depth(first, block_size=blocks, order=order, data_format="channels_first")
    np.testing.assert_array_equal(back, to_first(x))


def test_tensorflow_documented_example_is_dcr() -> None:
    # tf.nn.depth_to_space's documentation: [[[[1..12]]]] with block 2 -> 2x2x3.
    x = np.arange(1, 13, dtype=np.float32).reshape(1, 1, 1, 12)
    expected = [[[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]]]
    np.testing.assert_array_equal(depth_to_space(x, block_size=2), expected)


def test_pytorch_index_map_by_hand() -> None:
    # PyTorch: in-channel c*r^2 + i*r + j -> (c, h*r + i, w*r + j); r = 2, 2 channels.
    x = np.arange(8, dtype=np.float32).reshape(1, 8, 1, 1)
    y = depth_to_space(x, block_size=2, order="CRD", data_format="channels_first")
    np.testing.assert_array_equal(y[0, 0], [[0, 1], [2, 3]])
    np.testing.assert_array_equal(y[0, 1], [[4, 5], [6, 7]])
    # The same channels in DCR: channel (i*r + j)*C + c.
    y = depth_to_space(x, block_size=2, order="DCR", data_format="channels_first")
    np.testing.assert_array_equal(y[0, 0], [[0, 2], [4, 6]])
    np.testing.assert_array_equal(y[0, 1], [[1, 3], [5, 7]])


def test_one_dimensional_by_hand() -> None:
    # Two steps of 4 channels, block 2, 2 output channels.
    x = np.array([[[10, 11, 12, 13], [20, 21, 22, 23]]], dtype=np.float32)
    dcr = depth_to_space(x, block_size=2, order="DCR")
    crd = depth_to_space(x, block_size=2, order="CRD")
    np.testing.assert_array_equal(dcr[0], [[10, 11], [12, 13], [20, 21], [22, 23]])
    np.testing.assert_array_equal(crd[0], [[10, 12], [11, 13], [20, 22], [21, 23]])


@pytest.mark.parametrize("order", ["DCR", "CRD"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize(("blocks", "spatial"), CASES)
def test_each_is_the_adjoint_of_the_other(
    order: str,
    data_format: str,
    blocks: tuple[int, ...],
    spatial: tuple[int, ...],
    rng: np.random.Generator,
) -> None:
    arguments = {"block_size": blocks, "order": order, "data_format": data_format}
    channels = 3 * int(np.prod(blocks))
    narrow = (2, *spatial, channels) if data_format == "channels_last" else (2, channels, *spatial)
    assert_adjoint(
        lambda x: depth_to_space(x, **arguments),
        lambda g: depth_to_space_vjp(g, **arguments),
        narrow,
        rng,
    )
    wide_spatial = tuple(n * r for n, r in zip(spatial, blocks))
    wide = (2, *wide_spatial, 3) if data_format == "channels_last" else (2, 3, *wide_spatial)
    assert_adjoint(
        lambda x: space_to_depth(x, **arguments),
        lambda g: space_to_depth_vjp(g, **arguments),
        wide,
        rng,
    )
    # A permutation's adjoint is its inverse.
    x = rng.standard_normal(narrow)
    np.testing.assert_array_equal(
        depth_to_space_vjp(depth_to_space(x, **arguments), **arguments), x
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_dtype_is_kept(dtype: type) -> None:
    x = np.arange(16).astype(dtype).reshape(1, 2, 2, 4)
    assert depth_to_space(x, block_size=2).dtype == dtype
    assert space_to_depth(x, block_size=2).dtype == dtype


def test_order_is_case_insensitive() -> None:
    x = np.arange(8.0).reshape(1, 2, 4)
    np.testing.assert_array_equal(
        depth_to_space(x, block_size=2, order="crd"), depth_to_space(x, block_size=2, order="CRD")
    )


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: depth_to_space(np.zeros((2, 4)), block_size=2), r"x.shape=\(2, 4\)"),
        (lambda: depth_to_space(np.zeros((1, 1, 1, 1, 1, 8)), block_size=2), r"3, 4 or 5"),
        (lambda: depth_to_space(np.zeros((1, 2, 2, 6)), block_size=2), r"multiple of.*= 4"),
        (lambda: depth_to_space(np.zeros((1, 2, 2, 6)), block_size=(2, 3, 1)), "block_size"),
        (lambda: depth_to_space(np.zeros((1, 2, 4)), block_size=0), "block_size=0"),
        (lambda: depth_to_space(np.zeros((1, 2, 4)), block_size=1.5), "block_size=1.5"),
        (lambda: depth_to_space(np.zeros((1, 2, 4)), block_size=2, order="RCD"), "order='RCD'"),
        (
            lambda: depth_to_space(np.zeros((1, 2, 4)), block_size=2, data_format="nhwc"),
            "data_format='nhwc'",
        ),
        (
            lambda: space_to_depth(np.zeros((1, 3, 4, 1)), block_size=2),
            r"multiple of its block size.*x.shape=\(1, 3, 4, 1\)",
        ),
        (
            lambda: space_to_depth(
                np.zeros((1, 1, 4, 3)), block_size=2, data_format="channels_first"
            ),
            r"x.shape=\(1, 1, 4, 3\)",
        ),
    ],
)
def test_bad_input_names_the_argument_and_value(call: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()  # type: ignore[operator]
