"""`Sequential`: building it every way Keras allows, changing it, and its errors."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from upsample.layers import Dense, Input, InputLayer, Reshape, UpSampling2D
from upsample.models import Sequential


def test_input_shape_on_the_first_layer_builds_at_once() -> None:
    model = Sequential()
    model.add(UpSampling2D((32, 32), input_shape=(2, 2, 1), interpolation="bilinear"))
    assert model.built
    assert model.input_shape == (None, 2, 2, 1)
    assert model.output_shape == (None, 64, 64, 1)
    assert [layer.name for layer in model.layers] == ["up_sampling2d"]  # no InputLayer


def test_input_dim_on_the_first_layer_builds_at_once() -> None:
    model = Sequential()
    model.add(Dense(128 * 5 * 5, input_dim=100))
    assert model.input_shape == (None, 100)
    assert model.count_params() == 100 * 3200 + 3200
    model.add(Reshape((5, 5, 128)))
    assert model.output_shape == (None, 5, 5, 128)


def test_a_list_of_layers_with_an_input_first() -> None:
    first, second = Dense(4, activation="relu"), Dense(2)
    model = Sequential([Input((3,)), first, second], name="stack")
    assert model.name == "stack"
    assert model.layers == [first, second]
    assert model.output_shape == (None, 2)
    assert [w.path for w in model.weights] == [
        "dense/kernel",
        "dense/bias",
        "dense_1/kernel",
        "dense_1/bias",
    ]


def test_an_input_layer_can_be_added_as_a_layer() -> None:
    model = Sequential()
    model.add(InputLayer(shape=(3,)))
    model.add(Dense(2))
    assert model.input_shape == (None, 3)


def test_without_an_input_shape_it_builds_on_the_first_call(rng: np.random.Generator) -> None:
    model = Sequential([Dense(4), Dense(2)])
    assert not model.built
    assert model.weights == []
    assert all(not layer.built for layer in model.layers)
    x = rng.random((5, 3)).astype(np.float32)
    y = model(x)
    assert y.shape == (5, 2)
    # As Keras 3: the input layer takes the shape of the data it was built from.
    assert model.input_shape == (5, 3)
    assert [w.shape for w in model.weights] == [(3, 4), (4,), (4, 2), (2,)]
    # ... which does not bind the batch size.
    assert model(x[:2]).shape == (2, 2)


def test_predict_builds_from_the_first_batch(rng: np.random.Generator) -> None:
    """Keras builds from the first batch: seed 003's summary then shows ``(1, 4, 4, 1)``."""
    model = Sequential()
    model.add(UpSampling2D())
    out = model.predict(np.array([[1, 2], [3, 4]]).reshape((1, 2, 2, 1)), verbose=0)
    np.testing.assert_array_equal(
        out.reshape(4, 4), np.repeat(np.repeat([[1, 2], [3, 4]], 2, 0), 2, 1)
    )
    assert out.dtype == np.float32
    assert model.input_shape == (1, 2, 2, 1)
    assert model.output_shape == (1, 4, 4, 1)
    bigger = Sequential([Dense(2)])
    bigger.predict(rng.random((40, 3)), verbose=0)
    assert bigger.input_shape == (32, 3)


def test_build_with_an_explicit_shape() -> None:
    model = Sequential([Dense(4), Dense(2)])
    model.build((None, 7))
    assert model.input_shape == (None, 7)
    model.build((None, 7))  # the same shape again: nothing to do
    with pytest.raises(ValueError, match=r"already been configured to use input shape \(None, 7\)"):
        model.build((None, 8))


def test_adding_to_a_built_model_keeps_the_weights(rng: np.random.Generator) -> None:
    model = Sequential([Input((3,)), Dense(4)])
    kernel = model.layers[0].kernel
    before = model.predict(rng.random((2, 3)), verbose=0)
    model.add(Dense(2))
    assert model.output_shape == (None, 2)
    assert model.layers[0].kernel is kernel
    assert model.weights[0] is kernel
    assert before.shape == (2, 4)


def test_pop_removes_the_last_layer_and_rebuilds() -> None:
    first, last = Dense(4), Dense(2)
    model = Sequential([Input((3,)), first, last])
    assert model.pop() is last
    assert model.layers == [first]
    assert model.output_shape == (None, 4)
    assert model.count_params() == 16
    assert model.pop() is first
    assert model.layers == []
    assert not model.built
    with pytest.raises(TypeError, match="There are no layers in the model"):
        model.pop()
    model.add(Dense(5))  # the input is still there
    assert model.output_shape == (None, 5)


def test_layer_names_must_be_unique() -> None:
    model = Sequential([Input((3,)), Dense(2, name="same")])
    with pytest.raises(ValueError, match=r"unique names.*'same' is already the name"):
        model.add(Dense(2, name="same"))
    assert [layer.name for layer in model.layers] == ["same"]
    assert model.output_shape == (None, 2)


@pytest.mark.parametrize("thing", ["dense", Dense, 3], ids=["str", "class", "int"])
def test_only_layers_can_be_added(thing: object) -> None:
    with pytest.raises(ValueError, match=r"Only instances of `upsample.layers.Layer`.*Received"):
        Sequential().add(thing)  # type: ignore[arg-type]


def test_an_input_must_come_first() -> None:
    model = Sequential([Dense(2)])
    with pytest.raises(ValueError, match="Input must come first"):
        model.add(Input((3,)))


def test_an_unbuilt_model_says_so() -> None:
    model = Sequential([Dense(2)])
    assert not hasattr(model, "inputs")  # AttributeError, as Keras: hasattr() works
    with pytest.raises(AttributeError, match="no defined input shape yet"):
        _ = model.input_shape
    with pytest.raises(ValueError, match="isn't built"):
        model.count_params()
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    assert "0 (unbuilt)" in lines[0]
    with pytest.raises(ValueError, match="no layers"):
        Sequential().predict(np.ones((2, 3)), verbose=0)


def test_get_layer_by_name_and_index(lib: SimpleNamespace) -> None:
    model = Sequential([Input((3,)), Dense(4), Dense(2)])
    assert model.get_layer("dense_1") is model.layers[1]
    assert model.get_layer(index=0) is model.layers[0]
    with pytest.raises(ValueError, match="No such layer: nope"):
        model.get_layer("nope")
