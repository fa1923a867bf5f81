"""`Batches`: the rows the Keras engine feeds per epoch, step and process."""

from __future__ import annotations

import numpy as np
import pytest

from upsample.interop.batches import Batches
from upsample.models import EpochShuffle


def test_an_epoch_is_its_order_cut_into_batches() -> None:
    batches = Batches(10, 4, EpochShuffle(1))
    assert batches.steps == 3
    for epoch in range(2):
        rows = [batches.rows(epoch, i) for i in range(batches.steps)]
        assert [len(r) for r in rows] == [4, 4, 2]
        np.testing.assert_array_equal(np.concatenate(rows), EpochShuffle(1).order(epoch, 10))


def test_without_a_shuffle_rows_come_in_order() -> None:
    batches = Batches(5, 2, None)
    assert [batches.rows(0, i).tolist() for i in range(3)] == [[0, 1], [2, 3], [4]]


def test_processes_feed_contiguous_shares_of_each_global_batch() -> None:
    single = Batches(24, 8, EpochShuffle(4))
    shares = [Batches(24, 8, EpochShuffle(4), processes=4, process=p) for p in range(4)]
    for step in range(3):
        parts = [share.rows(1, step) for share in shares]
        assert [len(part) for part in parts] == [2, 2, 2, 2]
        np.testing.assert_array_equal(np.concatenate(parts), single.rows(1, step))


def test_batches_that_split_evenly_over_the_devices_pass() -> None:
    Batches(32, 8, None).check_devices(2, "batch_size")
    Batches(36, 8, None).check_devices(4, "batch_size")  # last batch of 4
    Batches(3, 8, None).check_devices(3, "batch_size")  # one batch, of 3


@pytest.mark.parametrize(
    ("count", "batch_size", "uneven"), [(30, 25, "[5, 25]"), (33, 8, "[1]"), (7, 8, "[7]")]
)
def test_uneven_batches_are_refused_with_the_sizes(
    count: int, batch_size: int, uneven: str
) -> None:
    with pytest.raises(
        ValueError, match=r"2 devices.*batch_size=\d+ make batch\(es\) of "
    ) as error:
        Batches(count, batch_size, None).check_devices(2, "batch_size")
    assert uneven in str(error.value)
    assert "distribution=None" in str(error.value)
