"""Merging layers: values, Keras's broadcasting, gradients, functional forms, errors."""

from __future__ import annotations

import numpy as np
import pytest

from support.layer_checks import assert_config_round_trip, assert_layer_gradients
from upsample.layers import merging
from upsample.layers.merging import (
    Add,
    Average,
    Concatenate,
    Maximum,
    Merge,
    Minimum,
    Multiply,
    Subtract,
)

ELEMENTWISE = {
    Add: lambda xs: xs[0] + xs[1] + xs[2],
    Multiply: lambda xs: xs[0] * xs[1] * xs[2],
    Average: lambda xs: (xs[0] + xs[1] + xs[2]) / 3,
    Maximum: lambda xs: np.maximum(np.maximum(xs[0], xs[1]), xs[2]),
    Minimum: lambda xs: np.minimum(np.minimum(xs[0], xs[1]), xs[2]),
}


@pytest.mark.parametrize("cls", ELEMENTWISE)
def test_elementwise_values(cls: type[Merge], rng: np.random.Generator) -> None:
    xs = [rng.normal(size=(2, 3, 4)) for _ in range(3)]
    np.testing.assert_allclose(cls(dtype="float64")(xs), ELEMENTWISE[cls](xs))


def test_subtract_values(rng: np.random.Generator) -> None:
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    np.testing.assert_allclose(Subtract(dtype="float64")([a, b]), a - b)


@pytest.mark.parametrize("cls", [*ELEMENTWISE, Subtract])
@pytest.mark.parametrize(
    "shapes",
    [
        [(2, 3, 4), (2, 3, 4)],
        [(2, 3, 4), (2, 1, 4), (2, 3, 1)],  # size-1 axes broadcast
        [(2, 3, 4), (2, 4)],  # lower rank: axes inserted after the batch axis
        [(2, 3), (2,), (2, 1)],
    ],
    ids=["equal", "size-one", "rank", "vector"],
)
def test_gradients(
    cls: type[Merge], shapes: list[tuple[int, ...]], rng: np.random.Generator
) -> None:
    if cls is Subtract:
        shapes = shapes[:2]
    xs = [rng.normal(size=s) for s in shapes]
    layer = cls(dtype="float64")
    out = layer(xs)
    assert layer.compute_output_shape([(None, *s[1:]) for s in shapes])[1:] == out.shape[1:]
    assert_layer_gradients(layer, xs, rng)


def test_lower_rank_inputs_align_after_the_batch_axis() -> None:
    """Keras inserts size-1 axes after the batch axis: (2, 3) + (2,) adds x[i] to row i."""
    a = np.zeros((2, 3))
    b = np.array([10.0, 20.0])
    np.testing.assert_array_equal(Add(dtype="float64")([a, b]), [[10] * 3, [20] * 3])


def test_maximum_and_minimum_split_gradients_on_ties_as_jax() -> None:
    x = np.array([[1.0, 2.0]])
    grads = Maximum(dtype="float64").backward(
        Maximum(dtype="float64").forward([x, x.copy(), x.copy()])[1], np.ones((1, 2))
    )
    # max(max(a, b), c): a and b share the first half, c gets the other half.
    np.testing.assert_array_equal([g[0, 0] for g in grads.inputs], [0.25, 0.25, 0.5])
    layer = Minimum(dtype="float64")
    _, cache = layer.forward([x, np.array([[1.0, 0.0]])])
    np.testing.assert_array_equal(
        layer.backward(cache, np.ones((1, 2))).inputs, [[[0.5, 0]], [[0.5, 1]]]
    )


@pytest.mark.parametrize(
    ("axis", "shapes", "expected"),
    [
        (-1, [(2, 3, 4), (2, 3, 1), (2, 3, 2)], (2, 3, 7)),
        (1, [(2, 3, 4), (2, 1, 4)], (2, 4, 4)),
        (0, [(2, 3), (5, 3)], (7, 3)),  # along the batch axis, batch sizes may differ
        (-2, [(1, 2, 2, 3), (1, 2, 1, 3)], (1, 2, 3, 3)),
    ],
)
def test_concatenate(
    axis: int, shapes: list[tuple[int, ...]], expected: tuple[int, ...], rng: np.random.Generator
) -> None:
    xs = [rng.normal(size=s) for s in shapes]
    layer = Concatenate(axis=axis, dtype="float64")
    out, _ = layer.forward(xs)
    np.testing.assert_array_equal(out, np.concatenate(xs, axis=axis))
    assert out.shape == expected == layer.compute_output_shape(shapes)
    assert_layer_gradients(layer, xs, rng)


def test_output_shapes_with_unknown_sizes() -> None:
    assert Add().compute_output_shape([(None, 3, None), (None, 3, 4)]) == (None, 3, None)
    assert Add().compute_output_shape([(None, 3, 4), (None, 1, 4)]) == (None, 3, 4)
    assert Add().compute_output_shape([(5, 3), (None, 3)]) == (5, 3)
    assert Concatenate().compute_output_shape([(None, 3, 4), (None, 3, None)]) == (None, 3, None)
    assert Concatenate(axis=1).compute_output_shape([(None, None, 4), (None, 2, 4)]) == (
        None,
        None,
        4,
    )


def test_functional_forms(rng: np.random.Generator) -> None:
    a, b = rng.normal(size=(2, 3)).astype(np.float32), rng.normal(size=(2, 3)).astype(np.float32)
    np.testing.assert_allclose(merging.add([a, b]), a + b)
    np.testing.assert_allclose(merging.subtract([a, b]), a - b)
    np.testing.assert_allclose(merging.multiply([a, b]), a * b)
    np.testing.assert_allclose(merging.average([a, b]), (a + b) / 2)
    np.testing.assert_allclose(merging.maximum([a, b]), np.maximum(a, b))
    np.testing.assert_allclose(merging.minimum([a, b]), np.minimum(a, b))
    np.testing.assert_allclose(merging.concatenate([a, b], axis=0), np.concatenate([a, b]))
    assert merging.add.__name__ == "add"


def test_backward_flags(rng: np.random.Generator) -> None:
    xs = [rng.normal(size=(2, 3)) for _ in range(2)]
    for layer in (Add(), Concatenate()):
        out, cache = layer.forward(xs)
        grads = layer.backward(cache, np.ones_like(out), inputs=False)
        assert grads.inputs is None and grads.weights == []
        grads = layer.backward(cache, np.ones_like(out), weights=False)
        assert grads.weights is None and [g.shape for g in grads.inputs] == [(2, 3)] * 2


@pytest.mark.parametrize("cls", [*ELEMENTWISE, Subtract, Concatenate])
def test_config(cls: type[Merge]) -> None:
    layer = cls(axis=1) if cls is Concatenate else cls()
    extra = ["axis"] if cls is Concatenate else []
    assert list(layer.get_config()) == ["name", "trainable", "dtype", *extra]
    assert_config_round_trip(layer)


@pytest.mark.parametrize(
    ("layer", "inputs", "match"),
    [
        (Add(), [(2, 3), (2, 4)], r"incompatible shapes.*\(None, 3\).*\(None, 4\)"),
        (Multiply(), [(2, 3, 4), (2, 2, 4)], "incompatible shapes"),
        (Add(), [(2, 3), (4, 3)], "different batch sizes"),
        (Subtract(), [(2, 3)] * 3, "exactly 2 inputs"),
        (Concatenate(), [(2, 3, 4), (2, 2, 4)], r"matching shapes except.*\(None, 2, 4\)"),
        (Concatenate(axis=1), [(2, 3), (3, 3)], "matching shapes except"),
        (Concatenate(), [(2, 3, 4), (2, 3)], r"one rank.*axis=-1"),
        (Concatenate(axis=3), [(2, 3, 4), (2, 3, 4)], "axis=3"),
        (Maximum(), [], "at least 1"),
    ],
)
def test_bad_inputs(layer: Merge, inputs: list[tuple[int, ...]], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        layer([np.zeros(s, np.float32) for s in inputs])


def test_a_single_tensor_is_refused() -> None:
    with pytest.raises(ValueError, match="list of inputs"):
        Add()(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match="list of inputs"):
        Concatenate().forward(np.zeros((2, 3), np.float32))


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="axis='last'"):
        Concatenate(axis="last")  # type: ignore[arg-type]


@pytest.mark.parametrize(("axis", "independent"), [(-1, True), (1, True), (0, False), (-2, False)])
def test_concatenating_along_the_batch_axis_mixes_samples(axis: int, independent: bool) -> None:
    layer = Concatenate(axis=axis)
    layer.build([(None, 3), (None, 3)])
    assert layer.samples_independent is independent
