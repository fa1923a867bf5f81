"""`fit`, `evaluate`, `predict` and model calls refuse batches whose layer outputs cannot fit.

The model below has 5,120 bytes of layer outputs per sample, counted by hand:
Conv2D(4) on 8x8: 8*8*4 floats = 1,024 B; UpSampling2D(2): 16*16*4 floats = 4,096 B.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import upsample.layers as L
from upsample import config
from upsample.models import Sequential

PER_SAMPLE = 8 * 8 * 4 * 4 + 16 * 16 * 4 * 4


@pytest.fixture
def room_for_100_samples() -> Iterator[None]:
    config.set_memory_limit(100 * PER_SAMPLE)
    yield
    config.set_memory_limit(None)


def model() -> Sequential:
    m = Sequential([L.Input((8, 8, 1)), L.Conv2D(4, 3, padding="same"), L.UpSampling2D(2)])
    m.compile(optimizer="sgd", loss="mse")
    return m


def data(count: int) -> tuple[np.ndarray, np.ndarray]:
    return np.ones((count, 8, 8, 1), np.float32), np.ones((count, 16, 16, 4), np.float32)


def test_fit_refuses_a_batch_before_any_step(room_for_100_samples: None) -> None:
    m = model()
    before = m.get_weights()
    x, y = data(300)
    with pytest.raises(config.MemoryLimitError) as raised:
        m.fit(x, y, batch_size=101, verbose=0)
    message = str(raised.value)
    assert message.startswith("A batch of 101 samples: the outputs of the layers of model")
    assert "would need 505 KiB" in message  # 101 * 5,120 B
    assert "(UpSampling2D, size=(2, 2)), of shape (101, 16, 16, 4) (404 KiB)" in message
    assert message.endswith("At most 100 samples per batch fit: pass a smaller batch_size.")
    assert raised.value.batch_size == 100
    for a, b in zip(m.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)
    assert m.optimizer.iterations.value == 0
    m.fit(x, y, batch_size=100, verbose=0)  # fits exactly


def test_the_batch_is_at_most_the_data(room_for_100_samples: None) -> None:
    model().fit(*data(50), batch_size=10**9, verbose=0)


@pytest.mark.parametrize("method", ["evaluate", "predict", "train_on_batch", "predict_on_batch"])
def test_every_method_checks_its_batches(method: str, room_for_100_samples: None) -> None:
    m = model()
    x, y = data(200)
    with pytest.raises(config.MemoryLimitError, match="A batch of 200 samples"):
        if method == "evaluate":
            m.evaluate(x, y, batch_size=200, verbose=0)
        elif method == "predict":
            m.predict(x, batch_size=200, verbose=0)
        elif method == "train_on_batch":
            m.train_on_batch(x, y)
        else:
            m.predict_on_batch(x)


def test_a_model_call_checks_every_layer_s_output(room_for_100_samples: None) -> None:
    with pytest.raises(config.MemoryLimitError, match=r"Model 'sequential\w*' called on"):
        model()(data(101)[0])


def test_when_one_sample_does_not_fit_the_arguments_are_to_blame() -> None:
    m = Sequential([L.Input((28, 28, 1)), L.UpSampling2D(3000)])
    with pytest.raises(config.MemoryLimitError) as raised:
        m.predict(np.ones((2, 28, 28, 1), np.float32), verbose=0)
    assert "(UpSampling2D, size=(3000, 3000)), of shape (2, 84000, 84000, 1)" in str(raised.value)
    assert str(raised.value).endswith(
        "Even one sample does not fit: the layers' arguments ask for too much."
    )
    assert raised.value.batch_size == 0
