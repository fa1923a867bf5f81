"""A layer refuses, before allocating, weights or outputs larger than the memory limit.

The sizes are the ones a user types (an UpSampling2D `size`, `strides`, `kernel_size`,
`filters`, `units`); the error names the layer, the argument and the size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pytest

import upsample.layers as L
from upsample import config
from upsample.layers.layer import Layer


@pytest.fixture
def default_limit_after() -> Iterator[None]:
    yield
    config.set_memory_limit(None)


IMAGES = np.ones((1, 28, 28, 1), np.float32)
# (layer, its input, what the message must say): at the default limit, this machine's
# physical memory, which none of these fits in.
CASES: list[tuple[Callable[[], Layer], np.ndarray, str]] = [
    (
        lambda: L.UpSampling2D(100_000),
        IMAGES,
        r"Layer 'up_sampling2d\w*' \(UpSampling2D, size=\(100000, 100000\)\): its output of "
        r"shape \(1, 2800000, 2800000, 1\) \(float32\) would need 28.5 TiB",
    ),
    (
        lambda: L.Conv2DTranspose(8, 3, strides=1_000_000),
        IMAGES,
        r"\(Conv2DTranspose, filters=8, kernel_size=\(3, 3\), strides=\(1000000, 1000000\)\): "
        r"its output of shape \(1, 28000000, 28000000, 8\) \(float32\) would need 22.3 PiB",
    ),
    (
        lambda: L.Conv2D(8, 1_000_000, padding="same"),
        IMAGES,
        r"kernel_size=\(1000000, 1000000\)\): its weight 'kernel' of shape "
        r"\(1000000, 1000000, 1, 8\) \(float32\) would need 29.1 TiB",
    ),
    (
        lambda: L.Conv2D(10**11, 3),
        IMAGES,
        r"\(Conv2D, filters=100000000000, kernel_size=\(3, 3\)\): its weight 'kernel' of shape "
        r"\(3, 3, 1, 100000000000\) \(float32\) would need 3.27 TiB",
    ),
    (
        lambda: L.Dense(10**12),
        np.ones((2, 784), np.float32),
        r"Layer 'dense\w*' \(Dense, units=1000000000000\): its weight 'kernel' of shape "
        r"\(784, 1000000000000\) \(float32\) would need 2.79 PiB",
    ),
]


@pytest.mark.parametrize(
    ("make", "x", "message"),
    CASES,
    ids=["UpSampling2D size", "strides", "kernel_size", "filters", "Dense units"],
)
def test_sizes_that_cannot_fit_are_refused_by_name(
    make: Callable[[], Layer], x: np.ndarray, message: str
) -> None:
    layer = make()
    with pytest.raises(config.MemoryLimitError, match=message) as raised:
        layer(x)
    assert "this machine's physical memory" in str(raised.value)
    assert not layer.weights or all(v.value.nbytes < 1 << 20 for v in layer.weights)


def test_the_limit_is_the_configured_one(default_limit_after: None) -> None:
    """An output of exactly the limit passes; one byte more does not."""
    layer = L.UpSampling2D(2)
    config.set_memory_limit(1 * 56 * 56 * 1 * 4)
    assert layer(IMAGES).shape == (1, 56, 56, 1)
    config.set_memory_limit(1 * 56 * 56 * 1 * 4 - 1)  # 12,544 B = 12.25 KiB
    with pytest.raises(config.MemoryLimitError, match=r"would need 12.2 KiB, more than the memory"):
        layer(IMAGES)


def test_weights_are_checked_at_build(default_limit_after: None) -> None:
    config.set_memory_limit(3 * 3 * 1 * 100 * 4 - 1)
    with pytest.raises(config.MemoryLimitError, match=r"weight 'kernel' of shape \(3, 3, 1, 100\)"):
        L.Conv2D(100, 3).build((None, 28, 28, 1))
