"""`EpochShuffle`: each epoch's order is a function of the seed and the epoch only.

That is what lets a run stop after any epoch and resume (on either engine) on
the batches an uninterrupted run would have seen.
"""

from __future__ import annotations

import numpy as np
import pytest

from upsample.layers import Dense, Input
from upsample.models import EpochShuffle, Sequential
from upsample.models.data import epoch_order
from upsample.random import global_generator
from upsample.utils import set_random_seed


def test_an_epoch_order_is_a_permutation_fixed_by_seed_epoch_and_count() -> None:
    order = epoch_order(3, 0, 1000)
    assert sorted(order.tolist()) == list(range(1000))
    np.testing.assert_array_equal(order, epoch_order(3, 0, 1000))
    np.testing.assert_array_equal(order, EpochShuffle(3).order(0, 1000))
    assert not np.array_equal(order, epoch_order(3, 1, 1000))
    assert not np.array_equal(order, epoch_order(4, 0, 1000))
    assert not np.array_equal(order, np.arange(1000))


def test_an_epoch_order_leaves_the_global_generator_alone() -> None:
    set_random_seed(1)
    expected = global_generator().random(3)
    set_random_seed(1)
    epoch_order(9, 2, 50)
    np.testing.assert_array_equal(global_generator().random(3), expected)


@pytest.mark.parametrize("seed", [-1, 1.5, True, "3", None])
def test_bad_seeds_are_refused(seed: object) -> None:
    with pytest.raises(ValueError, match="seed"):
        EpochShuffle(seed)  # type: ignore[arg-type]


def model() -> Sequential:
    built = Sequential([Input((3,)), Dense(2, activation="tanh"), Dense(1)])
    built.set_weights(
        [np.full(w.shape, 0.1 * (i + 1), np.float32) for i, w in enumerate(built.get_weights())]
    )
    built.compile(optimizer="adam", loss="mse")
    return built


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.standard_normal((20, 3)).astype(np.float32), rng.standard_normal((20, 1)).astype(
        np.float32
    )


def test_fit_feeds_each_epoch_in_its_order_after_the_validation_split() -> None:
    x, y = data()
    shuffled = model()
    history = shuffled.fit(
        x, y, epochs=3, batch_size=3, validation_split=0.25, shuffle=EpochShuffle(7), verbose=0
    )
    # By hand: Keras's split first (the last quarter), then each epoch's order, unshuffled.
    by_hand = model()
    train, held_out = slice(0, 15), slice(15, 20)
    losses = []
    for epoch in range(3):
        order = epoch_order(7, epoch, 15)
        step = by_hand.fit(
            x[train][order],
            y[train][order],
            epochs=epoch + 1,
            initial_epoch=epoch,
            batch_size=3,
            validation_data=(x[held_out], y[held_out]),
            shuffle=False,
            verbose=0,
        )
        losses.append(step.history["loss"][0])
    np.testing.assert_array_equal(history.history["loss"], losses)
    for ours, theirs in zip(shuffled.get_weights(), by_hand.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_a_resumed_run_ends_where_an_uninterrupted_one_ends() -> None:
    x, y = data()
    whole = model()
    whole.fit(x, y, epochs=4, batch_size=4, shuffle=EpochShuffle(2), verbose=0)
    resumed = model()
    resumed.fit(x, y, epochs=2, batch_size=4, shuffle=EpochShuffle(2), verbose=0)
    set_random_seed(123)  # whatever happened to the global generator in between
    resumed.fit(x, y, epochs=4, initial_epoch=2, batch_size=4, shuffle=EpochShuffle(2), verbose=0)
    for ours, theirs in zip(resumed.get_weights(), whole.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)
