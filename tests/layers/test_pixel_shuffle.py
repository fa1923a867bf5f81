"""DepthToSpace and SpaceToDepth layers: shapes, gradients, config, summary, errors."""

from __future__ import annotations

import numpy as np
import pytest

from support.layer_checks import assert_config_round_trip, assert_layer_gradients
from upsample.layers import DepthToSpace, Input, SpaceToDepth
from upsample.models import Sequential
from upsample.ops.pixel_shuffle import depth_to_space, space_to_depth

CASES = [
    # (block_size, order, data_format, narrow input shape without the batch)
    (2, "DCR", "channels_last", (3, 4)),
    (3, "CRD", "channels_first", (9, 2)),
    ((2, 2), "DCR", "channels_last", (2, 3, 8)),
    ((1, 3), "CRD", "channels_first", (6, 2, 2)),
    (2, "DCR", "channels_first", (8, 1, 2, 1)),
    ((2, 1, 2), "CRD", "channels_last", (2, 1, 2, 8)),
]


@pytest.mark.parametrize(("block_size", "order", "data_format", "shape"), CASES)
def test_shapes_values_and_gradients(
    block_size: object,
    order: str,
    data_format: str,
    shape: tuple[int, ...],
    rng: np.random.Generator,
) -> None:
    arguments = {"block_size": block_size, "order": order, "data_format": data_format}
    to_space = DepthToSpace(**arguments, dtype="float64")  # type: ignore[arg-type]
    x = rng.standard_normal((2, *shape))
    y = to_space(x)
    np.testing.assert_array_equal(y, depth_to_space(x, **arguments))  # type: ignore[arg-type]
    assert y.shape == to_space.compute_output_shape(x.shape)
    assert to_space.compute_output_shape((None, *shape)) == (None, *y.shape[1:])
    assert_layer_gradients(to_space, x, rng)
    to_depth = SpaceToDepth(**arguments, dtype="float64")  # type: ignore[arg-type]
    np.testing.assert_array_equal(to_depth(y), x)
    np.testing.assert_array_equal(to_depth(y), space_to_depth(y, **arguments))  # type: ignore[arg-type]
    assert to_depth.compute_output_shape(y.shape) == x.shape
    assert_layer_gradients(to_depth, y, rng)


def test_unknown_spatial_lengths_stay_unknown() -> None:
    assert DepthToSpace(2).compute_output_shape((None, None, 5, 12)) == (None, None, 10, 3)
    assert SpaceToDepth(2).compute_output_shape((None, None, 4, 3)) == (None, None, 2, 12)


@pytest.mark.parametrize("cls", [DepthToSpace, SpaceToDepth])
def test_config(cls: type) -> None:
    layer = cls((2, 3), order="crd", data_format="channels_first")
    config = layer.get_config()
    assert list(config) == ["name", "trainable", "dtype", "block_size", "order", "data_format"]
    assert (config["block_size"], config["order"], config["data_format"]) == (
        (2, 3),
        "CRD",
        "channels_first",
    )
    assert cls().get_config()["block_size"] == 2
    assert_config_round_trip(layer)


def test_summary_rows() -> None:
    model = Sequential(
        [Input((4, 4, 8)), DepthToSpace(2, name="to_space"), SpaceToDepth(4, name="to_depth")]
    )
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "to_space (DepthToSpace)" in text and "(None, 8, 8, 2)" in text
    assert "to_depth (SpaceToDepth)" in text and "(None, 2, 2, 32)" in text
    assert model.count_params() == 0 and "Total params: 0" in text


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: DepthToSpace(0), "block_size=0"),
        (lambda: DepthToSpace((2, "2")), r"block_size=\(2, '2'\)"),
        (lambda: SpaceToDepth(order="DDR"), "order='DDR'"),
        (lambda: SpaceToDepth(data_format="channels_middle"), "channels_middle"),
    ],
)
def test_bad_arguments(make: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("layer", "shape", "match"),
    [
        (DepthToSpace(2), (1, 4), r"expected ndim=3, 4 or 5"),
        (DepthToSpace(2), (1, 2, 2, 2, 2, 8), r"expected ndim=3, 4 or 5"),
        (DepthToSpace((2, 2)), (1, 3, 4), r"block_size=\(2, 2\).*1 spatial axes"),
        (DepthToSpace(2), (1, 3, 3, 6), r"multiple of 4.*\(None, 3, 3, 6\)"),
        (SpaceToDepth(2), (1, 3, 4, 1), r"multiple of its block size.*\(None, 3, 4, 1\)"),
        (
            SpaceToDepth(3, data_format="channels_first"),
            (1, 1, 6, 4),
            r"multiple of its block size.*\(None, 1, 6, 4\)",
        ),
    ],
)
def test_bad_inputs(layer: object, shape: tuple[int, ...], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        layer(np.zeros(shape, np.float32))  # type: ignore[operator]
