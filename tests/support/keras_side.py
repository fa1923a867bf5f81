"""Functions that run inside the Keras reference worker (see reference.py).

They take and return NumPy arrays and plain Python data only, so that they can
cross the process boundary.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def layer_vjp(
    class_name: str,
    config: dict[str, Any],
    weights: list[np.ndarray],
    inputs: Any,
    output_grad: np.ndarray,
    training: bool = False,
) -> dict[str, Any]:
    """Build a Keras layer from `config` with `weights`, run it and differentiate it.

    Returns the output, the gradient with respect to the input(s) and to each
    trainable weight (in `layer.trainable_weights` order), the new
    non-trainable weights (e.g. BatchNormalization's moving statistics) and the
    output shape Keras computes symbolically.  The forward and backward passes are
    compiled by `jax.jit` as a whole: XLA compiles one computation instead of one per
    operation, which is faster for a layer that runs once (see reference.py).
    """
    import jax
    import jax.numpy as jnp
    import keras

    layer = keras.layers.deserialize(
        {"module": "keras.layers", "class_name": class_name, "config": config}
    )
    multiple = isinstance(inputs, list | tuple)
    shapes = [x.shape for x in inputs] if multiple else inputs.shape
    # Built without running the initializers (one XLA compilation per weight shape): the
    # weights are given.  Only variables that are not weights (a seed generator's state)
    # are initialized.
    with keras.StatelessScope(initialize_variables=False):
        layer.build(shapes)
    given = dict(zip((id(v) for v in layer.weights), weights, strict=True))

    def value(variable: Any) -> Any:
        if id(variable) not in given:
            if variable._value is None:  # created by `build`, in the scope
                variable._deferred_initialize()
            return variable.value
        weight = np.asarray(given[id(variable)], dtype=variable.dtype)
        if weight.shape != tuple(variable.shape):  # as `set_weights` would refuse it
            raise ValueError(f"{variable.path}: shape {weight.shape} != {variable.shape}")
        return weight

    trainable = [value(v) for v in layer.trainable_variables]
    non_trainable = [value(v) for v in layer.non_trainable_variables]

    # Keras forwards `training` to `call`, and some layers' `call` does not take it.
    context = {"training": training} if layer._call_has_training_arg else {}

    def forward_and_back(
        x: Any, trainable_values: list[Any], non_trainable_values: list[Any], output_grad: Any
    ) -> Any:
        (outputs, new_non_trainable), vjp = jax.vjp(
            lambda x, w: layer.stateless_call(w, non_trainable_values, x, **context),
            x,
            trainable_values,
        )
        grads = vjp((output_grad, [jnp.zeros_like(v) for v in new_non_trainable]))
        return outputs, new_non_trainable, grads

    outputs, new_non_trainable, (input_grads, weight_grads) = jax.jit(forward_and_back)(
        list(inputs) if multiple else inputs, trainable, non_trainable, output_grad
    )
    symbolic = layer.compute_output_shape(shapes)
    return {
        "output": np.asarray(outputs),
        "input_grads": [np.asarray(g) for g in input_grads]
        if multiple
        else np.asarray(input_grads),
        "weight_grads": [np.asarray(g) for g in weight_grads],
        "non_trainable": [np.asarray(v) for v in new_non_trainable],
        "output_shape": tuple(symbolic) if not isinstance(symbolic, list) else symbolic,
    }


def layer_config(class_name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """`get_config()` of a Keras layer built from constructor arguments."""
    import keras

    return getattr(keras.layers, class_name)(**kwargs).get_config()


def layer_error(class_name: str, kwargs: dict[str, Any]) -> str | None:
    """The error message Keras raises for these constructor arguments, or None."""
    import keras

    try:
        getattr(keras.layers, class_name)(**kwargs)
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return None


def layer_train_step(
    class_name: str,
    config: dict[str, Any],
    weights: list[np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    optimizer: tuple[str, dict[str, Any]],
    loss: str,
) -> dict[str, Any]:
    """One `train_on_batch` of a model made of this one layer, from `weights`.

    Returns the loss and the weights after the step (in `get_weights()` order).
    """
    import keras

    keras.backend.clear_session()
    layer = keras.layers.deserialize(
        {"module": "keras.layers", "class_name": class_name, "config": config}
    )
    model = keras.Sequential([keras.Input(x.shape[1:]), layer])
    model.set_weights(weights)
    name, kwargs = optimizer
    model.compile(optimizer=getattr(keras.optimizers, name)(**kwargs), loss=loss)
    loss_value = model.train_on_batch(x, y)
    return {"loss": float(loss_value), "weights": [np.asarray(w) for w in model.get_weights()]}
