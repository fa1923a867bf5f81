"""Random re-initialisation: seeded, per initializer, weights restored, global RNG untouched."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from upsample import initializers
from upsample.analysis import Spread, flat_response_imbalance, over_initializations, reinitialize
from upsample.layers import Conv2D, Conv2DTranspose, Layer, UpSampling2D
from upsample.models import Sequential
from upsample.random import global_generator


def transposed() -> Sequential:
    return Sequential([Conv2DTranspose(2, 3, strides=2, padding="same", input_shape=(6, 6, 2))])


def test_the_same_seed_draws_the_same_weights() -> None:
    model = transposed()
    reinitialize(model, np.random.default_rng(7))
    first = model.get_weights()
    reinitialize(model, np.random.default_rng(8))
    assert not np.array_equal(model.get_weights()[0], first[0])
    reinitialize(model, np.random.default_rng(7))
    np.testing.assert_array_equal(model.get_weights()[0], first[0])


def test_weights_come_from_their_own_initializers() -> None:
    model = Sequential(
        [
            Conv2D(
                2,
                3,
                input_shape=(6, 6, 1),
                kernel_initializer=initializers.RandomUniform(2.0, 3.0),
                bias_initializer=initializers.Constant(0.5),
            )
        ]
    )
    reinitialize(model, np.random.default_rng(0))
    kernel, bias = model.get_weights()
    assert kernel.min() >= 2.0 and kernel.max() <= 3.0
    np.testing.assert_array_equal(bias, [0.5, 0.5])


def test_the_global_generator_is_untouched() -> None:
    model = transposed()  # building it draws from the global generator, as Keras does
    before = global_generator().bit_generator.state
    over_initializations(model, lambda m: 0.0, draws=3, seed=1)
    assert global_generator().bit_generator.state == before


def test_the_weights_are_restored_even_when_the_measure_fails() -> None:
    model = transposed()
    saved = model.get_weights()

    def failing(_: Layer) -> float:
        raise RuntimeError("measure failed")

    with pytest.raises(RuntimeError):
        over_initializations(model, failing, draws=2)
    for now, before in zip(model.get_weights(), saved):
        np.testing.assert_array_equal(now, before)


def test_the_checkerboard_is_there_at_initialisation_for_transposed_convolutions_only() -> None:
    """Odena et al.: at step 0, k3 s2 Conv2DTranspose paints a checkerboard on a flat input;
    UpSampling2D + Conv2D never does."""

    def flat(model: Layer) -> float:
        return flat_response_imbalance(model, border=2)

    resize = Sequential([UpSampling2D(input_shape=(6, 6, 2)), Conv2D(2, 3, padding="same")])
    assert max(over_initializations(resize, flat, draws=4, seed=3).values) < 1e-6
    spread = over_initializations(transposed(), flat, draws=4, seed=3)
    assert min(spread.values) > 0.05
    assert spread == over_initializations(transposed(), flat, draws=4, seed=3)


def test_spread_by_hand() -> None:
    spread = Spread((1.0, 2.0, 3.0))
    assert spread.mean == 2.0
    assert spread.std == pytest.approx(np.sqrt(2 / 3))


class _Unnamed(Layer):
    def build(self, input_shape: Any) -> None:
        self.add_weight((2,), name="scale")
        self.built = True


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="draws=0"):
        over_initializations(transposed(), lambda m: 0.0, draws=0)
    with pytest.raises(ValueError, match="seed=-1"):
        over_initializations(transposed(), lambda m: 0.0, seed=-1)
    with pytest.raises(TypeError, match="rng=7"):
        reinitialize(transposed(), 7)  # type: ignore[arg-type]
    layer = _Unnamed()
    layer.build((None, 2))
    with pytest.raises(ValueError, match="`scale_initializer`"):
        over_initializations(layer, lambda m: 0.0)
