"""Keras's side of the interop tests: upsample's files and initializers in Keras 3.

These functions run inside the Keras reference worker (see reference.py) and
import `upsample.interop.keras` first, as a user would, so that the files'
``upsample>...`` classes resolve to the Keras twins.  They take and return
plain data and NumPy arrays.  Each takes a list of cases and answers them all
in one call (one round trip to the worker per test, not per case).
"""

from __future__ import annotations

import json
import zipfile
from typing import Any

import numpy as np


def _keras() -> Any:
    import keras

    import upsample.interop.keras  # noqa: F401 (registers the twins)

    return keras


def load_run_and_save(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each case, load ``case["path"]`` in Keras; outputs, VJPs, and a file saved back.

    A case has ``path`` (a ``.keras`` file), ``x`` (the input), ``cotangent``
    (for the output) and ``saved`` (where Keras saves the model back).  Returns,
    per case: the output, the gradient for the input and for each trainable
    weight (in `trainable_variables` order), the weights, and the config Keras
    wrote to ``saved``.
    """
    import jax
    import jax.numpy as jnp

    keras = _keras()
    results = []
    for case in cases:
        keras.backend.clear_session()
        model = keras.saving.load_model(case["path"])
        trainable = [v.value for v in model.trainable_variables]
        frozen = [v.value for v in model.non_trainable_variables]

        def run(x: Any, values: list[Any], model: Any = model, frozen: list[Any] = frozen) -> Any:
            return model.stateless_call(values, frozen, x)[0]

        # One compiled program per case: op-by-op dispatch would compile every op's shapes.
        output, vjp = jax.vjp(jax.jit(run), jnp.asarray(case["x"]), trainable)
        input_grad, weight_grads = vjp(jnp.asarray(case["cotangent"]))
        model.save(case["saved"])
        with zipfile.ZipFile(case["saved"]) as archive:
            config = json.loads(archive.read("config.json"))
        results.append(
            {
                "output": np.asarray(output),
                "input_grad": np.asarray(input_grad),
                "weight_grads": [np.asarray(g) for g in weight_grads],
                "weights": [np.asarray(w) for w in model.get_weights()],
                "config": config,
            }
        )
    return results


def icnr_kernels(cases: list[dict[str, Any]]) -> list[dict[str, np.ndarray]]:
    """ICNR kernels drawn by the Keras twin, and the sub-kernel its seeded initializer draws.

    A case has the ICNR arguments (``scale``, ``order``, ``transposed``), the
    kernel ``shape``, the ``sub_shape`` to draw and a ``seed`` for the inner
    GlorotUniform.  The draw is made twice by the same seeded initializer: once
    inside ICNR, once alone.
    """
    keras = _keras()
    from upsample.interop.keras import ICNR

    results = []
    for case in cases:
        inner = keras.initializers.GlorotUniform(seed=case["seed"])
        icnr = ICNR(case["scale"], case["order"], inner, transposed=case["transposed"])
        kernel = icnr(tuple(case["shape"]), dtype="float32")
        sub = inner(tuple(case["sub_shape"]), dtype="float32")
        results.append({"kernel": np.asarray(kernel), "sub": np.asarray(sub)})
    return results


def icnr_sub_pixel_at_init(cases: list[dict[str, Any]]) -> list[dict[str, np.ndarray]]:
    """A Keras `SubPixelConvND` (default ICNR, zero bias) and conv + nearest, on the same input.

    A case has ``rank``, ``filters``, ``kernel_size``, ``scale``, ``order``,
    ``data_format`` and ``x``.  The reference convolves with phase 0's
    sub-kernel (channels ``0..C-1`` for "DCR", every ``P``-th for "CRD") and
    repeats each pixel ``scale`` times along each axis.
    """
    keras = _keras()
    import upsample.interop.keras as twins

    ops = keras.ops
    results = []
    for case in cases:
        layer = getattr(twins, f"SubPixelConv{case['rank']}D")(
            case["filters"],
            case["kernel_size"],
            scale=case["scale"],
            order=case["order"],
            data_format=case["data_format"],
        )
        x = ops.convert_to_tensor(case["x"])
        output = layer(x)
        kernel = layer.kernel.value
        phases = int(np.prod(case["scale"]))
        sub = kernel[..., : case["filters"]] if case["order"] == "DCR" else kernel[..., ::phases]
        reference = ops.conv(x, sub, padding="same", data_format=case["data_format"])
        first = 1 if case["data_format"] == "channels_last" else 2
        for axis, factor in enumerate(case["scale"]):
            reference = ops.repeat(reference, factor, axis=first + axis)
        results.append(
            {
                "output": np.asarray(output),
                "reference": np.asarray(reference),
                "kernel": np.asarray(kernel),
            }
        )
    return results


def bilinear_kernels(shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    """`BilinearUpsampling` kernels drawn by the Keras twin."""
    _keras()
    from upsample.interop.keras import BilinearUpsampling

    return [np.asarray(BilinearUpsampling()(shape, dtype="float32")) for shape in shapes]


def construction_errors(cases: list[tuple[str, dict[str, Any]]]) -> list[str | None]:
    """The message of the ValueError each ``(twin class name, arguments)`` raises, or None."""
    _keras()
    import upsample.interop.keras as twins

    errors: list[str | None] = []
    for class_name, kwargs in cases:
        try:
            getattr(twins, class_name)(**kwargs)
        except ValueError as error:
            errors.append(str(error))
        else:
            errors.append(None)
    return errors


def twins_model_saved(path: str, x: np.ndarray) -> np.ndarray:
    """A Keras model of twins in and beyond Keras's conventions, saved to `path`; its output."""
    keras = _keras()
    import upsample.interop.keras as twins

    model = keras.Sequential(
        [
            keras.Input(x.shape[1:]),
            twins.UpSampling2D(2, interpolation="bilinear", coordinates="align_corners"),
            twins.Resizing(5, 7, interpolation="bicubic", coordinates="asymmetric"),
            twins.UpSampling2D((1, 2)),
        ]
    )
    model.save(path)
    return np.asarray(model(x))
