"""Initializer distributions against samples drawn by Keras 3 (JAX backend).

Values cannot match bit for bit (each backend has its own random number
generator), so the two samples are compared as distributions: a two-sample
Kolmogorov-Smirnov test, the same support, and the scale the fans imply.  Both
sides use fixed seeds, so each test is deterministic; at these sample sizes a
wrong fan (fan_in for fan_out) or a missing truncation correction (13% in the
standard deviation) gives p-values far below the threshold.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from support.reference import KerasReference
from upsample import initializers
from upsample.initializers import (
    Constant,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    Initializer,
    LecunNormal,
    LecunUniform,
    Ones,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    Zeros,
)

ALPHA = 1e-4
# A Conv2DTranspose kernel (kh, kw, filters, in): fan_in = 3*3*64, fan_out = 3*3*16.
SHAPES = [(3, 3, 64, 16), (784, 128)]
TRUNCATION = 0.87962566103423978


def bound_and_stddev(initializer: Initializer, shape: tuple[int, ...]) -> tuple[float, float]:
    """The support's half-width (inf if unbounded) and the standard deviation, from the fans."""
    if isinstance(initializer, VarianceScaling):
        fan_in, fan_out = initializers.compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}
        variance = initializer.scale / n[initializer.mode]
        if initializer.distribution == "uniform":
            return math.sqrt(3 * variance), math.sqrt(variance)
        if initializer.distribution == "truncated_normal":
            return 2 * math.sqrt(variance) / TRUNCATION, math.sqrt(variance)
        return math.inf, math.sqrt(variance)
    raise AssertionError(initializer)


RANDOM = [
    GlorotUniform(seed=1),
    GlorotNormal(seed=2),
    HeUniform(seed=3),
    HeNormal(seed=4),
    LecunUniform(seed=5),
    LecunNormal(seed=6),
    VarianceScaling(0.5, "fan_out", "untruncated_normal", seed=7),
    VarianceScaling(3.0, "fan_avg", "truncated_normal", seed=8),
    VarianceScaling(1.5, "fan_out", "uniform", seed=9),
]


@pytest.mark.parametrize("initializer", RANDOM, ids=lambda i: repr(i))
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_variance_scaling_matches_keras_samples(
    keras_reference: KerasReference, initializer: VarianceScaling, shape: tuple[int, ...]
) -> None:
    serialized = initializers.serialize(initializer)
    theirs = keras_reference("support.keras_side_optim:initializer_sample", serialized, shape)
    keras_values = theirs.output.astype(np.float64).ravel()
    ours = type(initializer).from_config({**initializer.get_config(), "seed": 100})(shape)
    our_values = ours.astype(np.float64).ravel()
    assert ours.shape == shape and ours.dtype == theirs.output.dtype == np.float32
    assert stats.ks_2samp(our_values, keras_values).pvalue > ALPHA
    bound, stddev = bound_and_stddev(initializer, shape)
    for values in (our_values, keras_values):
        # Both stay within the bound the fans give, and both come near it.
        assert np.abs(values).max() <= np.float32(bound)
        if math.isfinite(bound):
            assert np.abs(values).max() > 0.99 * bound
        # The sample std's standard error is at most sigma / sqrt(2n) for these
        # (kurtosis <= 3): allow 5 of them.
        assert abs(values.std() - stddev) < 5 * stddev / math.sqrt(2 * values.size)


@pytest.mark.parametrize(
    "initializer",
    [
        RandomNormal(mean=0.5, stddev=2.0, seed=1),
        RandomUniform(minval=-1.0, maxval=3.0, seed=2),
        TruncatedNormal(mean=-1.0, stddev=0.3, seed=3),
    ],
    ids=lambda i: repr(i),
)
def test_random_initializers_match_keras_samples(
    keras_reference: KerasReference, initializer: Initializer
) -> None:
    shape = (400, 250)
    serialized = initializers.serialize(initializer)
    keras_values = keras_reference(
        "support.keras_side_optim:initializer_sample", serialized, shape
    ).output.ravel()
    our_values = initializer(shape).ravel()
    assert stats.ks_2samp(our_values, keras_values).pvalue > ALPHA
    low, high = support(initializer)
    for values in (our_values, keras_values):
        assert values.min() >= np.float32(low) and values.max() <= np.float32(high)


def support(initializer: Initializer) -> tuple[float, float]:
    if isinstance(initializer, RandomUniform):
        return initializer.minval, initializer.maxval
    if isinstance(initializer, TruncatedNormal):
        width = 2 * initializer.stddev
        return initializer.mean - width, initializer.mean + width
    return -math.inf, math.inf


@pytest.mark.parametrize("initializer", [Zeros(), Ones(), Constant(0.25)], ids=repr)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_constant_initializers_match_keras(
    keras_reference: KerasReference, initializer: Initializer, dtype: str
) -> None:
    serialized = initializers.serialize(initializer)
    theirs = keras_reference(
        "support.keras_side_optim:initializer_sample", serialized, (3, 2), dtype
    ).output
    ours = initializer((3, 2), dtype=dtype)
    assert ours.dtype == theirs.dtype or (dtype == "float64" and theirs.dtype == np.float32)
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize(
    "initializer",
    [
        *RANDOM,
        GlorotUniform(),
        RandomNormal(1.0, 0.5),
        TruncatedNormal(seed=4),
        Zeros(),
        Constant(2),
    ],
    ids=lambda i: repr(i),
)
def test_keras_loads_our_initializer_configs(
    keras_reference: KerasReference, initializer: Initializer
) -> None:
    serialized = initializers.serialize(initializer)
    roundtrip = keras_reference(
        "support.keras_side_optim:roundtrip_config", "initializers", serialized
    )
    assert roundtrip.output == serialized
