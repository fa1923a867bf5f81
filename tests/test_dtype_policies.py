"""dtype policies: one float type per layer; mixed precision refused by name.

Keras's own behaviour for each case is checked in tests/parity/test_dtypes_parity.py;
these tests need no reference.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import upsample.layers as L
from upsample import config, dtype_policies
from upsample.dtype_policies import DTypePolicy
from upsample.models import Model, Sequential, load_model


@pytest.fixture
def global_policy_restored() -> Iterator[None]:
    yield
    config.set_dtype_policy(None)
    config.set_floatx("float32")


@pytest.mark.parametrize("name", ["mixed_float16", "mixed_bfloat16", "bfloat16"])
def test_mixed_policies_are_refused_by_name(name: str) -> None:
    with pytest.raises(ValueError, match=rf"dtype='{name}'.*mixed precision and bfloat16"):
        L.Dense(2, dtype=name)
    with pytest.raises(ValueError, match=rf"dtype='{name}'"):
        L.Conv2D(2, 3, dtype={"class_name": "DTypePolicy", "config": {"name": name}})
    with pytest.raises(ValueError, match=rf"policy='{name}'"):
        config.set_dtype_policy(name)


def test_other_dtypes_are_refused() -> None:
    with pytest.raises(ValueError, match=r"Unsupported `dtype`: 'int8'"):
        L.UpSampling2D(dtype="int8")


def test_a_policy_names_its_dtypes(global_policy_restored: None) -> None:
    policy = DTypePolicy("float16")
    assert (policy.name, policy.compute_dtype, policy.variable_dtype) == ("float16",) * 3
    assert DTypePolicy.from_config(policy.get_config()) == policy
    assert repr(policy) == '<DTypePolicy "float16">'
    assert L.Dense(2, dtype=policy).dtype_policy == policy
    assert L.Dense(2, dtype=np.dtype("float64")).dtype == "float64"
    assert DTypePolicy().name == "float32"  # the global policy


def test_the_global_policy_follows_floatx_until_set(global_policy_restored: None) -> None:
    config.set_floatx("float64")
    assert config.dtype_policy() == DTypePolicy("float64")
    assert L.Dense(2).dtype == "float64"
    config.set_dtype_policy("float16")
    assert L.Dense(2).dtype == "float16" and config.floatx() == "float64"
    config.set_dtype_policy(None)
    assert dtype_policies.dtype_policy().name == "float64"


def test_a_keras_file_with_a_mixed_policy_is_refused_by_name(tmp_path: Path) -> None:
    model = Sequential([L.Input((4,)), L.Dense(2, name="head")])
    path = tmp_path / "model.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    saved = json.loads(files["config.json"])
    saved["config"]["layers"][-1]["config"]["dtype"]["config"]["name"] = "mixed_float16"
    files["config.json"] = json.dumps(saved).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match=r"mixed_float16"):
        load_model(path)


# --------------------------------------------------------------------------- casting


def test_a_float16_layer_in_a_float32_model_computes_in_float16() -> None:
    inputs = L.Input((3,))
    half = L.Dense(4, dtype="float16")
    outputs = L.Dense(1)(half(inputs))
    model = Model(inputs, outputs)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    assert model(x).dtype == np.float32
    # What the float16 layer received and returned: float16 (checked by hand below).
    kernel, bias = half.get_weights()
    hidden = (x.astype(np.float16) @ kernel + bias).astype(np.float16)
    last_kernel, last_bias = model.layers[-1].get_weights()
    np.testing.assert_allclose(
        model(x), hidden.astype(np.float32) @ last_kernel + last_bias, rtol=1e-6
    )


def test_gradients_cross_a_cast_in_the_dtype_of_the_value_cast() -> None:
    inputs = L.Input((3,))
    half = L.Dense(4, dtype="float16")
    model = Model(inputs, L.Dense(1, dtype="float64")(half(inputs)))
    x = np.ones((2, 3), np.float32)
    outputs, cache = model.forward(x, training=True)
    assert outputs.dtype == np.float64
    grads = model.backward(cache, np.ones_like(outputs))
    assert grads.inputs.dtype == np.float32  # the Input's dtype
    assert [g.dtype for g in grads.weights] == [v.dtype for v in model.trainable_weights]
    assert [str(v.dtype) for v in model.trainable_weights] == ["float16"] * 2 + ["float64"] * 2


def test_a_model_converts_inputs_to_its_inputs_dtype_not_its_own() -> None:
    model = Sequential([L.Input((2,), dtype="float64"), L.Activation("linear", dtype="float64")])
    x = np.array([[1 + 1e-12, 2.0]])
    np.testing.assert_array_equal(model(x), x)  # float64 all the way: nothing rounded
    assert model.predict(x, verbose=0)[0, 0] == 1.0  # predict casts data to floatx first
    np.testing.assert_array_equal(model.predict_on_batch(x), x)


def test_a_sequential_model_built_from_data_takes_its_first_layers_dtype() -> None:
    model = Sequential([L.Dense(2, dtype="float64")])
    model.build((None, 3))
    assert model.inputs[0].dtype == "float64"


def test_fit_casts_float_data_to_floatx() -> None:
    model = Sequential([L.Input((2,)), L.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((4, 2))
    model.fit(x, np.ones((4, 1)), verbose=0)
    assert all(v.dtype == np.float32 for v in model.weights)
    with pytest.raises(ValueError, match=r"`x` has values beyond the range of float32.*1e\+300"):
        model.fit(np.full((4, 2), 1e300), np.ones((4, 1)), verbose=0)
