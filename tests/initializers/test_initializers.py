"""Initializers: fans, distributions, seeds, argument checks, configs and lookup by name."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from scipy import stats

from upsample import initializers
from upsample.initializers import (
    Constant,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Ones,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    Zeros,
    compute_fans,
)
from upsample.random import set_random_seed

TRUNCATION = 0.87962566103423978
# Kolmogorov-Smirnov tests use fixed seeds, so they are deterministic; a p-value
# below this level would mean the distribution is wrong, not bad luck.
ALPHA = 1e-4


def truncated_standard_normal() -> stats.rv_continuous:
    return stats.truncnorm(-2.0, 2.0)


# --------------------------------------------------------------------------- fans


@pytest.mark.parametrize(
    ("shape", "fans"),
    [
        ((), (1, 1)),
        ((7,), (7, 7)),
        ((3, 5), (3, 5)),
        ((3, 3, 8, 16), (3 * 3 * 8, 3 * 3 * 16)),  # Conv2D kernel (kh, kw, in, out)
        ((2, 3, 4, 5, 6), (2 * 3 * 4 * 5, 2 * 3 * 4 * 6)),
    ],
)
def test_compute_fans_follows_keras(shape: tuple[int, ...], fans: tuple[int, int]) -> None:
    assert compute_fans(shape) == fans


def test_conv2d_transpose_kernel_fan_in_counts_the_filters() -> None:
    """A Conv2DTranspose kernel is (kh, kw, filters, in): Keras's fan_in is kh * kw * filters."""
    kh, kw, filters, channels_in = 3, 3, 32, 8
    assert compute_fans((kh, kw, filters, channels_in)) == (
        kh * kw * filters,
        kh * kw * channels_in,
    )


def test_compute_fans_with_explicit_axes() -> None:
    assert compute_fans((2, 3, 4), input_axes=(0, 2), output_axes=(1,)) == (8, 3)


# --------------------------------------------------------------------------- distributions


def he_uniform_limit(fan_in: int) -> float:
    return math.sqrt(6.0 / fan_in)


@pytest.mark.parametrize(
    ("initializer", "shape", "bound", "stddev"),
    [
        # uniform: limit = sqrt(3 * scale / n), std = limit / sqrt(3)
        (GlorotUniform(seed=1), (3, 3, 16, 32), math.sqrt(6 / (9 * 48)), math.sqrt(2 / (9 * 48))),
        (HeUniform(seed=2), (3, 3, 32, 8), he_uniform_limit(9 * 32), math.sqrt(2 / (9 * 32))),
        (LecunUniform(seed=3), (400, 300), math.sqrt(3 / 400), math.sqrt(1 / 400)),
        # truncated normal: |x| < 2 * sigma, sigma = sqrt(scale / n) / 0.8796...
        (
            HeNormal(seed=4),
            (3, 3, 32, 8),
            2 * math.sqrt(2 / (9 * 32)) / TRUNCATION,
            math.sqrt(2 / (9 * 32)),
        ),
        (
            GlorotNormal(seed=5),
            (500, 300),
            2 * math.sqrt(2 / 800) / TRUNCATION,
            math.sqrt(2 / 800),
        ),
        (LecunNormal(seed=6), (300, 500), 2 * math.sqrt(1 / 300) / TRUNCATION, math.sqrt(1 / 300)),
    ],
    ids=["glorot_uniform", "he_uniform", "lecun_uniform", "he_normal", "glorot_normal", "lecun"],
)
def test_variance_scaling_presets_have_their_bounds_and_variance(
    initializer: VarianceScaling, shape: tuple[int, ...], bound: float, stddev: float
) -> None:
    values = initializer(shape).astype(np.float64).ravel()
    n = values.size
    assert np.all(np.abs(values) <= np.float32(bound))
    # The extremes come close to the bound: the support is the full interval.
    assert np.abs(values).max() > bound * (1 - 20 / n)
    # Mean within 5 standard errors of 0; variance within 5 standard errors
    # (the fourth moment bounds the variance of the sample variance).
    assert abs(values.mean()) < 5 * stddev / math.sqrt(n)
    assert abs(values.var() - stddev**2) < 5 * stddev**2 * math.sqrt(2 / n)


def test_variance_scaling_distributions_match_their_cdfs() -> None:
    n, fan = 200_000, 50
    uniform = VarianceScaling(2.0, "fan_in", "uniform", seed=0)((fan, n // fan)).ravel()
    limit = math.sqrt(3 * 2.0 / fan)
    assert stats.kstest(uniform, stats.uniform(-limit, 2 * limit).cdf).pvalue > ALPHA
    truncated = VarianceScaling(2.0, "fan_in", "truncated_normal", seed=1)((fan, n // fan))
    sigma = math.sqrt(2.0 / fan) / TRUNCATION
    assert stats.kstest(truncated.ravel() / sigma, truncated_standard_normal().cdf).pvalue > ALPHA
    normal = VarianceScaling(2.0, "fan_in", "untruncated_normal", seed=2)((fan, n // fan))
    assert stats.kstest(normal.ravel(), stats.norm(0, math.sqrt(2.0 / fan)).cdf).pvalue > ALPHA


@pytest.mark.parametrize(
    ("mode", "expected_n"), [("fan_in", 3 * 3 * 4), ("fan_out", 3 * 3 * 6), ("fan_avg", 45)]
)
def test_variance_scaling_modes(mode: str, expected_n: float) -> None:
    values = VarianceScaling(1.0, mode, "uniform", seed=0)((3, 3, 4, 6))
    assert np.abs(values).max() <= np.float32(math.sqrt(3.0 / expected_n))
    assert np.abs(values).max() > 0.99 * math.sqrt(3.0 / expected_n)


def test_fans_below_one_do_not_increase_the_scale() -> None:
    """``scale / max(1, fan)``: an empty fan does not divide by zero."""
    values = VarianceScaling(1.0, "fan_in", "uniform", seed=0)((0, 5))
    assert values.shape == (0, 5)


def test_normal_is_an_alias_of_truncated_normal() -> None:
    assert VarianceScaling(distribution="Normal").distribution == "truncated_normal"


def test_random_normal_uniform_and_truncated_normal_parameters() -> None:
    n = 200_000
    normal = RandomNormal(mean=1.5, stddev=0.5, seed=0)((n,))
    assert stats.kstest(normal, stats.norm(1.5, 0.5).cdf).pvalue > ALPHA
    uniform = RandomUniform(minval=-1.0, maxval=3.0, seed=1)((n,))
    assert uniform.min() >= -1.0 and uniform.max() < 3.0
    assert stats.kstest(uniform, stats.uniform(-1.0, 4.0).cdf).pvalue > ALPHA
    truncated = TruncatedNormal(mean=-1.0, stddev=2.0, seed=2)((n,))
    assert np.all(np.abs(truncated + 1.0) < 4.0)
    z = (truncated.astype(np.float64) + 1.0) / 2.0
    assert stats.kstest(z, truncated_standard_normal().cdf).pvalue > ALPHA


def test_uniform_never_returns_its_upper_bound_after_rounding() -> None:
    values = RandomUniform(minval=1.0, maxval=1.0 + 2**-22, seed=0)((100_000,))
    assert values.max() < np.float32(1.0 + 2**-22)


# --------------------------------------------------------------------------- shapes, dtypes


@pytest.mark.parametrize("initializer", [GlorotUniform(seed=0), HeNormal(seed=0), Zeros(), Ones()])
@pytest.mark.parametrize("dtype", [None, "float32", "float64", np.float16])
def test_shape_and_dtype(initializer: initializers.Initializer, dtype: object) -> None:
    values = initializer((2, 3, 4), dtype=dtype)
    assert values.shape == (2, 3, 4)
    assert values.dtype == np.dtype(dtype or "float32")


def test_an_int_shape_is_one_dimensional() -> None:
    assert GlorotUniform(seed=0)(5).shape == (5,)


def test_constant_initializers() -> None:
    np.testing.assert_array_equal(Constant(2.5)((2, 2)), np.full((2, 2), 2.5, np.float32))
    np.testing.assert_array_equal(Zeros()((3,), dtype="int32"), np.zeros(3, np.int32))
    np.testing.assert_array_equal(Ones()((2,)), np.ones(2, np.float32))


# --------------------------------------------------------------------------- seeds


def test_an_int_seed_gives_the_same_values_on_every_call() -> None:
    initializer = HeUniform(seed=42)
    np.testing.assert_array_equal(initializer((4, 4)), initializer((4, 4)))
    np.testing.assert_array_equal(initializer((4, 4)), HeUniform(seed=42)((4, 4)))
    assert not np.array_equal(initializer((4, 4)), HeUniform(seed=43)((4, 4)))


def test_without_a_seed_calls_differ_and_set_random_seed_repeats_them() -> None:
    initializer = GlorotUniform()
    set_random_seed(7)
    first = [initializer((3, 3)), TruncatedNormal()((3, 3))]
    assert not np.array_equal(first[0], initializer((3, 3)))
    set_random_seed(7)
    again = [initializer((3, 3)), TruncatedNormal()((3, 3))]
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: VarianceScaling(scale=0.0), "scale=0.0"),
        (lambda: VarianceScaling(scale=-1), "scale=-1"),
        (lambda: VarianceScaling(mode="fan_sum"), "'fan_sum'"),
        (lambda: VarianceScaling(distribution="cauchy"), "'cauchy'"),
        (lambda: HeNormal(seed=-1), "seed=-1"),
        (lambda: HeNormal(seed="7"), "seed='7'"),  # type: ignore[arg-type]
        (lambda: Constant([1.0, 2.0]), "value=[1.0, 2.0]"),  # type: ignore[arg-type]
        (lambda: GlorotUniform(seed=0)((2, -1)), "shape=(2, -1)"),
        (lambda: GlorotUniform(seed=0)((2.5, 3)), "shape=(2.5, 3)"),  # type: ignore[arg-type]
        (lambda: GlorotUniform(seed=0)((2, 3), dtype="int32"), "dtype='int32'"),
        (lambda: Zeros()((2,), dtype="no-such-type"), "dtype='no-such-type'"),
    ],
)
def test_bad_arguments_name_the_argument_and_the_value(build: object, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        build()  # type: ignore[operator]


# --------------------------------------------------------------------------- configs and names


ALL_CONFIGURED = [
    Constant(3.0),
    Zeros(),
    Ones(),
    RandomNormal(mean=1.0, stddev=2.0, seed=3),
    RandomUniform(minval=-2.0, maxval=1.0, seed=4),
    TruncatedNormal(mean=0.5, stddev=0.1),
    VarianceScaling(0.5, "fan_out", "untruncated_normal", seed=5),
    GlorotUniform(seed=1),
    GlorotNormal(),
    HeUniform(seed=2),
    HeNormal(),
    LecunUniform(),
    LecunNormal(seed=9),
]


@pytest.mark.parametrize("initializer", ALL_CONFIGURED, ids=lambda i: type(i).__name__)
def test_config_round_trip(initializer: initializers.Initializer) -> None:
    config = initializer.get_config()
    clone = type(initializer).from_config(config)
    assert clone.get_config() == config
    serialized = initializers.serialize(initializer)
    assert serialized == {
        "module": "keras.initializers",
        "class_name": type(initializer).__name__,
        "config": config,
        "registered_name": None,
    }
    restored = initializers.deserialize(serialized)
    assert type(restored) is type(initializer) and restored.get_config() == config


def test_preset_configs_hold_only_seed_and_axes() -> None:
    assert HeNormal(seed=1).get_config() == {"seed": 1, "input_axes": None, "output_axes": None}
    assert VarianceScaling().get_config() == {
        "seed": None,
        "scale": 1.0,
        "mode": "fan_in",
        "distribution": "truncated_normal",
        "input_axes": None,
        "output_axes": None,
    }


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("glorot_uniform", GlorotUniform),
        ("GlorotUniform", GlorotUniform),
        ("he_normal", HeNormal),
        ("he_uniform", HeUniform),
        ("lecun_normal", LecunNormal),
        ("random_normal", RandomNormal),
        ("normal", RandomNormal),
        ("uniform", RandomUniform),
        ("truncated_normal", TruncatedNormal),
        ("variance_scaling", VarianceScaling),
        ("zeros", Zeros),
        ("zero", Zeros),
        ("ones", Ones),
        ("one", Ones),
        ("constant", Constant),
    ],
)
def test_get_by_name(name: str, cls: type) -> None:
    assert type(initializers.get(name)) is cls


def test_module_level_snake_case_aliases() -> None:
    assert initializers.he_normal is HeNormal
    assert initializers.glorot_uniform is GlorotUniform


def test_get_passes_through_instances_and_callables_and_builds_classes() -> None:
    instance = HeNormal(seed=1)
    assert initializers.get(instance) is instance
    assert initializers.get(None) is None
    assert type(initializers.get(HeUniform)) is HeUniform

    def custom(shape: tuple[int, ...], dtype: object = None) -> np.ndarray:
        return np.zeros(shape)

    assert initializers.get(custom) is custom
    assert initializers.get({"class_name": "HeNormal", "config": {"seed": 3}}).seed == 3  # type: ignore[union-attr]


def test_get_with_an_array_returns_it_for_its_shape_only() -> None:
    array = np.arange(6.0).reshape(2, 3)
    initializer = initializers.get(array)
    assert initializer is not None
    np.testing.assert_array_equal(initializer((2, 3)), array.astype(np.float32))
    with pytest.raises(ValueError, match=r"Expected `shape` to be \(2, 3\)"):
        initializer((3, 2))


def test_unknown_names_list_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"Unknown initializer: 'he_nromal'.*he_normal"):
        initializers.get("he_nromal")
    with pytest.raises(ValueError, match="Could not interpret initializer identifier: 3"):
        initializers.get(3)
