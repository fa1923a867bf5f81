"""Bad input to a model fails at once, with an error naming what was wrong (contract 4)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

from upsample.layers import Conv2D, Input
from upsample.models import Sequential


def model(compiled: bool = True) -> Sequential:
    built = Sequential([Input((4, 4, 1)), Conv2D(2, 3)])
    if compiled:
        built.compile(optimizer="sgd", loss="mse")
    return built


def test_wrong_input_rank() -> None:
    # One rank off with a last axis of 1 is taken, as Keras; two ranks off is not.
    assert model().predict(np.ones((2, 4, 4)), verbose=0).shape == (2, 2, 2, 2)
    with pytest.raises(ValueError, match=r"ndim|rank|shape"):
        model().predict(np.ones((2, 16)), verbose=0)


def test_mismatched_set_weights() -> None:
    m = model()
    before = [w.copy() for w in m.get_weights()]
    with pytest.raises(ValueError, match=r"length 1.*expecting 2 weights"):
        m.set_weights([np.ones((3, 3, 1, 2))])
    with pytest.raises(ValueError, match=r"\(3, 3, 1, 2\).*\(3, 3, 2, 2\)"):
        m.set_weights([np.ones((3, 3, 2, 2)), np.ones(2)])
    for a, b in zip(m.get_weights(), before, strict=True):  # nothing was half-set
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("arguments", "pattern"),
    [
        ({"optimizer": "sgd", "loss": "nope"}, "Unknown loss: 'nope'"),
        ({"optimizer": "nope", "loss": "mse"}, "Unknown optimizer: 'nope'"),
    ],
)
def test_unknown_names_fail_in_compile(arguments: dict[str, Any], pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        model(compiled=False).compile(**arguments)


def test_fit_on_mismatched_lengths() -> None:
    m = model()
    before = m.get_weights()[0].copy()
    with pytest.raises(ValueError, match=r"x: 4, y: 3"):
        m.fit(np.ones((4, 4, 4, 1)), np.ones((3, 2, 2, 2)), verbose=0)
    np.testing.assert_array_equal(m.get_weights()[0], before)


@pytest.mark.parametrize("which", ["x", "y"])
@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_fit_on_non_finite_data(which: str, value: float) -> None:
    m = model()
    x, y = np.ones((4, 4, 4, 1)), np.ones((4, 2, 2, 2))
    (x if which == "x" else y)[1, 0, 0, 0] = value
    before = m.get_weights()[0].copy()
    with pytest.raises(ValueError, match=rf"`{which}` contains 1 non-finite value"):
        m.fit(x, y, verbose=0)
    np.testing.assert_array_equal(m.get_weights()[0], before)


def test_training_before_compile() -> None:
    with pytest.raises(ValueError, match=r"must call `compile\(\)`"):
        model(compiled=False).fit(np.ones((2, 4, 4, 1)), np.ones((2, 2, 2, 2)), verbose=0)


@pytest.mark.parametrize("loss", ["mse", "binary_crossentropy"])
@pytest.mark.parametrize("method", ["fit", "evaluate", "train_on_batch", "test_on_batch"])
def test_targets_of_the_wrong_shape_fail_before_any_step(loss: str, method: str) -> None:
    m = Sequential([Input((4, 4, 1)), Conv2D(2, 3)])
    m.compile(optimizer="sgd", loss=loss)
    before = [w.copy() for w in m.get_weights()]
    x, y = np.ones((3, 4, 4, 1), np.float32), np.ones((3, 5, 5, 2), np.float32)
    kwargs: dict[str, Any] = {"verbose": 0} if method in ("fit", "evaluate") else {}
    with pytest.raises(
        ValueError, match=r"targets `y` \(shape \(3, 5, 5, 2\)\).*\(None, 2, 2, 2\)"
    ):
        getattr(m, method)(x, y, **kwargs)
    for a, b in zip(m.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)


def test_sparse_labels_still_fit_a_softmax_output() -> None:
    from upsample.layers import Dense, Flatten

    m = Sequential([Input((4, 4, 1)), Flatten(), Dense(3, activation="softmax")])
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    history = m.fit(np.ones((4, 4, 4, 1)), np.array([0, 1, 2, 1]), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


@pytest.mark.parametrize(
    ("method", "name"),
    [
        (lambda m, x, y: m.predict(x, verbose=0), "`x`"),
        (lambda m, x, y: m.fit(x, y, verbose=0), "`x`"),
        (lambda m, x, y: m.evaluate(x, y, verbose=0), "`x`"),
        (lambda m, x, y: m.train_on_batch(x, y), "`x`"),
        (lambda m, x, y: m.fit(x.real, y.astype(np.complex64), verbose=0), "`y`"),
        (lambda m, x, y: m(x), "The input of layer 'sequential"),
    ],
)
def test_complex_data_is_refused_not_truncated(method: Any, name: str) -> None:
    m = model()
    before = [w.copy() for w in m.get_weights()]
    x = np.ones((2, 4, 4, 1)) * (1 + 2j)
    y = np.ones((2, 2, 2, 2))
    with pytest.raises(TypeError, match=rf"{re.escape(name)}.* is complex \(dtype=complex"):
        method(m, x, y)
    for a, b in zip(m.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)
