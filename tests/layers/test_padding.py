"""ZeroPadding1D/2D/3D and Cropping1D/2D/3D: argument forms, shapes, adjointness, errors."""

from __future__ import annotations

import numpy as np
import pytest

from support.layer_checks import assert_config_round_trip, assert_layer_gradients
from upsample.layers.padding import (
    Cropping1D,
    Cropping2D,
    Cropping3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)


@pytest.mark.parametrize(
    ("cls", "argument", "expected"),
    [
        (ZeroPadding1D, 2, ((2, 2),)),
        (ZeroPadding1D, (1, 3), ((1, 3),)),
        (ZeroPadding2D, 2, ((2, 2), (2, 2))),
        (ZeroPadding2D, (1, 2), ((1, 1), (2, 2))),  # a pair is symmetric per axis
        (ZeroPadding2D, ((1, 0), (2, 3)), ((1, 0), (2, 3))),
        (ZeroPadding2D, [1, (0, 2)], ((1, 1), (0, 2))),
        (ZeroPadding3D, 1, ((1, 1),) * 3),
        (ZeroPadding3D, (1, 2, 0), ((1, 1), (2, 2), (0, 0))),
        (Cropping1D, (0, 2), ((0, 2),)),
        (Cropping2D, 1, ((1, 1), (1, 1))),
        (Cropping2D, ((0, 1), (2, 0)), ((0, 1), (2, 0))),
        (Cropping3D, ((1, 0), 2, (0, 1)), ((1, 0), (2, 2), (0, 1))),
    ],
)
def test_argument_forms(cls: type, argument: object, expected: tuple[tuple[int, int], ...]) -> None:
    assert cls(argument).widths == expected


def test_keras_defaults() -> None:
    assert ZeroPadding1D().padding == ((1, 1),)
    assert ZeroPadding2D().padding == ((1, 1), (1, 1))
    assert ZeroPadding3D().padding == ((1, 1),) * 3
    assert Cropping1D().cropping == ((1, 1),)
    assert Cropping2D().cropping == ((0, 0), (0, 0))
    assert Cropping3D().cropping == ((1, 1),) * 3


def test_zero_padding_2d_values() -> None:
    x = np.arange(1, 5, dtype=np.float32).reshape(1, 2, 2, 1)
    y = ZeroPadding2D(((1, 0), (0, 2)))(x)[0, :, :, 0]
    np.testing.assert_array_equal(y, [[0, 0, 0, 0], [1, 2, 0, 0], [3, 4, 0, 0]])


def test_cropping_2d_channels_first_values() -> None:
    x = np.arange(2 * 4 * 5, dtype=np.float32).reshape(1, 2, 4, 5)
    y = Cropping2D(((1, 2), (0, 3)), data_format="channels_first")(x)
    np.testing.assert_array_equal(y, x[:, :, 1:2, 0:2])


CASES = [
    (ZeroPadding1D, {"padding": (1, 2)}, (2, 3, 2)),
    (ZeroPadding1D, {"padding": 1, "data_format": "channels_first"}, (2, 2, 3)),
    (ZeroPadding2D, {"padding": ((1, 0), (2, 1))}, (2, 3, 2, 2)),
    (ZeroPadding2D, {"padding": (1, 2), "data_format": "channels_first"}, (1, 2, 2, 3)),
    (ZeroPadding3D, {"padding": ((0, 1), (1, 0), (1, 1))}, (1, 2, 2, 2, 2)),
    (Cropping1D, {"cropping": (1, 2)}, (2, 5, 2)),
    (Cropping2D, {"cropping": ((1, 0), (0, 2))}, (2, 3, 4, 2)),
    (Cropping2D, {"cropping": 1, "data_format": "channels_first"}, (1, 2, 3, 4)),
    (Cropping3D, {"cropping": ((1, 0), (0, 1), (1, 1))}, (1, 3, 3, 4, 2)),
    (Cropping3D, {"cropping": 0, "data_format": "channels_first"}, (1, 2, 2, 2, 2)),
]


@pytest.mark.parametrize(("cls", "kwargs", "shape"), CASES)
def test_shapes_and_gradients(
    cls: type, kwargs: dict[str, object], shape: tuple[int, ...], rng: np.random.Generator
) -> None:
    layer = cls(**kwargs, dtype="float64")
    x = rng.normal(size=shape)
    y = layer(x)
    assert y.shape == layer.compute_output_shape(x.shape)
    assert layer.compute_output_shape((None, *shape[1:]))[1:] == y.shape[1:]
    assert_layer_gradients(layer, x, rng)


def test_cropping_is_the_adjoint_of_padding(rng: np.random.Generator) -> None:
    widths = ((1, 2), (0, 3))
    x = rng.normal(size=(2, 3, 4, 2))
    g = rng.normal(size=(2, 6, 7, 2))
    padded = ZeroPadding2D(widths, dtype="float64")(x)
    cropped = Cropping2D(widths, dtype="float64")(g)
    np.testing.assert_allclose(np.sum(padded * g), np.sum(x * cropped))


def test_none_dimensions_stay_none() -> None:
    assert ZeroPadding2D(1).compute_output_shape((None, None, 5, 3)) == (None, None, 7, 3)
    assert Cropping1D(1).compute_output_shape((None, None, 3)) == (None, None, 3)


@pytest.mark.parametrize(
    ("layer", "key", "value"),
    [
        # Tuples, as Keras's get_config returns them (JSON makes them lists in files).
        (ZeroPadding1D(2), "padding", (2, 2)),
        (ZeroPadding2D((1, 2)), "padding", ((1, 1), (2, 2))),
        (ZeroPadding3D(1), "padding", ((1, 1), (1, 1), (1, 1))),
        (Cropping1D(3), "cropping", (3, 3)),
        (Cropping2D(((1, 2), (3, 4))), "cropping", ((1, 2), (3, 4))),
        (Cropping3D(0), "cropping", ((0, 0), (0, 0), (0, 0))),
    ],
)
def test_config(layer: object, key: str, value: object) -> None:
    config = layer.get_config()  # type: ignore[attr-defined]
    assert config[key] == value
    # Keras's keys: Cropping1D has no data_format.
    extra = [] if isinstance(layer, Cropping1D) else ["data_format"]
    assert list(config) == ["name", "trainable", "dtype", key, *extra]
    assert_config_round_trip(layer)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Cropping2D(-1), "cropping=-1"),
        (lambda: Cropping2D(((1, -2), (0, 0))), r"1st entry of cropping.*\(1, -2\)"),
        (lambda: Cropping3D((1, 2)), r"cropping=\(1, 2\)"),
        (lambda: Cropping1D(-1), "cropping=-1"),
        (lambda: Cropping1D((1, 2, 3)), r"cropping=\(1, 2, 3\)"),
        (lambda: ZeroPadding2D(-1), "padding=-1"),
        (lambda: ZeroPadding2D(((1, 1), (1.5, 1))), r"2nd entry of padding=\(1.5, 1\)"),
        (lambda: ZeroPadding3D("same"), "padding='same'"),
        (lambda: ZeroPadding1D(1, data_format="channels_middle"), "channels_middle"),
    ],
)
def test_bad_arguments(make: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()  # type: ignore[operator]


def test_cropping1d_has_no_data_format() -> None:
    with pytest.raises(ValueError, match="data_format"):
        Cropping1D(1, data_format="channels_first")  # type: ignore[call-arg]


def test_bad_inputs(rng: np.random.Generator) -> None:
    with pytest.raises(ValueError, match=r"expected ndim=4, found ndim=3"):
        ZeroPadding2D()(rng.normal(size=(2, 3, 3)))
    with pytest.raises(ValueError, match=r"smaller than .*input_shape=\(None, 3, 4, 1\)"):
        Cropping2D(((1, 2), (0, 0)))(rng.normal(size=(1, 3, 4, 1)))
    with pytest.raises(ValueError, match=r"cropping"):
        Cropping1D((3, 3)).compute_output_shape((None, 5, 2))
