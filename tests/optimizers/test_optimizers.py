"""Optimizers: update formulas, state layout, the apply protocol, arguments, configs, names."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest

from upsample import optimizers
from upsample.optimizers import SGD, Adam, Optimizer, RMSprop
from upsample.optimizers.schedules import ExponentialDecay, PiecewiseConstantDecay
from upsample.variables import Variable


def variable(value: object, path: str = "dense/kernel") -> Variable:
    return Variable(np.asarray(value, np.float32), name=path.rpartition("/")[2], path=path)


# --------------------------------------------------------------------------- formulas


def test_sgd_steps() -> None:
    w = variable([1.0, 2.0])
    SGD(learning_rate=0.5).apply([np.array([1.0, -2.0])], [w])
    np.testing.assert_allclose(w.value, [0.5, 3.0])


def test_sgd_momentum_and_nesterov() -> None:
    g = np.array([1.0], np.float32)
    plain, nesterov = variable([0.0]), variable([0.0])
    sgd, nag = SGD(0.1, momentum=0.9), SGD(0.1, momentum=0.9, nesterov=True)
    m = 0.0
    expected_plain, expected_nag = 0.0, 0.0
    for _ in range(3):
        sgd.apply([g], [plain])
        nag.apply([g], [nesterov])
        m = 0.9 * m - 0.1
        expected_plain += m
        expected_nag += 0.9 * m - 0.1
    assert plain.value[0] == pytest.approx(expected_plain, rel=1e-6)
    assert nesterov.value[0] == pytest.approx(expected_nag, rel=1e-6)


def test_adam_step_uses_keras_epsilon_placement() -> None:
    """var -= m * alpha / (sqrt(v) + eps), alpha = lr * sqrt(1 - b2^t) / (1 - b1^t)."""
    w = variable([1.0, 1.0])
    g = np.array([0.5, -1e-4], np.float32)
    optimizer = Adam(learning_rate=0.1, epsilon=1e-3)
    optimizer.apply([g], [w])
    m, v = 0.1 * g.astype(np.float64), 0.001 * g.astype(np.float64) ** 2
    alpha = 0.1 * math.sqrt(1 - 0.999) / (1 - 0.9)
    np.testing.assert_allclose(w.value, 1 - m * alpha / (np.sqrt(v) + 1e-3), rtol=1e-6)
    # Not torch's form m_hat / (sqrt(v_hat) + eps), which differs for small gradients.
    torch_form = 1 - 0.1 * (m / 0.1) / (np.sqrt(v / 0.001) + 1e-3)
    assert not np.allclose(w.value, torch_form, rtol=1e-3)


def test_adam_amsgrad_keeps_the_largest_velocity() -> None:
    w = variable([0.0])
    optimizer = Adam(learning_rate=0.1, amsgrad=True)
    optimizer.apply([np.array([10.0])], [w])
    optimizer.apply([np.array([0.0])], [w])
    velocity, velocity_hat = optimizer.variables[3].value, optimizer.variables[4].value
    assert velocity_hat[0] == pytest.approx(0.1, rel=1e-6)  # (1 - 0.999) * 100
    assert velocity[0] == pytest.approx(0.1 * 0.999, rel=1e-6)


def test_rmsprop_plain_centered_and_momentum() -> None:
    g = np.array([2.0], np.float32)
    plain, centered, heavy = variable([0.0]), variable([0.0]), variable([0.0])
    RMSprop(0.1).apply([g], [plain])
    RMSprop(0.1, centered=True).apply([g], [centered])
    momentum = RMSprop(0.1, momentum=0.5)
    momentum.apply([g], [heavy])
    momentum.apply([g], [heavy])
    v1 = 0.1 * 4
    assert plain.value[0] == pytest.approx(-0.1 * 2 / math.sqrt(v1 + 1e-7), rel=1e-6)
    assert centered.value[0] == pytest.approx(-0.1 * 2 / math.sqrt(v1 - 0.2**2 + 1e-7), rel=1e-6)
    first = 0.1 * 2 / math.sqrt(v1 + 1e-7)
    second = 0.1 * 2 / math.sqrt(0.9 * v1 + 0.4 + 1e-7)
    assert heavy.value[0] == pytest.approx(-(first + (0.5 * first + second)), rel=1e-6)


def test_weight_decay_is_decoupled_and_applied_before_the_step() -> None:
    w = variable([2.0])
    SGD(learning_rate=0.1, weight_decay=0.5).apply([np.array([1.0])], [w])
    assert w.value[0] == pytest.approx(2.0 - 2.0 * 0.5 * 0.1 - 0.1, rel=1e-6)


def test_exclude_from_weight_decay() -> None:
    kernel, bias = variable([2.0], "dense/kernel"), variable([2.0], "dense/bias")
    optimizer = SGD(learning_rate=0.1, weight_decay=0.5)
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    optimizer.apply([np.zeros(1), np.zeros(1)], [kernel, bias])
    assert kernel.value[0] == pytest.approx(1.9) and bias.value[0] == 2.0
    optimizer.exclude_from_weight_decay(var_list=[kernel])  # after build too, as Keras
    optimizer.apply([np.zeros(1), np.zeros(1)], [kernel, bias])
    assert kernel.value[0] == pytest.approx(1.9) and bias.value[0] == pytest.approx(1.9)


def test_clipping() -> None:
    g = np.array([3.0, 4.0], np.float32)  # norm 5
    by_norm, by_global, by_value = variable([0.0, 0.0]), variable([0.0]), variable([0.0, 0.0])
    SGD(1.0, clipnorm=1.0).apply([g], [by_norm])
    np.testing.assert_allclose(by_norm.value, [-0.6, -0.8], rtol=1e-6)
    other = variable([0.0])
    SGD(1.0, global_clipnorm=1.0).apply([np.array([3.0]), np.array([4.0])], [by_global, other])
    np.testing.assert_allclose([by_global.value[0], other.value[0]], [-0.6, -0.8], rtol=1e-6)
    SGD(1.0, clipvalue=3.5).apply([g], [by_value])
    np.testing.assert_allclose(by_value.value, [-3.0, -3.5])


def test_clipping_zero_gradients_and_zero_clip_values() -> None:
    w = variable([1.0])
    SGD(1.0, clipnorm=1.0).apply([np.zeros(1)], [w])
    SGD(1.0, global_clipnorm=1.0).apply([np.zeros(1)], [w])
    assert w.value[0] == 1.0
    SGD(1.0, clipvalue=0.0).apply([np.array([2.0])], [w])  # 0 means "no clipping", as Keras
    assert w.value[0] == -1.0


def test_float32_arithmetic() -> None:
    w = variable([1.0])
    Adam().apply([np.array([0.1], np.float64)], [w])
    assert w.value.dtype == np.float32


# --------------------------------------------------------------------------- state and protocol


def test_adam_variables_in_keras_order() -> None:
    kernel, bias = variable(np.ones((2, 2)), "dense/kernel"), variable([0.0], "dense/bias")
    optimizer = Adam(amsgrad=True, name="adam")
    optimizer.build([kernel, bias])
    assert [v.path for v in optimizer.variables] == [
        "adam/iteration",
        "adam/learning_rate",
        "adam/dense_kernel_momentum",
        "adam/dense_kernel_velocity",
        "adam/dense_bias_momentum",
        "adam/dense_bias_velocity",
        "adam/dense_kernel_velocity_hat",
        "adam/dense_bias_velocity_hat",
    ]
    assert optimizer.variables[0].dtype == np.int32
    assert optimizer.variables[2].shape == (2, 2)


def test_rmsprop_builds_one_kind_of_slot_after_another() -> None:
    a, b = variable([0.0], "d/a"), variable([0.0], "d/b")
    optimizer = RMSprop(momentum=0.5, centered=True, name="rms")
    optimizer.build([a, b])
    assert [v.name for v in optimizer.variables[2:]] == [
        "d_a_velocity",
        "d_b_velocity",
        "d_a_momentum",
        "d_b_momentum",
        "d_a_average_gradient",
        "d_b_average_gradient",
    ]


def test_sgd_without_momentum_has_no_slots_and_schedules_no_learning_rate_variable() -> None:
    optimizer = SGD(learning_rate=ExponentialDecay(0.1, 10, 0.5), name="sgd")
    optimizer.build([variable([0.0])])
    assert [v.path for v in optimizer.variables] == ["sgd/iteration"]


def test_iterations_count_applies_and_schedules_use_the_count_before_the_update() -> None:
    w = variable([0.0])
    schedule = PiecewiseConstantDecay([0, 1], [1.0, 0.5, 0.25])
    optimizer = SGD(learning_rate=schedule)
    rates = []
    for _ in range(3):
        rates.append(optimizer.current_learning_rate())
        optimizer.apply([np.array([1.0])], [w])
    assert rates == [1.0, 0.5, 0.25]
    assert int(optimizer.iterations.value) == 3
    assert w.value[0] == pytest.approx(-1.75)


def test_none_gradients_are_skipped_with_a_warning() -> None:
    a, b = variable([1.0], "d/a"), variable([1.0], "d/b")
    optimizer = SGD(1.0)
    with pytest.warns(UserWarning, match=re.escape("Gradients do not exist for variables ['d/b']")):
        optimizer.apply_gradients([(np.array([1.0]), a), (None, b)])
    assert a.value[0] == 0.0 and b.value[0] == 1.0
    with pytest.raises(ValueError, match="No gradients provided for any variable"):
        optimizer.apply([None, None], [a, b])


def test_apply_without_variables_needs_a_built_optimizer() -> None:
    optimizer = SGD(1.0)
    with pytest.raises(ValueError, match="must already be built"):
        optimizer.apply([np.zeros(1)])
    w = variable([1.0])
    optimizer.build([w])
    optimizer.apply([np.array([1.0])])
    assert w.value[0] == 0.0
    with pytest.raises(ValueError, match="Received 2 gradients"):
        optimizer.apply([np.zeros(1), np.zeros(1)])


def test_an_optimizer_only_updates_the_variables_it_was_built_with() -> None:
    optimizer = Adam()
    optimizer.apply([np.zeros(1)], [variable([0.0])])
    with pytest.raises(ValueError, match="Unknown variable"):
        optimizer.apply([np.zeros(1)], [variable([0.0])])


def test_empty_gradients_do_nothing() -> None:
    optimizer = SGD()
    optimizer.apply([], [])
    assert int(optimizer.iterations.value) == 0


def test_constraints_of_variables_are_applied_after_the_update() -> None:
    w = variable([1.0, -1.0])
    w.constraint = lambda value: np.maximum(value, 0.0)  # type: ignore[attr-defined]
    SGD(1.0).apply([np.array([0.5, 0.5])], [w])
    np.testing.assert_array_equal(w.value, [0.5, 0.0])


def test_learning_rate_is_a_settable_variable() -> None:
    optimizer = Adam(learning_rate=0.01)
    assert isinstance(optimizer.learning_rate, Variable)
    optimizer.learning_rate = 0.5
    assert optimizer.current_learning_rate() == 0.5
    optimizer.learning_rate.assign(0.25)
    assert optimizer.current_learning_rate() == 0.25
    optimizer.learning_rate = ExponentialDecay(0.1, 1, 0.5)
    assert optimizer.current_learning_rate() == pytest.approx(0.1)
    assert len(optimizer.variables) == 1
    with pytest.raises(TypeError, match="not settable"):
        optimizer.learning_rate = 0.1


def test_save_and_load_own_variables() -> None:
    w = variable([1.0, 2.0])
    source = Adam(name="a")
    source.apply([np.array([0.1, 0.2])], [w])
    store: dict[str, np.ndarray] = {}
    source.save_own_variables(store)
    assert sorted(store) == ["0", "1", "2", "3"]
    target = Adam(name="b")
    target.build([w])
    target.load_own_variables(store)
    for a, b in zip(source.variables, target.variables, strict=True):
        np.testing.assert_array_equal(a.value, b.value)
    with pytest.warns(UserWarning, match="Skipping variable loading"):
        Adam().load_own_variables(store)


# --------------------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Adam(learning_rate=1), "learning_rate=1"),
        (lambda: Adam(learning_rate="fast"), "learning_rate='fast'"),
        (lambda: SGD(momentum=1.5), "momentum=1.5"),
        (lambda: SGD(momentum=1), "momentum=1"),
        (lambda: Adam(clipnorm=1.0, clipvalue=1.0), "clipnorm=1.0, clipvalue=1.0"),
        (lambda: RMSprop(lr=0.1), "{'lr': 0.1}"),
        (lambda: Adam(gradient_accumulation_steps=1), "gradient_accumulation_steps=1"),
    ],
)
def test_bad_arguments_raise_value_errors_naming_them(build: object, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        build()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"use_ema": True}, "use_ema=True"),
        ({"loss_scale_factor": 128.0}, "loss_scale_factor=128.0"),
        ({"gradient_accumulation_steps": 4}, "gradient_accumulation_steps=4"),
    ],
)
def test_unsupported_keras_options_are_named(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(NotImplementedError, match=re.escape(message)):
        Adam(**kwargs)


def test_decay_is_ignored_with_a_warning_as_in_keras() -> None:
    with pytest.warns(UserWarning, match="`decay` is no longer supported"):
        SGD(decay=0.1)


def test_a_numpy_float_learning_rate_is_accepted_silently() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SGD(learning_rate=np.float32(0.1))


# --------------------------------------------------------------------------- configs, names


def test_configs_have_keras_keys_and_float32_learning_rates() -> None:
    config = Adam(name="adam").get_config()
    assert config == {
        "name": "adam",
        "learning_rate": float(np.float32(0.001)),
        "weight_decay": None,
        "clipnorm": None,
        "global_clipnorm": None,
        "clipvalue": None,
        "use_ema": False,
        "ema_momentum": 0.99,
        "ema_overwrite_frequency": None,
        "loss_scale_factor": None,
        "gradient_accumulation_steps": None,
        "beta_1": 0.9,
        "beta_2": 0.999,
        "epsilon": 1e-7,
        "amsgrad": False,
    }
    assert set(SGD().get_config()) - set(config) == {"momentum", "nesterov"}
    assert set(RMSprop().get_config()) - set(config) == {"rho", "momentum", "centered"}


@pytest.mark.parametrize(
    "optimizer",
    [
        Adam(learning_rate=0.01, amsgrad=True, clipnorm=2.0, name="opt"),
        SGD(momentum=0.9, nesterov=True, weight_decay=0.01),
        RMSprop(rho=0.8, centered=True, global_clipnorm=1.0),
        Adam(learning_rate=ExponentialDecay(0.01, 100, 0.9, staircase=True)),
    ],
    ids=["adam", "sgd", "rmsprop", "scheduled"],
)
def test_config_round_trip(optimizer: Optimizer) -> None:
    serialized = optimizers.serialize(optimizer)
    assert serialized is not None and serialized["module"] == "keras.optimizers"
    restored = optimizers.deserialize(serialized)
    assert type(restored) is type(optimizer)
    assert restored.get_config() == optimizer.get_config()


@pytest.mark.parametrize(
    ("name", "cls"),
    [("adam", Adam), ("Adam", Adam), ("ADAM", Adam), ("sgd", SGD), ("RMSprop", RMSprop)],
)
def test_get_is_case_insensitive(name: str, cls: type) -> None:
    assert type(optimizers.get(name)) is cls


def test_get_errors_and_passthrough() -> None:
    instance = SGD()
    assert optimizers.get(instance) is instance
    assert optimizers.get(None) is None
    with pytest.raises(ValueError, match=r"Unknown optimizer: 'adamw'.*adam, .*rmsprop, sgd"):
        optimizers.get("adamw")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get(Adam)  # a class is not an optimizer (as in Keras)


def test_automatic_names_are_keras_names() -> None:
    from upsample.utils import clear_session

    clear_session()
    assert [Adam().name, Adam().name, RMSprop().name, SGD().name] == [
        "adam",
        "adam_1",
        "rm_sprop",
        "sgd",
    ]
