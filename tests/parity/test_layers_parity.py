"""Convolution, transposed-convolution, Dense, UpSampling, pooling, Reshape, Flatten and
Activation layers against real Keras 3, on seeded random configurations.

Each case builds the same layer (same config, same weights) in Keras, through our
`get_config()`, and compares (`support.layer_checks.assert_matches_keras`) the output,
the symbolic output shape and the vector-Jacobian products (`jax.vjp` through the
Keras layer) with respect to the input and every weight, for a random output gradient.
For the layers with weights, some cases also train a one-layer model for one step
(``SGD(0.1)``, mean squared error, `train_on_batch`) on both sides and compare the loss
and the weights afterwards.

Tolerances are float32 rounding relative to the magnitude of what is compared
(`assert_matches_keras`: 1e-5 of each value plus 2e-6 of the largest, or of 1 when all are
smaller); the weights and inputs are drawn so that outputs and gradients are of order one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import upsample.layers as L
from support.layer_checks import assert_matches_keras
from support.reference import KerasReference
from upsample.layers.layer import Layer
from upsample.models import Sequential
from upsample.optimizers import SGD

ACTIVATIONS = ["relu", "sigmoid", "tanh", "linear", "leaky_relu", "softmax"]
FORMATS = ["channels_last", "channels_first"]
# Every case sets its own weights: a constant initializer spares Keras drawing random ones
# (one XLA compilation per kernel shape) only to overwrite them.
NO_DRAW = "zeros"


def _pick(rng: np.random.Generator, options: list[Any]) -> Any:
    return options[int(rng.integers(len(options)))]


def _ints(rng: np.random.Generator, low: int, high: int, n: int) -> tuple[int, ...]:
    """`n` ints in ``[low, high)``."""
    return tuple(int(v) for v in rng.integers(low, high, n))


def _argument(rng: np.random.Generator, values: tuple[int, ...]) -> Any:
    """Keras's two spellings of a per-axis argument: an int when all are equal, else a tuple."""
    if len(set(values)) == 1 and rng.random() < 0.5:
        return values[0]
    return values


def _layout(batch: int, spatial: tuple[int, ...], channels: int, data_format: str) -> tuple:
    if data_format == "channels_last":
        return (batch, *spatial, channels)
    return (batch, channels, *spatial)


def _set_random_weights(layer: Layer, x: np.ndarray, rng: np.random.Generator) -> None:
    """Build `layer` on `x` and give it weights that keep activations of order one.

    A kernel's entries have a standard deviation of 1.5 / sqrt(fan_in) (fan_in: every axis
    but the last), so that pre-activations are of order one: no activation saturates and
    the gradients stay of the size of the output gradient.
    """
    layer(x)
    weights = []
    for w in layer.get_weights():
        if w.ndim == 1:  # a bias
            weights.append(rng.normal(0.0, 0.5, w.shape))
        else:
            fan_in = int(np.prod(w.shape[:-1]))
            weights.append(rng.normal(0.0, 1.5 / np.sqrt(fan_in), w.shape))
    layer.set_weights([w.astype(np.float32) for w in weights])


def _normal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.standard_normal(shape).astype(np.float32)


# --------------------------------------------------------------------------- convolutions

CONV = {1: L.Conv1D, 2: L.Conv2D, 3: L.Conv3D}
CONV_TRANSPOSE = {1: L.Conv1DTranspose, 2: L.Conv2DTranspose, 3: L.Conv3DTranspose}


def conv_case(
    rank: int, seed: int, transpose: bool, activation: str | None = None
) -> tuple[Layer, np.ndarray]:
    """A `Conv{rank}D` (or `Conv{rank}DTranspose`) with random arguments and weights.

    `activation` replaces the one drawn at random (the rest of the case is unchanged).
    """
    rng = np.random.default_rng([rank, seed, transpose])
    kernel = _ints(rng, 1, 5 if rank < 3 else 4, rank)
    dilated = rng.random() < 0.3
    strides = (1,) * rank if dilated else _ints(rng, 1, 4, rank)
    dilation = _ints(rng, 1, 4, rank) if dilated else (1,) * rank
    padding = _pick(rng, ["valid", "same"])
    data_format = _pick(rng, FORMATS)
    channels, filters = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    use_bias, drawn = bool(rng.random() < 0.75), _pick(rng, ACTIVATIONS)
    kwargs: dict[str, Any] = dict(
        filters=filters,
        kernel_size=_argument(rng, kernel),
        strides=_argument(rng, strides),
        padding=padding,
        data_format=data_format,
        dilation_rate=_argument(rng, dilation),
        use_bias=use_bias,
        activation=activation or drawn,
        kernel_initializer=NO_DRAW,
    )
    # A "valid" convolution needs at least one (dilated) kernel's width of input.
    effective = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    low = [1] * rank if transpose or padding == "same" else effective
    if transpose and not dilated and rng.random() < 0.6:  # Keras: output_padding < strides
        output_padding = tuple(int(rng.integers(0, s)) for s in strides)
        kwargs["output_padding"] = output_padding
        # A "same" transposed convolution with an `output_padding` may have an empty output
        # on one step (``(n - 1) * s + k % 2 + output_padding``): Keras returns an empty
        # array, we raise (test_degenerate_geometry_parity.py checks both), so inputs here
        # have two steps at least.
        low = [2] * rank
        # XLA (jax 0.10) aborts in its algebraic simplifier on some "same" transposed
        # convolutions in which an axis with an even kernel and no output padding (whose
        # output is ``(n - 1) * s``) meets one without, e.g. kernel (2, 3), strides (2, 3),
        # output_padding (0, 0) on a 3x2 input: we do not generate those.
        shrinking = {k % 2 == 0 and p == 0 for k, p in zip(kernel, output_padding)}
        if padding == "same" and len(shrinking) == 2:
            kwargs["output_padding"] = None
    spatial = tuple(int(rng.integers(n, n + (5 if rank < 3 else 3))) for n in low)
    if transpose:
        layer: Layer = CONV_TRANSPOSE[rank](**kwargs)
    else:
        if rng.random() < 0.2:  # grouped: channels and filters both multiples of `groups`
            groups = int(rng.integers(2, 4))
            channels, kwargs["filters"] = groups * channels, groups * filters
            kwargs["groups"] = groups
        layer = CONV[rank](**kwargs)
    x = _normal(rng, _layout(int(rng.integers(1, 4)), spatial, channels, data_format))
    _set_random_weights(layer, x, rng)
    return layer, x


CONV_SEEDS = [(rank, seed) for rank in (1, 2, 3) for seed in range(10)]
CONV_IDS = [f"{rank}d-{seed}" for rank, seed in CONV_SEEDS]
# Transposed convolutions take XLA longer to compile.
CONV_TRANSPOSE_SEEDS = [(rank, seed) for rank in (1, 2, 3) for seed in range(8)]
CONV_TRANSPOSE_IDS = [f"{rank}d-{seed}" for rank, seed in CONV_TRANSPOSE_SEEDS]


@pytest.mark.parametrize(("rank", "seed"), CONV_SEEDS, ids=CONV_IDS)
def test_conv(rank: int, seed: int, keras_reference: KerasReference) -> None:
    layer, x = conv_case(rank, seed, transpose=False)
    assert_matches_keras(keras_reference, layer, x, np.random.default_rng(seed))


@pytest.mark.parametrize(("rank", "seed"), CONV_TRANSPOSE_SEEDS, ids=CONV_TRANSPOSE_IDS)
def test_conv_transpose(rank: int, seed: int, keras_reference: KerasReference) -> None:
    layer, x = conv_case(rank, seed, transpose=True)
    assert_matches_keras(keras_reference, layer, x, np.random.default_rng(seed))


# --------------------------------------------------------------------------- Dense


def dense_case(seed: int, activation: str | None = None) -> tuple[Layer, np.ndarray]:
    rng = np.random.default_rng(seed)
    units, drawn = int(rng.integers(1, 7)), _pick(rng, ACTIVATIONS)
    layer = L.Dense(
        units,
        activation=activation or drawn,
        use_bias=bool(rng.random() < 0.75),
        kernel_initializer=NO_DRAW,
    )
    # Dense applies to the last axis of inputs of any rank >= 2.
    shape = (int(rng.integers(1, 5)), *_ints(rng, 1, 6, int(rng.integers(1, 4))))
    x = _normal(rng, shape)
    _set_random_weights(layer, x, rng)
    return layer, x


@pytest.mark.parametrize("seed", range(12))
def test_dense(seed: int, keras_reference: KerasReference) -> None:
    layer, x = dense_case(seed)
    assert_matches_keras(keras_reference, layer, x, np.random.default_rng(seed))


# --------------------------------------------------------------------------- one training step


def assert_one_sgd_step_matches_keras(
    reference: KerasReference, layer: Layer, x: np.ndarray, rng: np.random.Generator
) -> None:
    """``compile(SGD(0.1), "mse")`` then one `train_on_batch` from the same weights.

    The step ``-0.1 * gradient`` is compared relative to its own size (plus a few ulps of
    the weight it was added to), so that an error in the gradient is not hidden by the
    size of the weights.
    """
    before = layer.get_weights()
    out, _ = layer.forward(x)
    y = _normal(rng, out.shape)
    model = Sequential([L.Input(x.shape[1:]), layer])
    model.compile(optimizer=SGD(learning_rate=0.1), loss="mse")
    loss = float(model.train_on_batch(x, y))
    theirs = reference(
        "support.keras_side:layer_train_step",
        type(layer).__name__,
        layer.get_config(),
        before,
        x,
        y,
        ("SGD", {"learning_rate": 0.1}),
        "mse",
    ).output
    np.testing.assert_allclose(loss, theirs["loss"], rtol=1e-5, err_msg="loss")
    after = model.get_weights()
    assert len(after) == len(theirs["weights"]) == len(before)
    for i, (w0, ours, keras_w) in enumerate(zip(before, after, theirs["weights"], strict=True)):
        step, keras_step = ours - w0, keras_w - w0
        size = float(np.abs(keras_step).max())
        assert size > 0, f"Keras did not change weight {i}"
        tolerance = 1e-5 * size + 4 * float(np.finfo(np.float32).eps * np.abs(w0).max())
        error = float(np.abs(step - keras_step).max())
        assert error <= tolerance, f"weight {i} after one step: max error {error} > {tolerance}"


TRAIN_SEEDS = [(rank, seed) for rank in (1, 2, 3) for seed in range(3)]
TRAIN_IDS = [f"{rank}d-{seed}" for rank, seed in TRAIN_SEEDS]


def train_activation(rank: int, seed: int) -> str:
    """Each in turn but softmax, which is constant over an axis of length one (as the last
    spatial axis of a channels_first output or one unit may be): nothing would train."""
    return [a for a in ACTIVATIONS if a != "softmax"][(rank + seed) % (len(ACTIVATIONS) - 1)]


@pytest.mark.parametrize(("rank", "seed"), TRAIN_SEEDS, ids=TRAIN_IDS)
def test_conv_training_step(rank: int, seed: int, keras_reference: KerasReference) -> None:
    layer, x = conv_case(rank, seed, transpose=False, activation=train_activation(rank, seed))
    assert_one_sgd_step_matches_keras(keras_reference, layer, x, np.random.default_rng(seed))


@pytest.mark.parametrize(("rank", "seed"), TRAIN_SEEDS, ids=TRAIN_IDS)
def test_conv_transpose_training_step(
    rank: int, seed: int, keras_reference: KerasReference
) -> None:
    layer, x = conv_case(rank, seed, transpose=True, activation=train_activation(rank, seed))
    assert_one_sgd_step_matches_keras(keras_reference, layer, x, np.random.default_rng(seed))


@pytest.mark.parametrize("seed", range(3))
def test_dense_training_step(seed: int, keras_reference: KerasReference) -> None:
    layer, x = dense_case(seed, activation=train_activation(0, seed))
    assert_one_sgd_step_matches_keras(keras_reference, layer, x, np.random.default_rng(seed))


# --------------------------------------------------------------------------- UpSampling

INTERPOLATIONS = ["nearest", "bilinear", "bicubic", "lanczos3", "lanczos5"]


def upsampling_case(rank: int, seed: int, interpolation: str) -> tuple[Layer, np.ndarray]:
    rng = np.random.default_rng([rank, seed, INTERPOLATIONS.index(interpolation)])
    size = _ints(rng, 1, 5, rank)
    spatial = _ints(rng, 1, 8 if rank < 3 else 5, rank)
    batch, channels = int(rng.integers(1, 3)), int(rng.integers(1, 4))
    layer: Layer
    if rank == 1:  # Keras's UpSampling1D: channels_last only, one int
        layer = L.UpSampling1D(size[0])
        data_format = "channels_last"
    else:
        data_format = _pick(rng, FORMATS)
        kwargs: dict[str, Any] = {"size": _argument(rng, size), "data_format": data_format}
        if rank == 2:
            kwargs["interpolation"] = interpolation
        layer = (L.UpSampling2D if rank == 2 else L.UpSampling3D)(**kwargs)
    return layer, _normal(rng, _layout(batch, spatial, channels, data_format))


UPSAMPLING_CASES = [
    *((1, seed, "nearest") for seed in range(4)),
    *((2, seed, method) for method in INTERPOLATIONS for seed in range(3)),
    *((3, seed, "nearest") for seed in range(4)),
]


@pytest.mark.parametrize(
    ("rank", "seed", "interpolation"),
    UPSAMPLING_CASES,
    ids=[f"{rank}d-{method}-{seed}" for rank, seed, method in UPSAMPLING_CASES],
)
def test_upsampling(
    rank: int, seed: int, interpolation: str, keras_reference: KerasReference
) -> None:
    layer, x = upsampling_case(rank, seed, interpolation)
    assert_matches_keras(keras_reference, layer, x, np.random.default_rng(seed))


# --------------------------------------------------------------------------- pooling

POOLING = {
    ("max", 1): L.MaxPooling1D,
    ("max", 2): L.MaxPooling2D,
    ("max", 3): L.MaxPooling3D,
    ("average", 1): L.AveragePooling1D,
    ("average", 2): L.AveragePooling2D,
    ("average", 3): L.AveragePooling3D,
}


def pooling_case(mode: str, rank: int, seed: int) -> tuple[Layer, np.ndarray]:
    rng = np.random.default_rng([rank, seed, mode == "max"])
    pool = _ints(rng, 1, 4, rank)
    padding = _pick(rng, ["valid", "same"])
    data_format = _pick(rng, FORMATS)
    kwargs: dict[str, Any] = {
        "pool_size": _argument(rng, pool),
        "padding": padding,
        "data_format": data_format,
    }
    if rng.random() < 0.7:  # else Keras's default: strides = pool_size
        kwargs["strides"] = _argument(rng, _ints(rng, 1, 4, rank))
    low = (1,) * rank if padding == "same" else pool
    spatial = tuple(int(rng.integers(n, n + (6 if rank < 3 else 3))) for n in low)
    x = _normal(
        rng, _layout(int(rng.integers(1, 3)), spatial, int(rng.integers(1, 4)), data_format)
    )
    return POOLING[mode, rank](**kwargs), x


POOLING_CASES = [
    (mode, rank, seed) for mode in ("max", "average") for rank in (1, 2, 3) for seed in range(4)
]


@pytest.mark.parametrize(
    ("mode", "rank", "seed"),
    POOLING_CASES,
    ids=[f"{mode}-{rank}d-{seed}" for mode, rank, seed in POOLING_CASES],
)
def test_pooling(mode: str, rank: int, seed: int, keras_reference: KerasReference) -> None:
    layer, x = pooling_case(mode, rank, seed)
    assert_matches_keras(keras_reference, layer, x, np.random.default_rng(seed))


# --------------------------------------------------------------------------- Reshape, Flatten


def reshape_case(seed: int) -> tuple[Layer, np.ndarray]:
    """A target shape made by splitting the sample's size into random factors."""
    rng = np.random.default_rng(seed)
    shape = _ints(rng, 1, 5, int(rng.integers(1, 4)))
    size = int(np.prod(shape))
    target: list[int] = []
    rest = size
    for _ in range(int(rng.integers(1, 4))):
        divisors = [d for d in range(1, rest + 1) if rest % d == 0]
        target.append(_pick(rng, divisors))
        rest //= target[-1]
    target.append(rest)
    if rng.random() < 0.4:  # let Keras infer one axis
        target[int(rng.integers(len(target)))] = -1
    return L.Reshape(tuple(target)), _normal(rng, (int(rng.integers(1, 4)), *shape))


@pytest.mark.parametrize("seed", range(6))
def test_reshape(seed: int, keras_reference: KerasReference) -> None:
    layer, x = reshape_case(seed)
    assert_matches_keras(keras_reference, layer, x, np.random.default_rng(seed))


@pytest.mark.parametrize("seed", range(8))
def test_flatten(seed: int, keras_reference: KerasReference) -> None:
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(1, 4)), *_ints(rng, 1, 5, 1 + seed % 4))  # ranks 2 to 5
    layer = L.Flatten(data_format=FORMATS[(seed // 4) % 2])
    assert_matches_keras(keras_reference, layer, _normal(rng, shape), rng)


# --------------------------------------------------------------------------- Activation

ACTIVATION_CASES = [(name, seed) for name in ACTIVATIONS for seed in range(2)]


@pytest.mark.parametrize(
    ("name", "seed"), ACTIVATION_CASES, ids=[f"{n}-{s}" for n, s in ACTIVATION_CASES]
)
def test_activation(name: str, seed: int, keras_reference: KerasReference) -> None:
    rng = np.random.default_rng([seed, ACTIVATIONS.index(name)])
    shape = (int(rng.integers(1, 4)), *_ints(rng, 1, 6, 1 + seed))  # softmax: over the last axis
    x = (3 * rng.standard_normal(shape)).astype(np.float32)
    assert_matches_keras(keras_reference, L.Activation(name), x, rng)
