"""upsample's own layers in real Keras 3 through `upsample.interop.keras`, and back.

For random configurations of every twin (1-, 2- and 3-D; both channel orders;
scales and sizes 2-4, per axis too; both data formats; every interpolation of
`ResizeConv` and `UpSampling*D`, under every coordinate convention it takes;
`Resizing` up and down, cropped or padded, in the conventions Keras lacks): a
model saved by upsample loads in Keras, whose output and gradients (for the
input and every weight) equal upsample's within float32 rounding; the file Keras
saves back has upsample's config, and upsample loads from it the same weights
and outputs.  `UpSampling*D` and `Resizing` reach Keras as its own classes when
their arguments are Keras's and as the twins otherwise; both forms are among
the cases.  The twins refuse a convention with upsample's message.

The initializers.  ICNR in Keras: every phase of the kernel is the same
sub-kernel, exactly, so that a sub-pixel convolution at initialisation is a
convolution followed by nearest upsampling (up to the order of float32 sums);
and the kernel is upsample's layout of Keras's own draw.  Keras's random
numbers are not NumPy's, so a seeded ICNR cannot draw the same values in both
libraries: the same layout of the same draw is what is compared.
BilinearUpsampling equals upsample's kernel and the FCN kernel, exactly.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import upsample.layers as L
from support.reference import KerasReference
from upsample.initializers import ICNR, BilinearUpsampling
from upsample.initializers.upsampling_initializers import icnr_sub_kernel_shape
from upsample.models import Sequential, load_model
from upsample.ops.resampling import ALIGN_CORNERS, ASYMMETRIC, HALF_PIXEL
from upsample.utils import clear_session

MODULE = "support.keras_side_interop"
CASES_PER_KIND = 12
INTERPOLATIONS = ["nearest", "bilinear", "bicubic", "lanczos3", "lanczos5"]


def convention(interpolation: str, index: int) -> str:
    """Each convention `interpolation` takes, in turn (nearest has no align_corners)."""
    if interpolation == "nearest":
        return (ASYMMETRIC, HALF_PIXEL)[index % 2]
    return (ALIGN_CORNERS, ASYMMETRIC, HALF_PIXEL)[index % 3]


def factors(rng: np.random.Generator, rank: int) -> int | tuple[int, ...]:
    """One factor 2-4, or one per axis (1-4, so that some axes are not scaled)."""
    if rng.random() < 0.5:
        return int(rng.integers(2, 5))
    return tuple(int(f) for f in rng.integers(1, 5, rank))


def per_axis(value: int | tuple[int, ...], rank: int) -> tuple[int, ...]:
    return value if isinstance(value, tuple) else (value,) * rank


def random_resizing(rng: np.random.Generator, index: int, fmt: str) -> tuple[Any, list[int]]:
    """A `Resizing` in a convention Keras lacks, up or down, plain, cropped or padded."""
    interpolation = INTERPOLATIONS[index % len(INTERPOLATIONS)]
    height, width = (int(n) for n in rng.integers(2, 9, 2))
    layer = L.Resizing(
        height,
        width,
        interpolation=interpolation,
        coordinates=ASYMMETRIC
        if interpolation == "nearest"
        else convention(interpolation, index % 2),
        crop_to_aspect_ratio=index % 3 == 1,
        pad_to_aspect_ratio=index % 3 == 2,
        fill_value=float(np.round(rng.standard_normal(), 3)),
        antialias=bool(rng.random() < 0.5),
        data_format=fmt,
    )
    return layer, [int(n) for n in rng.integers(2, 9, 2)]


def random_case(kind: str, index: int) -> tuple[Any, tuple[int, ...]]:
    """A layer of `kind` with random arguments, and the input shape (batch included)."""
    rng = np.random.default_rng([index, len(kind)])
    rank = 1 + index % 3
    fmt = "channels_first" if rng.random() < 0.5 and rank > 1 else "channels_last"
    spatial = [int(n) for n in rng.integers(2, 5, rank)]
    common: dict[str, Any] = {"data_format": fmt}
    channels = int(rng.integers(1, 4))
    if kind == "Resizing":
        layer, spatial = random_resizing(rng, index, fmt)
    elif kind == "UpSampling":
        interpolation = INTERPOLATIONS[index % len(INTERPOLATIONS)]
        layer = getattr(L, f"UpSampling{rank}D")(
            factors(rng, rank),
            interpolation=interpolation,
            # index // 3: every rank meets every convention over the cases.
            coordinates=convention(interpolation, index // 3),
            **({} if rank == 1 else common),
        )
    elif kind in ("DepthToSpace", "SpaceToDepth"):
        block = factors(rng, rank)
        common.update(block_size=block, order=("DCR", "CRD")[index % 2])
        blocks = per_axis(block, rank)
        depth = int(rng.integers(1, 3))
        if kind == "DepthToSpace":
            channels = depth * int(np.prod(blocks))
        else:
            spatial = [n * b for n, b in zip(spatial, blocks)]
            channels = depth
        layer = getattr(L, kind)(**common)
    else:
        common.update(
            kernel_size=int(rng.integers(1, 4)),
            padding=("same", "valid")[int(rng.random() < 0.3)],
            dilation_rate=int(rng.integers(1, 3)) if rng.random() < 0.3 else 1,
            activation=["linear", "relu", "tanh", "sigmoid"][index % 4],
            use_bias=bool(rng.random() < 0.8),
            # Constant initializers: Keras builds the loaded layers with them, and a random
            # one compiles for every new shape.  The weights are set at random afterwards.
            kernel_initializer="zeros",
        )
        if common["padding"] == "valid":
            spatial = [n + 4 for n in spatial]
        filters = int(rng.integers(1, 4))
        if kind == "SubPixelConv":
            order = ("DCR", "CRD")[index % 2]
            scale = factors(rng, rank)
            if index % 3:
                common["kernel_initializer"] = ICNR(scale, order, "zeros")
            layer = getattr(L, f"SubPixelConv{rank}D")(filters, scale=scale, order=order, **common)
        else:
            interpolation = INTERPOLATIONS[index % len(INTERPOLATIONS)]
            layer = getattr(L, f"ResizeConv{rank}D")(
                filters,
                size=factors(rng, rank),
                interpolation=interpolation,
                coordinates=convention(interpolation, index),
                **common,
            )
    batch = int(rng.integers(1, 3))
    shape = (batch, *spatial, channels) if fmt == "channels_last" else (batch, channels, *spatial)
    return layer, shape


def config_of(path: Path) -> Any:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))


def assert_close(ours: np.ndarray, theirs: np.ndarray, what: str) -> None:
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} != Keras {theirs.shape}"
    scale = max(1.0, float(np.abs(theirs).max(initial=0.0)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=2e-6 * scale, err_msg=what)


@pytest.mark.parametrize(
    "kind",
    ["DepthToSpace", "SpaceToDepth", "SubPixelConv", "ResizeConv", "UpSampling", "Resizing"],
)
def test_files_run_in_keras_and_come_back(
    keras_reference: KerasReference, tmp_path: Path, kind: str
) -> None:
    cases, models = [], []
    # 15 UpSampling cases: with `convention(..., index // 3)`, 3-D meets asymmetric.
    for index in range(15 if kind == "UpSampling" else CASES_PER_KIND):
        clear_session()
        layer, shape = random_case(kind, index)
        model = Sequential([L.Input(shape[1:]), layer])
        rng = np.random.default_rng(index)
        model.set_weights(
            [rng.standard_normal(w.shape).astype(np.float32) for w in model.get_weights()]
        )
        x = rng.standard_normal(shape).astype(np.float32)
        cotangent = rng.standard_normal(model.compute_output_shape(shape)).astype(np.float32)
        path = tmp_path / f"{kind}_{index}.keras"
        model.save(path)
        cases.append(
            {"path": str(path), "x": x, "cotangent": cotangent, "saved": str(path) + ".back.keras"}
        )
        models.append(model)
    if kind == "UpSampling":
        # Both forms: Keras's own class (Keras's arguments) and the twin (beyond them).
        modules = {config_of(Path(case["path"]))["config"]["layers"][1]["module"] for case in cases}
        assert modules == {"keras.layers", "upsample.layers"}
    results = keras_reference(f"{MODULE}:load_run_and_save", cases).output
    for index, (case, model, theirs) in enumerate(zip(cases, models, results, strict=True)):
        what = f"{kind} case {index}: {model.layers[0].get_config()}"
        output, cache = model.forward(case["x"])
        grads = model.backward(cache, case["cotangent"], weights=True, inputs=True)
        assert_close(output, theirs["output"], f"{what}: output")
        assert_close(grads.inputs, theirs["input_grad"], f"{what}: input gradient")
        assert len(grads.weights) == len(theirs["weight_grads"]) == len(model.trainable_weights)
        for ours, keras_grad in zip(grads.weights, theirs["weight_grads"], strict=True):
            assert_close(ours, keras_grad, f"{what}: weight gradient")
        # Keras's file: upsample's config, the same weights, hence the same outputs.
        ours_config, keras_config = config_of(Path(case["path"])), theirs["config"]
        assert keras_config == ours_config, what
        back = load_model(case["saved"])
        for ours, theirs_w in zip(model.get_weights(), back.get_weights(), strict=True):
            np.testing.assert_array_equal(ours, theirs_w, err_msg=what)
        np.testing.assert_array_equal(back.predict(case["x"], verbose=0), output, err_msg=what)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"interpolation": "nearest", "coordinates": ALIGN_CORNERS},
        {"interpolation": "bilinear", "coordinates": "corners"},
    ],
)
def test_twins_refuse_a_convention_as_upsample_does(
    keras_reference: KerasReference, kwargs: dict[str, Any]
) -> None:
    cases = [(f"ResizeConv{rank}D", {"filters": 1, "kernel_size": 3, **kwargs}) for rank in (1, 3)]
    theirs = keras_reference(f"{MODULE}:construction_errors", cases).output
    for (class_name, arguments), message in zip(cases, theirs, strict=True):
        with pytest.raises(ValueError) as ours:
            getattr(L, class_name)(**arguments)
        assert message == str(ours.value)
        assert "coordinates" in message


def test_keras_models_of_the_twins_load_in_upsample(
    keras_reference: KerasReference, tmp_path: Path
) -> None:
    """A model built in Keras from the twins, saved by Keras, runs the same in upsample."""
    x = np.random.default_rng(5).standard_normal((2, 4, 5, 3)).astype(np.float32)
    path = tmp_path / "keras_twins.keras"
    theirs = keras_reference(f"{MODULE}:twins_model_saved", str(path), x).output
    model = load_model(path)
    kinds = [
        (type(layer).__name__, layer.get_config().get("coordinates")) for layer in model.layers
    ]
    assert kinds == [
        ("UpSampling2D", ALIGN_CORNERS),
        ("Resizing", ASYMMETRIC),
        ("UpSampling2D", None),
    ]
    assert_close(model.predict(x, verbose=0), theirs, "upsample on Keras's file")


def icnr_arguments(index: int) -> dict[str, Any]:
    rng = np.random.default_rng([index, 7])
    rank = 1 + index % 3
    scale = factors(rng, rank)
    transposed = index % 4 == 3
    kernel = [int(k) for k in rng.integers(1, 4, rank)]
    if transposed:
        kernel = [k * s for k, s in zip(kernel, per_axis(scale, rank))]
    filters, channels = (int(n) for n in rng.integers(1, 4, 2))
    phases = int(np.prod(per_axis(scale, rank)))
    shape = (*kernel, filters, channels) if transposed else (*kernel, channels, filters * phases)
    return {
        "scale": scale,
        "order": ("DCR", "CRD")[index % 2],
        "transposed": transposed,
        "shape": shape,
        "seed": index,
    }


def test_icnr_lays_out_keras_draw_as_upsample_does(keras_reference: KerasReference) -> None:
    cases = []
    for index in range(8):
        case = icnr_arguments(index)
        case["sub_shape"], _ = icnr_sub_kernel_shape(
            case["shape"], case["scale"], case["transposed"]
        )
        cases.append(case)
    results = keras_reference(f"{MODULE}:icnr_kernels", cases).output
    for case, theirs in zip(cases, results, strict=True):
        # upsample's ICNR, drawing exactly what Keras's seeded inner initializer drew.
        ours = ICNR(
            case["scale"],
            case["order"],
            lambda shape, dtype=None, sub=theirs["sub"]: sub,
            transposed=case["transposed"],
        )
        np.testing.assert_array_equal(ours(case["shape"]), theirs["kernel"], err_msg=str(case))
        assert np.all(theirs["sub"] != 0)


def test_keras_sub_pixel_conv_is_conv_then_nearest_at_init(
    keras_reference: KerasReference,
) -> None:
    cases = []
    for index in range(6):
        rng = np.random.default_rng([index, 11])
        rank = 1 + index % 3
        fmt = ("channels_last", "channels_first")[index % 2]
        spatial = tuple(int(n) for n in rng.integers(2, 5, rank))
        channels = int(rng.integers(1, 4))
        shape = (2, *spatial, channels) if fmt == "channels_last" else (2, channels, *spatial)
        cases.append(
            {
                "rank": rank,
                "filters": int(rng.integers(1, 4)),
                "kernel_size": int(rng.integers(1, 4)),
                "scale": per_axis(factors(rng, rank), rank),
                "order": ("DCR", "CRD")[index // 3],
                "data_format": fmt,
                "x": rng.standard_normal(shape).astype(np.float32),
            }
        )
    results = keras_reference(f"{MODULE}:icnr_sub_pixel_at_init", cases).output
    for case, theirs in zip(cases, results, strict=True):
        # Exactly: every phase of the kernel is the same sub-kernel.
        kernel, filters = theirs["kernel"], case["filters"]
        phases = int(np.prod(case["scale"]))
        split = kernel.reshape(
            *kernel.shape[:-1],
            *((phases, filters) if case["order"] == "DCR" else (filters, phases)),
        )
        first = split[..., :1, :] if case["order"] == "DCR" else split[..., :1]
        np.testing.assert_array_equal(split, np.broadcast_to(first, split.shape))
        assert np.all(kernel != 0)
        # Hence the layer is conv + nearest; XLA's two convolutions may sum in other orders.
        assert_close(theirs["output"], theirs["reference"], f"{case['rank']}-D {case['order']}")


def fcn_filter(size: int) -> np.ndarray:
    """Long et al.'s bilinear filter, by hand for the sizes used: sizes 3, 4 and 5."""
    return {
        3: np.array([0.5, 1.0, 0.5]),
        4: np.array([0.25, 0.75, 0.75, 0.25]),
        5: np.array([1 / 3, 2 / 3, 1.0, 2 / 3, 1 / 3]),
    }[size]


@pytest.mark.parametrize("shape", [(4, 2, 2), (3, 4, 3, 3), (4, 4, 5, 1, 1)])
def test_bilinear_upsampling_is_upsample_and_fcn(
    keras_reference: KerasReference, shape: tuple[int, ...]
) -> None:
    [theirs] = keras_reference(f"{MODULE}:bilinear_kernels", [shape]).output
    np.testing.assert_array_equal(theirs, BilinearUpsampling()(shape, dtype="float32"))
    filters = np.ones(())
    for size in shape[:-2]:
        filters = np.multiply.outer(filters, fcn_filter(size))
    expected = filters[..., None, None] * np.eye(shape[-1])
    np.testing.assert_allclose(theirs, expected.astype(np.float32), rtol=0, atol=0)
