"""Models built the same way in Keras and in upsample, and Keras's side of the saving tests.

The builders take the library as an argument (``keras`` in the reference
worker, `UPSAMPLE` here), so that one piece of code describes each model for
both.  The ``keras_*`` functions run inside the Keras reference worker (see
reference.py): they take and return plain data and NumPy arrays.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import numpy as np


def upsample_library() -> SimpleNamespace:
    """upsample's modules under Keras's names (``lib.layers``, ``lib.models``, …)."""
    import upsample.layers
    import upsample.losses
    import upsample.metrics
    import upsample.models
    import upsample.optimizers

    return SimpleNamespace(
        layers=upsample.layers,
        models=upsample.models,
        optimizers=upsample.optimizers,
        losses=upsample.losses,
        metrics=upsample.metrics,
    )


# --------------------------------------------------------------------------- builders


def seed_000(lib: Any) -> Any:
    """The UpSampling2D autoencoder of seed 000 (bilinear decoder), on 28x28 images."""
    L = lib.layers
    model = lib.models.Sequential()
    init = "he_uniform"
    model.add(
        L.Conv2D(
            8,
            (2, 2),
            activation="relu",
            kernel_initializer=init,
            padding="same",
            input_shape=(28, 28, 1),
        )
    )
    model.add(L.MaxPooling2D((2, 2), padding="same"))
    model.add(L.Conv2D(8, (2, 2), activation="relu", kernel_initializer=init, padding="same"))
    model.add(L.MaxPooling2D((2, 2), padding="same"))
    model.add(
        L.Conv2D(
            8, (2, 2), strides=(2, 2), activation="relu", kernel_initializer=init, padding="same"
        )
    )
    model.add(L.Conv2D(8, (2, 2), activation="relu", kernel_initializer=init, padding="same"))
    model.add(L.UpSampling2D((2, 2), interpolation="bilinear"))
    model.add(L.Conv2D(8, (2, 2), activation="relu"))
    model.add(L.UpSampling2D((2, 2), interpolation="bilinear"))
    model.add(L.Conv2D(8, (2, 2), activation="relu", kernel_initializer=init, padding="same"))
    model.add(L.UpSampling2D((2, 2), interpolation="bilinear"))
    model.add(L.Conv2D(1, (2, 2), activation="sigmoid", padding="same"))
    return model


def seed_004(lib: Any) -> Any:
    """The Conv2DTranspose autoencoder of seed 004, on 28x28 images."""
    L = lib.layers
    model = lib.models.Sequential()
    init = "he_normal"
    model.add(
        L.Conv2D(
            32,
            kernel_size=(3, 3),
            activation="relu",
            kernel_initializer=init,
            input_shape=(28, 28, 1),
        )
    )
    model.add(L.Conv2D(16, kernel_size=(3, 3), activation="relu", kernel_initializer=init))
    model.add(L.Conv2D(8, kernel_size=(3, 3), activation="relu", kernel_initializer=init))
    model.add(L.Conv2DTranspose(8, kernel_size=(3, 3), activation="relu", kernel_initializer=init))
    model.add(L.Conv2DTranspose(16, kernel_size=(3, 3), activation="relu", kernel_initializer=init))
    model.add(L.Conv2DTranspose(32, kernel_size=(3, 3), activation="relu", kernel_initializer=init))
    model.add(L.Conv2D(1, kernel_size=(3, 3), activation="sigmoid", padding="same"))
    return model


def branches(lib: Any) -> Any:
    """A functional model whose branches have unequal depths, two outputs, a fan-out."""
    L = lib.layers
    image = L.Input((8, 8, 1), name="image")
    short = L.Conv2D(2, 3, padding="same", activation="relu")(image)
    long = L.Conv2D(3, 1)(image)
    long = L.UpSampling2D(2)(long)
    long = L.MaxPooling2D(2)(long)
    merged = L.Concatenate()([short, long])
    decoded = L.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid")(merged)
    code = L.Flatten()(short)
    code = L.Dense(4)(code)
    return lib.models.Model(image, [decoded, code])


def shared_nested(lib: Any) -> Any:
    """Two inputs, a layer shared at two depths, a nested Sequential and a nested functional."""
    L = lib.layers
    left = L.Input((6,), name="left")
    right = L.Input((6,), name="right")
    shared = L.Dense(6, activation="tanh", name="shared")
    a = shared(left)
    b = shared(shared(right))
    inner_sequential = lib.models.Sequential(
        [L.Input((6,)), L.Dense(5, activation="relu"), L.Dense(4)], name="inner_sequential"
    )
    inner_input = L.Input((4,))
    inner_functional = lib.models.Model(
        inner_input, L.Dense(3)(inner_input), name="inner_functional"
    )
    x = L.Add()([a, b])
    x = inner_sequential(x)
    y = inner_functional(x)
    z = inner_functional(inner_sequential(a))
    return lib.models.Model([left, right], [y, z], name="shared_nested")


def misc_layers(lib: Any) -> Any:
    """Padding, batch normalization (non-trainable state), dropout, pooling and reshaping.

    The dropout rate is 0 so that training steps are deterministic on both sides,
    and the convolution has no bias: before batch normalization its gradient is
    rounding noise, which Adam would amplify into different updates.
    """
    L = lib.layers
    pixels = L.Input((8, 8, 3), name="pixels")
    x = L.ZeroPadding2D(1)(pixels)
    x = L.Conv2D(4, 3, use_bias=False)(x)
    x = L.BatchNormalization()(x)
    x = L.Activation("relu")(x)
    x = L.Dropout(0.0)(x)
    x = L.AveragePooling2D(2)(x)
    x = L.UpSampling2D(2)(x)
    x = L.Cropping2D(1)(x)
    x = L.Reshape((6 * 6 * 4,))(x)
    return lib.models.Model(pixels, L.Dense(2, activation="sigmoid")(x))


def sequential_unbuilt(lib: Any) -> Any:
    """A Sequential model without an input shape (no InputLayer, no weights yet)."""
    L = lib.layers
    return lib.models.Sequential([L.Dense(4, activation="relu"), L.Dense(2)])


def sequential_built(lib: Any) -> Any:
    """A Sequential model built with `build(input_shape)`."""
    model = sequential_unbuilt(lib)
    model.build((None, 3))
    return model


BUILDERS = {
    "seed_000": seed_000,
    "seed_004": seed_004,
    "branches": branches,
    "shared_nested": shared_nested,
    "misc_layers": misc_layers,
    "sequential_unbuilt": sequential_unbuilt,
    "sequential_built": sequential_built,
}


def inputs_for(model: Any, seed: int, batch: int = 4) -> list[np.ndarray]:
    """Random inputs in [0, 1) for each input of `model`."""
    rng = np.random.default_rng(seed)
    return [rng.random((batch, *t.shape[1:])).astype(np.float32) for t in model.inputs]


def targets_for(model: Any, seed: int, batch: int = 4) -> list[np.ndarray]:
    """Random targets in [0, 1) for each output of `model`."""
    rng = np.random.default_rng(seed + 1)
    return [rng.random((batch, *t.shape[1:])).astype(np.float32) for t in model.outputs]


def one(arrays: list[np.ndarray]) -> Any:
    """One array as itself, several as a list (what `fit` and `predict` take)."""
    return arrays if len(arrays) > 1 else arrays[0]


def compile_arguments(lib: Any, variant: str) -> dict[str, Any]:
    """Arguments of `compile` in the forms users write: names, objects, functions."""
    if variant == "names":
        return {"optimizer": "adam", "loss": "binary_crossentropy", "metrics": ["mae"]}
    if variant == "objects":
        return {
            "optimizer": lib.optimizers.SGD(learning_rate=0.1, momentum=0.9),
            "loss": lib.losses.BinaryCrossentropy(),
            "metrics": ["mse", lib.metrics.MeanAbsoluteError()],
        }
    if variant == "function":
        return {
            "optimizer": lib.optimizers.RMSprop(learning_rate=0.01),
            "loss": lib.losses.mean_squared_error,
            "loss_weights": [0.5],
        }
    raise ValueError(f"Unknown compile variant {variant!r}")


COMPILE_VARIANTS = ["names", "objects", "function"]


def strip_ids(config: Any) -> Any:
    """A JSON config without Keras's ``shared_object_id`` (Python object ids of one process)."""
    if isinstance(config, dict):
        return {k: strip_ids(v) for k, v in config.items() if k != "shared_object_id"}
    if isinstance(config, list):
        return [strip_ids(v) for v in config]
    return config


# --------------------------------------------------------------------------- Keras's side


def _keras_model(name: str, compiled: bool) -> Any:
    import keras

    keras.backend.clear_session()
    model = BUILDERS[name](keras)
    if compiled:
        model.compile(optimizer="adam", loss=_loss_for(model))
    return model


def _loss_for(model: Any) -> Any:
    outputs = len(model.outputs)
    return "binary_crossentropy" if outputs == 1 else ["mse"] * outputs


def keras_config(name: str, compiled: bool = False) -> dict[str, Any]:
    """``config.json`` as Keras writes it for the model `name` (after a clear_session)."""
    import keras

    model = _keras_model(name, compiled)
    config = keras.saving.serialize_keras_object(model)
    return strip_ids(json.loads(json.dumps(config)))


def keras_compile_config(variant: str) -> dict[str, Any]:
    """`get_compile_config()` of seed 004 compiled with a `compile_arguments` variant."""
    import keras

    model = _keras_model("seed_004", compiled=False)
    model.compile(**compile_arguments(keras, variant))
    return strip_ids(json.loads(json.dumps(keras.saving.serialize_keras_object(model))))


def keras_load_and_predict(path: str, inputs: list[np.ndarray]) -> dict[str, Any]:
    """Load a ``.keras`` file in Keras; its predictions, weights and optimizer state."""
    import keras

    model = keras.saving.load_model(path)
    outputs = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    optimizer = getattr(model, "optimizer", None)
    return {
        "outputs": [np.asarray(o) for o in (outputs if isinstance(outputs, list) else [outputs])],
        "weights": [np.asarray(w) for w in model.get_weights()],
        "optimizer": [np.asarray(v) for v in optimizer.variables] if optimizer else [],
        "layer_names": [layer.name for layer in model.layers],
    }


def keras_train_and_save(
    name: str, path: str, inputs: list[np.ndarray], targets: list[np.ndarray], steps: int
) -> dict[str, Any]:
    """Build `name` in Keras, train `steps` batches, save to `path` (and ``.weights.h5``).

    Returns the predictions and the weights.  The initial weights are seeded: the
    continued step is compared within a tolerance, and from some random draws a
    ReLU input within rounding of 0 flips a unit's gradient, which Adam turns into
    a full step (see tests/parity/test_gan_parity.py).
    """
    import keras

    keras.utils.set_random_seed(21)
    model = _keras_model(name, compiled=True)
    for _ in range(steps):
        model.train_on_batch(one(inputs), one(targets))
    model.save(path)
    model.save_weights(path.replace(".keras", ".weights.h5"))
    outputs = model.predict(one(inputs), verbose=0)
    return {
        "outputs": [np.asarray(o) for o in (outputs if isinstance(outputs, list) else [outputs])],
        "weights": [np.asarray(w) for w in model.get_weights()],
    }


def keras_load_weights(name: str, path: str, inputs: list[np.ndarray]) -> dict[str, Any]:
    """Build `name` in Keras, load a ``.weights.h5`` file into it; predictions and weights."""
    model = _keras_model(name, compiled=False)
    model.load_weights(path)
    outputs = model.predict(one(inputs), verbose=0)
    return {
        "outputs": [np.asarray(o) for o in (outputs if isinstance(outputs, list) else [outputs])],
        "weights": [np.asarray(w) for w in model.get_weights()],
    }


def keras_continue_training(
    path: str, inputs: list[np.ndarray], targets: list[np.ndarray]
) -> dict[str, Any]:
    """Load `path` in Keras, train one more batch; the new weights and loss."""
    import keras

    model = keras.saving.load_model(path)
    loss = model.train_on_batch(one(inputs), one(targets))
    return {
        "weights": [np.asarray(w) for w in model.get_weights()],
        "loss": np.asarray(loss),
        "iterations": int(np.asarray(model.optimizer.iterations)),
    }


def keras_call_kwargs(class_names: list[str]) -> dict[str, dict[str, Any] | None]:
    """The call arguments Keras records in a node for each class (None: not a Keras layer).

    As ``Layer.__call__``: the non-None default of `training`, and ``mask=None``
    when `call` takes a mask.
    """
    import inspect

    import keras

    table: dict[str, dict[str, Any] | None] = {}
    for name in class_names:
        cls = getattr(keras.layers, name, None) or getattr(keras.models, name, None)
        if not isinstance(cls, type):
            table[name] = None
            continue
        parameters = inspect.signature(cls.call).parameters
        kwargs: dict[str, Any] = {}
        training = parameters.get("training")
        if training is not None and training.default not in (None, inspect.Parameter.empty):
            kwargs["training"] = training.default
        if "mask" in parameters:
            kwargs["mask"] = None
        table[name] = kwargs
    return table
