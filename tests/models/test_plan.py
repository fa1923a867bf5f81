"""A planned step computes what the unplanned one does, bit for bit; plans follow the model.

Each comparison builds the same model twice from the same seed, trains (or
predicts with) one through its plans and the other layer by layer
(`config.set_planned_steps(False)`), and compares every bit of the losses,
the weights after several optimizer steps and the predictions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from upsample import config, layers, runtime
from upsample.models import Model, Sequential, pieces
from upsample.models.plan import ConvStep, LayerStep
from upsample.ops.convolution import routes
from upsample.runtime import tuning
from upsample.utils import set_random_seed
from upsample.zoo import registry


@pytest.fixture(autouse=True)
def planned() -> Iterator[None]:
    yield
    config.set_planned_steps(True)


def _bits(arrays: list[Any]) -> list[bytes]:
    return [np.asarray(a).tobytes() for a in arrays]


def _train(build: Callable[[], Model], x: Any, y: Any, *, planned: bool, **fit: Any) -> Any:
    """Losses, weights and predictions of a model trained from seed 7, planned or not."""
    config.set_planned_steps(planned)
    set_random_seed(7)
    model = build()
    history = model.fit(x, y, verbose=0, shuffle=False, **fit)
    single = model.train_on_batch(x[:7] if not isinstance(x, list) else [a[:7] for a in x], y[:7])
    predictions = model.predict(x, batch_size=11, verbose=0)
    evaluation = model.evaluate(x, y, batch_size=13, verbose=0)
    return (
        history.history,
        single,
        evaluation,
        _bits(model.get_weights()),
        _bits(predictions if isinstance(predictions, list) else [predictions]),
    )


def _same_both_ways(build: Callable[[], Model], x: Any, y: Any, **fit: Any) -> None:
    planned = _train(build, x, y, planned=True, **fit)
    unplanned = _train(build, x, y, planned=False, **fit)
    for got, expected in zip(planned, unplanned, strict=True):
        assert got == expected


def _images(count: int, shape: tuple[int, ...]) -> np.ndarray:
    return np.random.default_rng(3).random((count, *shape), dtype=np.float32)


@pytest.mark.parametrize("name", registry.names("autoencoder"))
def test_zoo_autoencoders_train_the_same_planned(name: str) -> None:
    """Two epochs of 60 images at batch 25: the last batch of each epoch holds 10."""
    x = _images(60, (28, 28, 1))
    _same_both_ways(registry.get(name).compiled, x, x, batch_size=25, epochs=2)


def _every_planned_kind() -> Model:
    """Every layer the planner binds (convolutions and transposed ones of each rank,
    strides, dilation, output padding, each activation, with and without bias),
    beside layers it runs as they are (dense, groups, batch normalization, dropout)."""
    inputs = layers.Input((12, 12, 3))
    a = layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    b = layers.Conv2D(4, 3, strides=2, padding="same", activation="tanh", use_bias=False)(a)
    c = layers.Conv2DTranspose(4, 3, strides=2, padding="same", activation="sigmoid")(b)
    d = layers.Conv2D(4, 3, dilation_rate=2, padding="same", activation="leaky_relu")(c)
    shared = layers.Conv2D(4, 1, activation="relu")
    e = layers.Add()([shared(d), shared(a)])  # fan-out of `a`, a shared layer
    f = layers.Conv2D(4, 3, padding="same", groups=2)(e)
    f = layers.BatchNormalization()(f)
    g = layers.Conv2DTranspose(2, 3, strides=2, output_padding=1, activation="softmax")(f)
    flat = layers.Reshape((-1, 2))(g)
    line = layers.Conv1D(3, 2, activation="relu")(flat)
    line = layers.Conv1DTranspose(2, 3, strides=2)(line)
    cube = layers.Conv3D(2, 2, padding="same", activation="relu")(
        layers.Reshape((5, 5, 4, 2))(layers.Dense(200)(layers.Flatten()(line)))
    )
    cube = layers.Conv3DTranspose(1, 2, strides=(1, 2, 1))(cube)
    out = layers.Dense(1, activation="sigmoid")(layers.Dropout(0.3, seed=1)(layers.Flatten()(cube)))
    model = Model(inputs, out)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def test_every_planned_layer_kind_trains_the_same_planned() -> None:
    x = _images(30, (12, 12, 3))
    y = (np.arange(30) % 2).astype(np.float32)[:, None]
    _same_both_ways(_every_planned_kind, x, y, batch_size=8, epochs=2)


@pytest.mark.parametrize("route", ["reference", "im2col", "split_rows", "flat_shift", "phases"])
def test_bias_and_relu_fused_into_each_route_train_the_same(
    route: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every map forced to `route` where it can run it, its chunks small and on threads."""
    default = routes.choose

    def forced(kind: routes.Map, geo: Any, batch: int, a: int, b: int, itemsize: int) -> str:
        if routes.cannot(route, kind, geo, a, b) is None:
            return route
        return default(kind, geo, batch, a, b, itemsize)

    monkeypatch.setattr(routes, "choose", forced)
    monkeypatch.setattr(tuning, "CONV_CHUNK_BYTES", 2048)
    monkeypatch.setattr(tuning, "PARALLEL_BYTES", 0)
    x = _images(30, (12, 12, 3))
    y = (np.arange(30) % 2).astype(np.float32)[:, None]
    _same_both_ways(_every_planned_kind, x, y, batch_size=8, epochs=1)


def test_a_float16_layer_in_a_float32_model_trains_the_same_planned() -> None:
    """Inputs cast to each layer's dtype and gradients cast back, as the unplanned walk does."""

    def build() -> Model:
        model = Sequential(
            [
                layers.Input((8, 8, 2)),
                layers.Conv2D(3, 3, activation="relu"),
                layers.Conv2D(3, 3, activation="relu", dtype="float16"),
                layers.Conv2DTranspose(2, 3, activation="relu"),
                layers.Flatten(),
                layers.Dense(1, activation="sigmoid"),
            ]
        )
        model.compile(optimizer="adam", loss="binary_crossentropy")
        return model

    x = _images(12, (8, 8, 2))
    y = (np.arange(12) % 2).astype(np.float32)[:, None]
    _same_both_ways(build, x, y, batch_size=5, epochs=2)


def test_the_planner_binds_the_convolutions_and_runs_other_layers_as_they_are() -> None:
    set_random_seed(7)
    plan = _every_planned_kind().plan((8, 12, 12, 3))
    steps = {type(node.step.layer).__name__: node.step for node in plan._nodes}
    for kind in ("Conv2DTranspose", "Conv1D", "Conv1DTranspose", "Conv3D", "Conv3DTranspose"):
        assert isinstance(steps[kind], ConvStep)
    for kind in ("Dense", "BatchNormalization", "Dropout", "Add", "Flatten"):
        assert isinstance(steps[kind], LayerStep)
    grouped = [n.step for n in plan._nodes if getattr(n.step.layer, "groups", 1) == 2]
    assert len(grouped) == 1 and isinstance(grouped[0], LayerStep)


def test_a_batch_trained_in_pieces_is_the_same_planned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tuning, "MIN_PIECE_BYTES", 1)
    monkeypatch.setattr(runtime, "num_threads", lambda: 2)
    split = pieces.train_in_pieces
    calls = []
    monkeypatch.setattr(pieces, "train_in_pieces", lambda *a: calls.append(1) or split(*a))
    x = _images(40, (28, 28, 1))
    _same_both_ways(registry.get("ae-transpose").compiled, x, x, batch_size=20, epochs=1)
    assert calls


@pytest.mark.parametrize("name", registry.names("generator"))
def test_gan_steps_are_the_same_planned(name: str) -> None:
    real = _images(16, (*_generated_shape(name), 1)) * 2 - 1
    results = []
    for planned in (True, False):
        config.set_planned_steps(planned)
        set_random_seed(5)
        gan = registry.get(name).gan(seed=3)
        losses = [gan.train_step(real[:8]), gan.train_step(real[8:]), gan.train_step(real[:5])]
        weights = gan.discriminator.get_weights() + gan.generator.get_weights()
        results.append((losses, _bits(weights)))
    assert results[0] == results[1]


def _generated_shape(name: str) -> tuple[int, int]:
    return (28, 28) if name.endswith("-28") else (10, 10)


# --------------------------------------------------------------------------- re-planning


def _small() -> Sequential:
    model = Sequential(
        [layers.Input((8, 8, 1)), layers.Conv2D(2, 3, activation="relu"), layers.Flatten()]
    )
    model.add(layers.Dense(1))
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_plans_are_kept_per_input_shape_and_made_again_when_the_model_changes() -> None:
    model = _small()
    first = model.plan((4, 8, 8, 1))
    assert model.plan((4, 8, 8, 1)) is first
    assert model.plan((3, 8, 8, 1)) is not first
    model.layers[0].trainable = False
    frozen = model.plan((4, 8, 8, 1))
    assert frozen is not first and len(frozen.trainable) == 2
    model.add(layers.Dense(1))
    assert model.plan((4, 8, 8, 1)).graph is not frozen.graph
    again = model.plan((4, 8, 8, 1))
    model.compile(optimizer="sgd", loss="mse")
    assert model.plan((4, 8, 8, 1)) is not again


def test_a_model_keeps_a_few_plans() -> None:
    model = _small()
    for batch in range(1, 10):
        model.plan((batch, 8, 8, 1))
    assert len(model.__dict__["_plans"]) == 4


def test_a_changed_model_trains_as_unplanned() -> None:
    """Freezing a layer and adding one between fits: the plans follow."""

    def run(planned: bool) -> list[bytes]:
        config.set_planned_steps(planned)
        set_random_seed(2)
        model = _small()
        x, y = _images(10, (8, 8, 1)), _images(10, (1,))
        model.fit(x, y, batch_size=4, verbose=0, shuffle=False)
        model.layers[0].trainable = False
        model.fit(x, y, batch_size=4, verbose=0, shuffle=False)
        model.add(layers.Dense(1))
        model.compile(optimizer="sgd", loss="mse")
        model.fit(x, y, batch_size=4, verbose=0, shuffle=False)
        return _bits(model.get_weights())

    assert run(True) == run(False)


def test_a_plan_prints_its_kernel_calls_in_order() -> None:
    set_random_seed(1)
    plan = registry.get("ae-transpose").compiled().plan((1000, 28, 28, 1))
    # Outputs only convolutions read live in the steps' own buffers; the model's does not.
    assert [node.step.private for node in plan._nodes] == [True] * 6 + [False]
    text = str(plan)
    lines = text.splitlines()
    assert lines[0] == "Plan of 'sequential' for inputs (1000, 28, 28, 1)"
    forward, backward = lines[2 : lines.index("backward:")], lines[lines.index("backward:") + 1 :]
    assert len(forward) == 7 and all("map" in line for line in forward)
    assert "forward map (1000, 28, 28, 1) -> (1000, 26, 26, 32)" in forward[0]
    assert forward[0].endswith("+ bias + relu (fused)")
    assert forward[-1].endswith("+ bias (fused) + sigmoid")
    assert "adjoint map (1000, 22, 22, 8) -> (1000, 24, 24, 8)" in forward[3]
    assert backward[0].endswith("conv2d_3: sigmoid gradient")
    assert backward[-1].startswith("   0 conv2d: kernel gradient (3, 3, 1, 32) [")
    assert all("[" in line for line in forward)


def test_plan_refuses_shapes_it_cannot_plan() -> None:
    model = _small()
    with pytest.raises(ValueError, match=r"whole input shapes.*\(None, 8, 8, 1\)"):
        model.plan((None, 8, 8, 1))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 1"):
        model.plan((2, 8, 8, 3))


def test_set_planned_steps_takes_a_bool() -> None:
    with pytest.raises(ValueError, match="enabled=1"):
        config.set_planned_steps(1)  # type: ignore[arg-type]
    config.set_planned_steps(False)
    assert not config.planned_steps() and not config.runtime_state().planned_steps


def test_release_buffers_frees_the_plans_buffers_and_training_goes_on_the_same() -> None:
    x = _images(50, (28, 28, 1))
    config.set_planned_steps(True)
    set_random_seed(7)
    released = registry.get("ae-transpose").compiled()
    released.fit(x, x, batch_size=25, epochs=1, verbose=0, shuffle=False)
    steps = [node.step for plan in released.__dict__["_plans"].values() for node in plan._nodes]
    owning = [s for s in steps if isinstance(s, ConvStep) and s._output is not None]
    assert owning  # (the transposed convolutions write into buffers of their own)
    config.release_buffers()
    assert all(step._output is None for step in owning)
    released.fit(x, x, batch_size=25, epochs=1, verbose=0, shuffle=False)

    set_random_seed(7)
    kept = registry.get("ae-transpose").compiled()
    kept.fit(x, x, batch_size=25, epochs=2, verbose=0, shuffle=False)
    assert _bits(released.get_weights()) == _bits(kept.get_weights())
