"""Sums over batch and spatial axes are at least as accurate as Keras's, against float64.

For each quantity, the same float32 inputs go to Keras (JAX, in the worker) and to
upsample, and both results are compared with the exact value, computed in float64
from the same float32 inputs: the error is ``max |result - exact| / max |exact|``.
Ours must be no further from it than Keras's, or than the exact value rounded to
float32 (no float32 result can do better than that).

The quantities are those the issue measured: BatchNormalization's batch statistics
and its gamma and beta gradients, the bias gradients of the seeds' convolution layers
(seed 000 at batch 25, seed 004 at batch 1000), the binary cross-entropy and squared
error losses, the `Mean` metric over several batches, and six Adam steps of a network
with a BatchNormalization layer (there, the exact value is the same training in
float64).
"""

from __future__ import annotations

import numpy as np
import pytest

import upsample.layers as L
from support.reference import KerasReference
from upsample import config, losses, metrics, zoo
from upsample.models import Sequential
from upsample.ops.linear import bias_grad
from upsample.optimizers import Adam
from upsample.saving.serialize import serialize_layer
from upsample.utils import set_random_seed

PRECISION = "support.keras_side_precision"


def error(result: np.ndarray | float, exact: np.ndarray | float) -> float:
    """``max |result - exact| / max |exact|``, in float64."""
    exact = np.asarray(exact, np.float64)
    difference = np.abs(np.asarray(result, np.float64) - exact).max()
    return float(difference / np.abs(exact).max())


def assert_at_least_as_accurate(
    ours: np.ndarray | float, keras: np.ndarray | float, exact: np.ndarray | float, what: str
) -> None:
    floor = error(np.asarray(exact, np.float64).astype(np.float32), exact)
    ours_error, keras_error = error(ours, exact), error(keras, exact)
    assert ours_error <= max(keras_error, floor), (
        f"{what}: ours {ours_error:.2e} from float64, Keras {keras_error:.2e}, rounding {floor:.2e}"
    )


def gradient_like(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values of one sign mostly, as gradients of a batch often are (their sums are long)."""
    return rng.standard_normal(shape, dtype=np.float32) * np.float32(0.1) + np.float32(0.02)


# --------------------------------------------------------------------------- bias gradients


def conv_output_shapes(name: str, batch: int) -> list[tuple[int, ...]]:
    model = zoo.get(name).build()
    shapes = []
    for layer in model.layers:
        if isinstance(layer, L.Conv2D | L.Conv2DTranspose):
            shapes.append((batch, *layer.output.shape[1:]))
    return shapes


BIAS_CASES = [
    *(("ae-upsampling", 25, shape) for shape in conv_output_shapes("ae-upsampling", 25)),
    *(("ae-transpose", 1000, shape) for shape in conv_output_shapes("ae-transpose", 1000)),
]


@pytest.mark.parametrize(
    ("model", "batch", "shape"), BIAS_CASES, ids=[f"{m}-{s}" for m, _, s in BIAS_CASES]
)
def test_bias_gradients(
    model: str, batch: int, shape: tuple[int, ...], keras_reference: KerasReference
) -> None:
    cotangent = gradient_like(np.random.default_rng(shape), shape)
    exact = cotangent.astype(np.float64).sum(axis=(0, 1, 2))
    keras = keras_reference(f"{PRECISION}:bias_gradient", cotangent).output
    assert_at_least_as_accurate(bias_grad(cotangent), keras, exact, f"{model} {shape}")


# --------------------------------------------------------------------------- BatchNormalization

BN_SHAPE = (250, 28, 28, 32)


def batch_normalization() -> L.BatchNormalization:
    """momentum 0: the moving statistics after one training call are the batch's."""
    layer = L.BatchNormalization(momentum=0.0)
    layer.build(BN_SHAPE)
    rng = np.random.default_rng(1)
    layer.set_weights(
        [
            rng.uniform(0.5, 1.5, 32).astype(np.float32),
            rng.normal(0, 0.5, 32).astype(np.float32),
            np.zeros(32, np.float32),
            np.ones(32, np.float32),
        ]
    )
    return layer


def test_batch_normalization_statistics_and_gradients(keras_reference: KerasReference) -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(0.5, 1.0, BN_SHAPE).astype(np.float32)  # after a ReLU, means are not 0
    cotangent = gradient_like(rng, BN_SHAPE)
    layer = batch_normalization()
    keras = keras_reference(
        "support.keras_side:layer_vjp",
        "BatchNormalization",
        layer.get_config(),
        layer.get_weights(),
        x,
        cotangent,
        True,
    ).output
    _, cache = layer.forward(x, training=True)
    ours = layer.backward(cache, cotangent, inputs=False).weights
    assert ours is not None

    exact_x = x.astype(np.float64)
    mean, variance = exact_x.mean(axis=(0, 1, 2)), exact_x.var(axis=(0, 1, 2))
    normalized = (exact_x - mean) / np.sqrt(variance + layer.epsilon)
    g = cotangent.astype(np.float64)
    exact_d_gamma, exact_d_beta = (g * normalized).sum(axis=(0, 1, 2)), g.sum(axis=(0, 1, 2))

    moving_mean, moving_variance = keras["non_trainable"]
    assert_at_least_as_accurate(layer.moving_mean.numpy(), moving_mean, mean, "batch mean")
    assert_at_least_as_accurate(
        layer.moving_variance.numpy(), moving_variance, variance, "batch variance"
    )
    d_gamma, d_beta = keras["weight_grads"]
    assert_at_least_as_accurate(ours[0], d_gamma, exact_d_gamma, "gamma gradient")
    assert_at_least_as_accurate(ours[1], d_beta, exact_d_beta, "beta gradient")


# --------------------------------------------------------------------------- losses and metrics


@pytest.mark.parametrize("name", ["BinaryCrossentropy", "MeanSquaredError"])
def test_losses(name: str, keras_reference: KerasReference) -> None:
    rng = np.random.default_rng(len(name))
    shape = (1000, 28, 28, 1)
    y_true = rng.uniform(0, 1, shape).astype(np.float32)
    y_pred = rng.uniform(0.01, 0.99, shape).astype(np.float32)
    loss = getattr(losses, name)()
    keras, _ = keras_reference(
        "support.keras_side_optim:loss_value_and_grad", losses.serialize(loss), y_true, y_pred
    ).output
    t, p = y_true.astype(np.float64), y_pred.astype(np.float64)
    if name == "BinaryCrossentropy":
        exact = -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean()
    else:
        exact = ((t - p) ** 2).mean()
    assert_at_least_as_accurate(loss(y_true, y_pred), keras, exact, name)


def test_mean_metric_over_batches(keras_reference: KerasReference) -> None:
    rng = np.random.default_rng(3)
    batches = [(rng.uniform(0, 1, (1000, 28, 28, 1)).astype(np.float32), None) for _ in range(8)]
    metric = metrics.Mean()
    for values, _ in batches:
        metric.update_state(values)
    keras = keras_reference(
        "support.keras_side_optim:reduction_metric_results", metrics.serialize(metric), batches
    ).output[-1]
    exact = np.mean([values.astype(np.float64).mean() for values, _ in batches])
    assert_at_least_as_accurate(metric.result(), keras, exact, "Mean")


# --------------------------------------------------------------------------- training


def bn_network(dtype: str) -> Sequential:
    """Convolution, BatchNormalization, tanh, convolution: a smooth function of its weights.

    With a ReLU, an input within rounding of 0 takes the other branch in float32 than in
    float64 on both sides, and Adam turns the gradient's jump into a sizeable part of a step:
    which weight ends furthest from float64 is then a matter of luck, not of how sums are
    added (the same holds for a sigmoid with binary cross-entropy near saturation).
    """
    return Sequential(
        [
            L.Input((28, 28, 1), dtype=dtype),
            # No bias before BatchNormalization: its exact gradient is 0, and Adam turns
            # float32 rounding noise there into steps of the learning rate on both sides.
            L.Conv2D(16, 3, padding="same", use_bias=False, dtype=dtype),
            L.BatchNormalization(dtype=dtype),
            L.Activation("tanh", dtype=dtype),
            L.Conv2D(1, 3, padding="same", dtype=dtype),
        ]
    )


def six_adam_steps(
    reference: KerasReference, seed: int
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """The weights after six Adam steps: ours in float32, Keras's, and ours in float64."""
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(6):
        x = rng.uniform(0, 1, (200, 28, 28, 1)).astype(np.float32)
        batches.append((x, x))
    set_random_seed(seed)
    start = [w.astype(np.float32) for w in bn_network("float32").get_weights()]
    runs = []
    for dtype in ("float32", "float64"):
        config.set_floatx(dtype)  # the loss and the optimizer compute in floatx
        try:
            model = bn_network(dtype)
            model.set_weights(start)
            model.compile(optimizer=Adam(1e-3), loss="mean_squared_error")
            for x, y in batches:
                model.train_on_batch(x.astype(dtype), y.astype(dtype))
        finally:
            config.set_floatx("float32")
        runs.append(model)
    keras = reference(
        f"{PRECISION}:train_steps",
        serialize_layer(runs[0]),
        start,
        batches,
        {"class_name": "Adam", "config": {"learning_rate": 1e-3}},
        "mean_squared_error",
    ).output
    return runs[0].get_weights(), keras, runs[1].get_weights()


def test_six_adam_steps_of_a_batch_normalization_network(
    keras_reference: KerasReference,
) -> None:
    """Adam amplifies the error of a gradient near 0 to a sizeable part of a step (its update
    is about ``lr * sign(g)``), so the worst error over the weight arrays varies from draw
    to draw on both sides: the medians of three draws are compared."""
    worst: dict[str, list[float]] = {"ours": [], "keras": []}
    for seed in range(3):
        ours, keras, exact = six_adam_steps(keras_reference, seed)
        worst["ours"].append(max(error(a, e) for a, e in zip(ours, exact, strict=True)))
        worst["keras"].append(max(error(a, e) for a, e in zip(keras, exact, strict=True)))
    ours_median, keras_median = np.median(worst["ours"]), np.median(worst["keras"])
    assert ours_median <= keras_median, worst
