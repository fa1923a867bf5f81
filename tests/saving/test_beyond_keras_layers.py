"""`.keras` round trips of the layers and initializers Keras lacks, and of arguments it lacks.

They are saved under their own module with a registered name, ``upsample>Name``:
the form Keras gives classes registered with ``register_keras_serializable
(package="upsample")``, so that Keras can load them once such classes exist.
So is a layer of a class Keras has (`UpSampling2D`, `Resizing`) given arguments
Keras lacks (a coordinate convention); with Keras's arguments it stays Keras's.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from upsample import layers as L
from upsample.initializers import ICNR, BilinearUpsampling, HeUniform
from upsample.models import Model, Sequential, load_model
from upsample.saving.classes import ConfigError
from upsample.saving.deserialize import deserialize_layer
from upsample.saving.serialize import model_to_config, serialize_layer


def one_dimensional() -> Sequential:
    return Sequential(
        [
            L.Input((6, 4)),
            L.SubPixelConv1D(3, 3, scale=3, order="CRD", activation="relu"),
            L.ResizeConv1D(2, 2, size=2, interpolation="linear", padding="valid"),
            L.SpaceToDepth(5, order="CRD"),
            L.DepthToSpace(5),
        ]
    )


def two_dimensional() -> Model:
    image = L.Input((4, 4, 2))
    a = L.SubPixelConv2D(
        2, (2, 2), scale=(2, 3), kernel_initializer=ICNR((2, 3), initializer=HeUniform(seed=1))
    )(image)
    b = L.ResizeConv2D(2, 3, size=(2, 3), interpolation="bicubic", activation="sigmoid")(image)
    bilinear = BilinearUpsampling()
    c = L.Conv2DTranspose(2, (4, 5), (2, 3), padding="same", kernel_initializer=bilinear)(image)
    merged = L.Concatenate()([a, b, c])
    shuffled = L.DepthToSpace((1, 2), order="CRD")(L.SpaceToDepth((2, 1))(merged))
    return Model(image, shuffled)


def three_dimensional() -> Sequential:
    return Sequential(
        [
            L.Input((8, 2, 3, 2), name="volume"),
            L.DepthToSpace(2, data_format="channels_first"),
            L.SubPixelConv3D(2, 2, scale=(1, 2, 1), data_format="channels_first"),
            L.ResizeConv3D(
                1, 2, size=(2, 1, 1), interpolation="trilinear", data_format="channels_first"
            ),
        ]
    )


BUILDERS = {"1d": one_dimensional, "2d": two_dimensional, "3d": three_dimensional}


def batch(model: Any, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random((3, *model.input_shape[1:])).astype(np.float32)


@pytest.mark.parametrize("name", list(BUILDERS))
def test_round_trip_keeps_config_weights_predictions_and_training(
    name: str, tmp_path: Path
) -> None:
    model = BUILDERS[name]()
    model.compile(optimizer="adam", loss="mse")
    x = batch(model, 1)
    y = np.random.default_rng(2).random(model.predict(x, verbose=0).shape).astype(np.float32)
    model.train_on_batch(x, y)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = load_model(path)
    assert model_to_config(loaded) == model_to_config(model)
    for a, b in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    model.train_on_batch(x, y)
    loaded.train_on_batch(x, y)
    for a, b in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_headers_name_our_module_and_a_registered_name(tmp_path: Path) -> None:
    path = tmp_path / "model.keras"
    two_dimensional().save(path)
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
    headers = {
        layer["class_name"]: (layer["module"], layer["registered_name"])
        for layer in config["config"]["layers"]
    }
    for name in ("SubPixelConv2D", "ResizeConv2D", "DepthToSpace", "SpaceToDepth"):
        assert headers[name] == ("upsample.layers", f"upsample>{name}")
    assert headers["Conv2DTranspose"] == ("keras.layers", None)
    layers = {layer["class_name"]: layer["config"] for layer in config["config"]["layers"]}
    icnr = layers["SubPixelConv2D"]["kernel_initializer"]
    assert (icnr["module"], icnr["class_name"], icnr["registered_name"]) == (
        "upsample.initializers",
        "ICNR",
        "upsample>ICNR",
    )
    assert icnr["config"]["initializer"]["class_name"] == "HeUniform"
    bilinear = layers["Conv2DTranspose"]["kernel_initializer"]
    assert bilinear["registered_name"] == "upsample>BilinearUpsampling"


def test_our_registered_name_is_ours_whatever_the_module() -> None:
    """Keras writes the module of the class it has, e.g. a Keras-side twin of ours."""
    config = serialize_layer(L.DepthToSpace(3, order="CRD"))
    config["module"] = "upsample_keras.layers"
    layer = deserialize_layer(config)
    assert type(layer) is L.DepthToSpace and layer.get_config()["block_size"] == 3


def test_a_class_of_the_same_name_from_another_package_is_not_ours() -> None:
    config = serialize_layer(L.DepthToSpace(2))
    config["module"] = "my_package.layers"
    config["registered_name"] = "my_package>DepthToSpace"
    with pytest.raises(ConfigError, match=r"custom class 'DepthToSpace'.*custom_objects"):
        deserialize_layer(config)


BEYOND_KERAS = [
    L.UpSampling1D(3, interpolation="linear"),
    L.UpSampling1D(2, coordinates="asymmetric"),
    L.UpSampling2D(2, interpolation="bilinear", coordinates="align_corners"),
    L.UpSampling3D(2, interpolation="trilinear"),
    L.UpSampling3D((1, 2, 2), coordinates="asymmetric"),
    L.Resizing(5, 4, coordinates="align_corners"),
]
KERAS_ARGUMENTS = [
    L.UpSampling1D(3),
    L.UpSampling2D(2, interpolation="bicubic"),
    L.UpSampling3D(2, coordinates="half_pixel"),
    L.Resizing(5, 4, interpolation="lanczos3", antialias=True),
]


@pytest.mark.parametrize("layer", BEYOND_KERAS, ids=lambda layer: layer.name)
def test_keras_classes_with_arguments_keras_lacks_are_saved_as_ours(layer: Any) -> None:
    config = serialize_layer(layer)
    name = type(layer).__name__
    assert (config["module"], config["registered_name"]) == ("upsample.layers", f"upsample>{name}")
    back = deserialize_layer(config)
    assert type(back) is type(layer) and back.get_config() == layer.get_config()


@pytest.mark.parametrize("layer", KERAS_ARGUMENTS, ids=lambda layer: layer.name)
def test_keras_classes_with_keras_arguments_stay_keras(layer: Any) -> None:
    config = serialize_layer(layer)
    assert (config["module"], config["registered_name"]) == ("keras.layers", None)
    assert "coordinates" not in config["config"]


def test_a_default_up_sampling_is_keras_s_config() -> None:
    """The dictionary Keras 3.15 writes for ``keras.layers.UpSampling2D(name="up")``."""
    config = serialize_layer(L.UpSampling2D(name="up"))
    config["config"].pop("dtype")
    assert config == {
        "module": "keras.layers",
        "class_name": "UpSampling2D",
        "config": {
            "name": "up",
            "trainable": True,
            "size": (2, 2),
            "data_format": "channels_last",
            "interpolation": "nearest",
        },
        "registered_name": None,
    }


def test_both_forms_of_a_convention_load() -> None:
    """upsample>UpSampling2D (this version) and keras.layers with `coordinates` (earlier ones)."""
    layer = L.UpSampling2D(2, interpolation="bilinear", coordinates="asymmetric")
    ours = serialize_layer(layer)
    earlier = {**ours, "module": "keras.layers", "registered_name": None}
    for config in (ours, earlier):
        back = deserialize_layer(config)
        assert type(back) is L.UpSampling2D and back.coordinates == "asymmetric"
        assert serialize_layer(back) == ours


def test_our_registered_name_is_not_taken_for_a_class_keras_has_without_extras() -> None:
    config = serialize_layer(L.Dense(2))
    config.update(module="upsample.layers", registered_name="upsample>Dense")
    with pytest.raises(ConfigError, match=r"custom class 'Dense'"):
        deserialize_layer(config)
