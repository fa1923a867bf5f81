"""`.keras` and `.weights.h5` files: layout, round trips, atomic writes and bad files."""

from __future__ import annotations

import io
import json
import os
import re
import stat
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

from support.keras_side_saving import inputs_for, one, targets_for
from upsample.models import load_model
from upsample.saving import keras_file, serialize
from upsample.saving.keras_file import FileFormatError

Build = Callable[[str], Any]


def compiled(model: Any) -> Any:
    loss = "binary_crossentropy" if len(model.outputs) == 1 else ["mse"] * len(model.outputs)
    model.compile(optimizer="adam", loss=loss)
    return model


def trained(model: Any, steps: int = 1) -> Any:
    x, y = inputs_for(model, seed=3), targets_for(model, seed=3)
    for _ in range(steps):
        model.train_on_batch(one(x), one(y))
    return model


def as_list(outputs: Any) -> list[Any]:
    return outputs if isinstance(outputs, list) else [outputs]


def assert_same_predictions(a: Any, b: Any, x: list[np.ndarray]) -> None:
    for p, q in zip(
        as_list(a.predict(one(x), verbose=0)), as_list(b.predict(one(x), verbose=0)), strict=True
    ):
        np.testing.assert_array_equal(p, q)


def h5_of(path: Path) -> h5py.File:
    with zipfile.ZipFile(path) as archive:
        return h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")


def h5_layout(h5: h5py.File) -> dict[str, Any]:
    """Every group and dataset: ``{path: attrs}`` for groups, ``{path: shape}`` for datasets."""
    layout: dict[str, Any] = {}
    h5.visititems(
        lambda name, obj: layout.__setitem__(
            name, obj.shape if isinstance(obj, h5py.Dataset) else dict(obj.attrs)
        )
    )
    return layout


# --------------------------------------------------------------------------- layout


def test_keras_archive_layout(build: Build, tmp_path: Path) -> None:
    model = trained(compiled(build("seed_004")))
    path = tmp_path / "autoencoder.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        # Keras stores members uncompressed.
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}
        metadata = json.loads(archive.read("metadata.json"))
        config = json.loads(archive.read("config.json"))
    assert set(metadata) == {"keras_version", "date_saved"}
    assert metadata["keras_version"] == "3.15.1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d", metadata["date_saved"])
    assert config == json.loads(json.dumps(serialize.model_to_config(model)))
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    assert config["compile_config"]["loss"] == "binary_crossentropy"


def test_weights_layout_follows_keras(build: Build, tmp_path: Path) -> None:
    model = trained(compiled(build("seed_004")))
    path = tmp_path / "autoencoder.keras"
    model.save(path)
    layout = h5_layout(h5_of(path))
    assert layout["vars"] == {"name": "sequential"}
    # Keys come from class names; the `name` attribute is the layer's name.
    assert layout["layers/conv2d/vars"] == {"name": "conv2d"}
    assert layout["layers/conv2d/vars/0"] == (3, 3, 1, 32)
    assert layout["layers/conv2d/vars/1"] == (32,)
    assert layout["layers/conv2d_3/vars/0"] == (3, 3, 32, 1)
    assert layout["layers/conv2d_transpose_2/vars"] == {"name": "conv2d_transpose_2"}
    assert layout["layers/conv2d_transpose_2/vars/0"] == (3, 3, 32, 16)
    assert not any(key.startswith("layers/input_layer") for key in layout)
    assert layout["optimizer/vars"] == {"name": "adam"}
    # iterations, learning rate, then (momentum, velocity) per trainable variable.
    assert layout["optimizer/vars/0"] == () and layout["optimizer/vars/1"] == ()
    assert layout["optimizer/vars/2"] == layout["optimizer/vars/3"] == (3, 3, 1, 32)
    assert len([k for k in layout if k.startswith("optimizer/vars/")]) == 2 + 2 * 14


def test_weightless_layers_still_get_a_group(build: Build, tmp_path: Path) -> None:
    path = tmp_path / "model.keras"
    build("seed_000").save(path)
    layout = h5_layout(h5_of(path))
    assert layout["layers/up_sampling2d_2/vars"] == {"name": "up_sampling2d_2"}
    assert layout["layers/max_pooling2d_1/vars"] == {"name": "max_pooling2d_1"}
    assert "optimizer" not in layout


def test_functional_keys_follow_keras_layer_order(build: Build, tmp_path: Path) -> None:
    model = build("branches")
    path = tmp_path / "branches.keras"
    model.save(path)
    layout = h5_layout(h5_of(path))
    assert layout["layers/input_layer/vars"] == {"name": "image"}
    # The deeper branch's 1x1 convolution comes first in Keras's order.
    assert layout["layers/conv2d/vars"] == {"name": "conv2d_1"}
    assert layout["layers/conv2d_1/vars"] == {"name": "conv2d"}


def test_nested_models_recurse(build: Build, tmp_path: Path) -> None:
    path = tmp_path / "nested.keras"
    build("shared_nested").save(path)
    layout = h5_layout(h5_of(path))
    assert layout["layers/sequential/vars"] == {"name": "inner_sequential"}
    assert layout["layers/sequential/layers/dense/vars/0"] == (6, 5)
    assert layout["layers/functional/layers/dense/vars/0"] == (4, 3)
    assert layout["layers/functional/layers/input_layer/vars"] == {"name": "input_layer_1"}


def test_sublayers_held_in_attributes_are_saved(tmp_path: Path) -> None:
    import upsample.layers as L
    from upsample.models import Sequential

    class Wrapper(L.Layer):
        """A custom layer that owns a Dense layer, as Keras layers may."""

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.inner = L.Dense(2)

        def build(self, input_shape: Any) -> None:
            self.inner.build(input_shape)

        def _sublayers(self) -> list[Any]:
            return [self.inner]

        def call(self, inputs: Any, training: bool = False) -> Any:
            return self.inner(inputs)

        def compute_output_shape(self, input_shape: Any) -> Any:
            return (*input_shape[:-1], 2)

    model = Sequential([L.Input((3,)), Wrapper()])
    path = tmp_path / "wrapped.weights.h5"
    model.save_weights(path)
    with h5py.File(path, "r") as h5:
        layout = h5_layout(h5)
    assert layout["layers/wrapper/vars"] == {"name": "wrapper"}
    assert layout["layers/wrapper/inner/vars/0"] == (3, 2)
    other = Sequential([L.Input((3,)), Wrapper()])
    other.load_weights(path)
    for a, b in zip(other.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("name", ["seed_000", "seed_004", "branches", "shared_nested"])
def test_round_trip_keeps_config_weights_and_predictions(
    build: Build, tmp_path: Path, name: str
) -> None:
    model = trained(compiled(build(name)))
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = load_model(path)
    assert serialize.model_to_config(loaded) == serialize.model_to_config(model)
    for a, b in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert_same_predictions(model, loaded, inputs_for(model, seed=5))


@pytest.mark.parametrize("name", ["seed_000", "branches"])
def test_training_continues_identically_after_loading(
    build: Build, tmp_path: Path, name: str
) -> None:
    model = trained(compiled(build(name)), steps=2)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = load_model(path)
    assert int(loaded.optimizer.iterations.value) == 2
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    trained(model)
    trained(loaded)
    for a, b in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_load_without_compiling(build: Build, tmp_path: Path) -> None:
    path = tmp_path / "model.keras"
    trained(compiled(build("seed_004"))).save(path)
    loaded = load_model(path, compile=False)
    assert not loaded.compiled and loaded.optimizer is None


def test_weights_files_round_trip(build: Build, tmp_path: Path) -> None:
    model = trained(compiled(build("branches")))
    path = tmp_path / "branches.weights.h5"
    model.save_weights(path)
    with h5py.File(path, "r") as h5:
        assert h5_layout(h5)["layers/conv2d/vars"] == {"name": "conv2d_1"}
    other = compiled(build("branches"))
    trained(other)  # Builds the optimizer, so that its state can be loaded too.
    other.load_weights(path)
    for a, b in zip(other.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(other.optimizer.variables, model.optimizer.variables, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_load_weights_from_a_keras_file(build: Build, tmp_path: Path) -> None:
    model = build("seed_004")
    path = tmp_path / "model.keras"
    model.save(path)
    other = build("seed_004")
    other.load_weights(path)
    for a, b in zip(other.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_file_objects(build: Build) -> None:
    model = build("seed_004")
    buffer = io.BytesIO()
    keras_file.save_model(model, buffer)
    buffer.seek(0)
    loaded = load_model(buffer)
    assert_same_predictions(model, loaded, inputs_for(model, seed=2))


def test_package_exports() -> None:
    import upsample.models
    import upsample.saving

    assert upsample.models.load_model is upsample.saving.load_model is keras_file.load_model


# --------------------------------------------------------------------------- file names


@pytest.mark.parametrize(
    ("call", "filename", "message"),
    [
        ("save", "model.txt", "Invalid filepath extension for saving"),
        ("save", "model.h5", "legacy HDF5 model format is not supported"),
        ("save_weights", "model.h5", r"must end in `\.weights\.h5`"),
        ("save_weights", "model.keras", r"must end in `\.weights\.h5`"),
        ("load_weights", "model.txt", "File format not supported"),
    ],
)
def test_file_name_checks(
    build: Build, tmp_path: Path, call: str, filename: str, message: str
) -> None:
    model = build("seed_004")
    with pytest.raises(ValueError, match=message):
        getattr(model, call)(tmp_path / filename)
    assert not (tmp_path / filename).exists()


def test_load_model_file_name_checks(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="File format not supported"):
        load_model(tmp_path / "model.h5")
    with pytest.raises(ValueError, match="File not found"):
        load_model(tmp_path / "missing.keras")


def test_unbuilt_models(build: Build, tmp_path: Path) -> None:
    model = build("sequential_unbuilt")
    with pytest.raises(ValueError, match="has not yet been built"):
        model.save_weights(tmp_path / "m.weights.h5")
    with pytest.raises(ValueError, match="has not yet been built"):
        model.load_weights(tmp_path / "m.weights.h5")
    with pytest.warns(UserWarning, match="has not yet been built"):
        model.save(tmp_path / "m.keras")
    assert load_model(tmp_path / "m.keras").layers[0].name == "dense"


# --------------------------------------------------------------------------- atomic writes


def read(path: Path) -> bytes:
    return path.read_bytes()


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_failed_save_keeps_the_previous_file(build: Build, tmp_path: Path) -> None:
    import upsample.layers as L
    from upsample.models import Sequential

    class Unsaveable(L.Layer):
        def __init__(self, factor: float, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, inputs: Any, training: bool = False) -> Any:
            return inputs * self.factor

        def get_config(self) -> dict[str, Any]:
            return {**super().get_config(), "factor": object()}

    path = tmp_path / "model.keras"
    build("seed_004").save(path)
    before = read(path)
    model = Sequential([L.Input((3,)), L.Dense(2), Unsaveable(2.0)])
    with pytest.raises(TypeError, match="no JSON form"):
        model.save(path)
    assert read(path) == before
    assert leftovers(tmp_path) == []


def test_crash_while_writing_keeps_the_previous_file(
    build: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.keras"
    build("seed_004").save(path)
    before = read(path)

    def crash(descriptor: int) -> None:
        raise OSError("disk full")

    # The new content is already (partly) on disk when the write fails.
    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        build("seed_000").save(path)
    assert read(path) == before
    assert leftovers(tmp_path) == []
    monkeypatch.undo()
    assert load_model(path).layers[0].name == "conv2d"


def test_crash_while_writing_weights_keeps_the_previous_file(
    build: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.weights.h5"
    build("seed_004").save_weights(path)
    before = read(path)

    def crash(*args: Any) -> None:
        raise OSError("gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="gone"):
        build("seed_004").save_weights(path)
    assert read(path) == before
    assert leftovers(tmp_path) == []


def test_overwrite_false_asks_first(
    build: Build,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "model.keras"
    build("seed_004").save(path)
    before = read(path)
    answers = iter(["maybe", "n"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    build("seed_000").save(path, overwrite=False)
    assert read(path) == before
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    build("seed_000").save(path, overwrite=False)
    assert read(path) != before
    assert "overwrite=True" in capsys.readouterr().out


def test_save_errors_name_the_file_asked_for(build: Build, tmp_path: Path) -> None:
    path = tmp_path / "missing-folder" / "model.keras"
    with pytest.raises(FileNotFoundError) as caught:
        build("seed_004").save(path)
    assert caught.value.filename == str(path)
    with pytest.raises(FileNotFoundError) as caught:
        build("seed_004").save_weights(path.with_name("model.weights.h5"))
    assert caught.value.filename == str(path.with_name("model.weights.h5"))
    assert ".tmp" not in str(caught.value)


def test_permissions_are_kept(build: Build, tmp_path: Path) -> None:
    path = tmp_path / "model.keras"
    build("seed_004").save(path)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    path.chmod(0o640)
    build("seed_004").save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


# --------------------------------------------------------------------------- bad files


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_zip_without_config(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "foreign.keras", {"readme.txt": b"hello"})
    with pytest.raises(FileFormatError, match=r"foreign\.keras.*no config\.json.*readme\.txt"):
        load_model(path)


def test_random_binary(tmp_path: Path, rng: np.random.Generator) -> None:
    path = tmp_path / "noise.keras"
    path.write_bytes(rng.bytes(4096))
    with pytest.raises(FileFormatError, match=r"noise\.keras.*not a zip archive"):
        load_model(path)


def test_truncated_file(build: Build, tmp_path: Path) -> None:
    path = tmp_path / "model.keras"
    build("seed_004").save(path)
    path.write_bytes(read(path)[: len(read(path)) // 2])
    with pytest.raises(FileFormatError, match=r"model\.keras"):
        load_model(path)


def test_corrupt_weights_member(build: Build, tmp_path: Path) -> None:
    source = tmp_path / "model.keras"
    build("seed_004").save(source)
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["model.weights.h5"] = members["model.weights.h5"][:100]
    path = write_zip(tmp_path / "broken.keras", members)
    with pytest.raises(
        FileFormatError, match=r"model\.weights\.h5 in '.*broken\.keras'.*not a valid HDF5"
    ):
        load_model(path)
    del members["model.weights.h5"]
    path = write_zip(tmp_path / "noweights.keras", members)
    with pytest.raises(FileFormatError, match=r"noweights\.keras' has no model\.weights\.h5"):
        load_model(path)


def test_invalid_json(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "bad.keras", {"config.json": b"{not json", "model.weights.h5": b""})
    with pytest.raises(FileFormatError, match=r"config\.json in '.*bad\.keras' is not valid JSON"):
        load_model(path)


def test_a_config_nested_too_deeply_names_the_file(tmp_path: Path) -> None:
    depth = sys.getrecursionlimit() + 100
    nested_json = b"[" * depth + b"]" * depth
    path = write_zip(tmp_path / "deep.keras", {"config.json": nested_json, "model.weights.h5": b""})
    with pytest.raises(
        FileFormatError, match=r"config\.json in '.*deep\.keras' is nested too deep"
    ):
        load_model(path)


def test_a_deep_structure_inside_a_model_config_names_the_file(
    build: Build, tmp_path: Path
) -> None:
    source = tmp_path / "model.keras"
    compiled(build("seed_004")).save(source)
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])
    config["compile_config"]["loss"] = "PLACEHOLDER"
    # Deep enough for the reader's recursion, whether JSON's or the config walk's ends first.
    depth = sys.getrecursionlimit() + 100
    deep_loss = "[" * depth + '"mse"' + "]" * depth
    members["config.json"] = json.dumps(config).replace('"PLACEHOLDER"', deep_loss).encode()
    path = write_zip(tmp_path / "deep-loss.keras", members)
    with pytest.raises(FileFormatError, match=r"deep-loss\.keras' is nested too deep"):
        load_model(path)


def test_unknown_layer_class_names_the_file(build: Build, tmp_path: Path) -> None:
    source = tmp_path / "model.keras"
    build("seed_004").save(source)
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])
    config["config"]["layers"][1]["class_name"] = "Conv7D"
    members["config.json"] = json.dumps(config).encode()
    path = write_zip(tmp_path / "unknown.keras", members)
    with pytest.raises(ValueError, match=r"unknown\.keras.*Unknown layer class 'Conv7D'"):
        load_model(path)


def test_malformed_config_names_the_file(build: Build, tmp_path: Path) -> None:
    source = tmp_path / "model.keras"
    build("branches").save(source)
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])
    config["config"]["layers"][3] = "not a layer"
    members["config.json"] = json.dumps(config).encode()
    path = write_zip(tmp_path / "malformed.keras", members)
    with pytest.raises(ValueError, match=r"malformed\.keras.*Expected a serialized layer"):
        load_model(path)


def test_untrained_optimizer_state_is_skipped_as_in_keras(build: Build, tmp_path: Path) -> None:
    path = tmp_path / "model.keras"
    compiled(build("seed_004")).save(path)  # The optimizer was never built: 2 variables.
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer 'adam'"):
        loaded = load_model(path)
    assert int(loaded.optimizer.iterations.value) == 0


def test_h5_with_other_groups(build: Build, tmp_path: Path) -> None:
    path = tmp_path / "foreign.weights.h5"
    with h5py.File(path, "w") as h5:
        h5.create_group("model_weights").create_dataset("kernel", data=np.zeros(3))
    with pytest.raises(
        FileFormatError, match=r"foreign\.weights\.h5.*no 'layers' group.*model_weights"
    ):
        build("seed_004").load_weights(path)


def test_h5_from_another_architecture(build: Build, tmp_path: Path) -> None:
    path = tmp_path / "seed000.weights.h5"
    build("seed_000").save_weights(path)
    model = build("seed_004")
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"conv2d_transpose.*expects 2 variable\(s\).*no group"):
        model.load_weights(path)
    # Nothing was assigned: loading checks everything first.
    for a, b in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)


def test_shape_mismatch_names_layer_and_shapes(build: Build, tmp_path: Path) -> None:
    import upsample.layers as L
    from upsample.models import Sequential

    path = tmp_path / "small.weights.h5"
    Sequential([L.Input((4,)), L.Dense(3, name="first"), L.Dense(2, name="second")]).save_weights(
        path
    )
    model = Sequential([L.Input((4,)), L.Dense(5, name="wide"), L.Dense(2, name="out")])
    pattern = r"'wide'.*'kernel'.*model has shape \(4, 5\) but the file has shape \(4, 3\)"
    with pytest.raises(ValueError, match=pattern):
        model.load_weights(path)
    with pytest.warns(UserWarning, match=pattern):
        model.load_weights(path, skip_mismatch=True)


def test_links_are_refused(build: Build, tmp_path: Path) -> None:
    path = tmp_path / "linked.weights.h5"
    model = build("sequential_built")
    model.save_weights(path)
    with h5py.File(path, "a") as h5:
        del h5["layers/dense/vars/0"]
        h5["layers/dense/vars/0"] = h5py.SoftLink("/layers/dense_1/vars/0")
    with pytest.raises(ValueError, match="Not allowed: link"):
        model.load_weights(path)
