"""``.keras`` and ``.weights.h5`` files, byte-compatible with Keras 3.15.1.

A ``.keras`` file is a zip archive (members stored uncompressed, as Keras
writes them) of:

- ``metadata.json``: ``{"keras_version": ..., "date_saved": "%Y-%m-%d@%H:%M:%S"}``;
- ``config.json``: the model's Keras dictionary (`serialize.model_to_config`);
- ``model.weights.h5``: every variable, keyed by *where* it lives, not by name.

Inside the HDF5 file (Keras's ``saving_lib._save_state``) each object gets a
group ``<path>/vars`` whose attribute ``name`` is the object's name and whose
datasets ``"0"``, ``"1"``, … are its own variables (created-trainable first).
The model itself is ``vars`` at the root; its layers are ``layers/<key>``
where ``<key>`` is the snake_case *class* name made unique within the list
(``conv2d``, ``conv2d_1``, … in Keras's layer order), so two models of the
same architecture share keys whatever their layer names; nested models recurse
(``layers/sequential/layers/dense``); the optimizer is ``optimizer/vars``
(iterations, learning rate, then its slots in Keras's variable order).

Writes are atomic: the whole file is produced in memory, then written with
`upsample.utils.atomic_file` (a temporary file renamed over the destination),
so a failed save leaves any previous file untouched and no debris.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import sys
import warnings
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from upsample.layers.layer import Layer
from upsample.models.functional import Functional
from upsample.models.graph import keras_variables, own_variables
from upsample.models.model import Model
from upsample.models.sequential import Sequential
from upsample.runtime.memory import MemoryLimitError
from upsample.saving.classes import ConfigError
from upsample.saving.deserialize import model_from_config
from upsample.saving.serialize import model_to_config
from upsample.utils import atomic_file
from upsample.utils.naming import to_snake_case

if TYPE_CHECKING:
    import h5py  # type: ignore[import-untyped]

# The Keras release whose format these files reproduce (Keras does not read it back).
KERAS_VERSION = "3.15.1"
CONFIG_FILENAME = "config.json"
METADATA_FILENAME = "metadata.json"
WEIGHTS_FILENAME = "model.weights.h5"

# Keras refuses archive members and datasets that declare far more bytes than
# they store (decompression / shape bombs); so do we, with Keras's thresholds.
_BOMB_FLOOR_BYTES = 1 << 32
_ZIP_MAX_EXPANSION = 100
_H5_MAX_EXPANSION = 1000


class FileFormatError(ValueError):
    """A file that is not (or no longer) a valid Keras model or weights file."""


# --------------------------------------------------------------------------- public API


def save_model(model: Model, filepath: Any, overwrite: bool = True) -> None:
    """Write `model` (config, weights, optimizer state) to a ``.keras`` file, atomically."""
    if not model.built:
        warnings.warn(
            "You are saving a model that has not yet been built. It might not contain any "
            "weights yet. Consider building the model first by calling it on some data.",
            stacklevel=3,
        )
    if isinstance(filepath, io.IOBase):
        filepath.write(_model_bytes(model))
        return
    path = str(os.fspath(filepath))
    if path.endswith((".h5", ".hdf5")):
        raise ValueError(
            "upsample writes only the native Keras format (the legacy HDF5 model format is "
            f"not supported). Use a `.keras` extension. Received: filepath={path}"
        )
    if not path.endswith(".keras"):
        raise ValueError(
            "Invalid filepath extension for saving. Please add either a `.keras` extension "
            "for the native Keras format (recommended) or a `.h5` extension. Received: "
            f"filepath={path}."
        )
    if not _may_write(path, overwrite):
        return
    # Everything is serialized before the destination is touched.
    atomic_file.write_bytes(path, _model_bytes(model))


def load_model(
    filepath: Any,
    custom_objects: Mapping[str, Any] | None = None,
    compile: bool = True,
    safe_mode: bool = True,
) -> Model:
    """Read a model from a ``.keras`` file written by upsample or by Keras 3.

    `safe_mode` is accepted for Keras's signature: upsample never deserializes
    code (lambdas), so loading is always safe.
    """
    if isinstance(filepath, io.IOBase):
        return _load_model_from(filepath, "<file object>", custom_objects, compile)
    path = str(os.fspath(filepath))
    if not path.endswith(".keras"):
        raise ValueError(
            f"File format not supported: filepath={path}. upsample (like Keras 3) loads "
            "`.keras` files; legacy `.h5` models and TensorFlow SavedModel directories are "
            "not supported."
        )
    if not os.path.exists(path):
        raise ValueError(
            f"File not found: filepath={path}. Please ensure the file is an accessible "
            "`.keras` zip file."
        )
    with open(path, "rb") as handle:
        return _load_model_from(handle, path, custom_objects, compile)


def save_weights(model: Model, filepath: Any, overwrite: bool = True) -> None:
    """Write the model's variables (and optimizer state) to a ``.weights.h5`` file, atomically."""
    path = str(os.fspath(filepath))
    if not path.endswith(".weights.h5"):
        raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={path}")
    if not model.built:
        raise ValueError(
            "You are saving a model that has not yet been built. Try building the model "
            "first by calling it on some data or by using `build()`."
        )
    if not _may_write(path, overwrite):
        return
    atomic_file.write_bytes(path, _weights_bytes(model))


def load_weights(model: Model, filepath: Any, skip_mismatch: bool = False) -> None:
    """Load variables from a ``.weights.h5`` or ``.keras`` file into `model`.

    Nothing is assigned unless every layer's variables are found with the right
    shapes; with `skip_mismatch`, layers that do not match are skipped (with a
    warning) and the others are loaded.
    """
    path = str(os.fspath(filepath))
    if not path.endswith((".weights.h5", ".keras")):
        raise ValueError(
            f"File format not supported: filepath={path}. upsample loads weights from "
            "`.weights.h5` and `.keras` files (legacy `.h5` files are not supported)."
        )
    if not model.built:
        raise ValueError(
            "You are loading weights into a model that has not yet been built. Try building "
            "the model first by calling it on some data or by using `build()`."
        )
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such weights file: {path}")
    if path.endswith(".keras"):
        with open(path, "rb") as handle, _open_archive(handle, path) as archive:
            data = _read_member(archive, WEIGHTS_FILENAME, path)
        _load_state(model, data, f"{WEIGHTS_FILENAME} in '{path}'", skip_mismatch=skip_mismatch)
    else:
        with open(path, "rb") as handle:
            data = handle.read()
        _load_state(model, data, path, skip_mismatch=skip_mismatch)


# --------------------------------------------------------------------------- writing


def _model_bytes(model: Model) -> bytes:
    config_json = json.dumps(_jsonable(model_to_config(model), "config.json"))
    metadata_json = json.dumps(
        {
            "keras_version": KERAS_VERSION,
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
        }
    )
    weights = _weights_bytes(model)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(METADATA_FILENAME, metadata_json)
        archive.writestr(CONFIG_FILENAME, config_json)
        archive.writestr(WEIGHTS_FILENAME, weights)
    return buffer.getvalue()


def _weights_bytes(model: Model) -> bytes:
    import h5py

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        for path, name, arrays in _collect_state(model):
            group = h5.create_group(f"{path}/vars" if path else "vars")
            group.attrs["name"] = name
            for i, array in enumerate(arrays):
                group[str(i)] = array
    return buffer.getvalue()


def _may_write(path: str, overwrite: bool) -> bool:
    """Keras asks before overwriting when ``overwrite=False``."""
    if overwrite or not os.path.exists(path):
        return True
    answer = input(f"[WARNING] {path} already exists - overwrite? [y/n]").strip().lower()
    while answer not in ("y", "n"):
        answer = input('Enter "y" (overwrite) or "n" (cancel).').strip().lower()
    if answer == "n":
        return False
    print("[TIP] Next time specify overwrite=True!")
    return True


def _jsonable(value: Any, where: str) -> Any:
    """Configs as JSON: tuples become lists, NumPy values plain numbers (as Keras writes them)."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item, where) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item, where) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return value.item()
        return {
            "class_name": "__numpy__",
            "config": {"value": value.tolist(), "dtype": value.dtype.name},
        }
    raise TypeError(
        f"Cannot write {where}: a config contains {value!r} (of type {type(value).__name__}), "
        "which has no JSON form. get_config() must return plain values or serialized objects."
    )


# --------------------------------------------------------------------------- the state walk


def _collect_state(model: Model) -> Iterator[tuple[str, str, list[np.ndarray]]]:
    """``(h5 path, name, arrays)`` for every object whose state Keras saves."""
    for entry in _walk(model):
        yield entry.path, entry.name, [np.asarray(v.numpy()) for v in entry.variables]


@dataclass
class _Entry:
    """One object in the weights file: a layer, a model or an optimizer."""

    path: str
    name: str
    variables: list[Any]
    owner: Any
    # For an optimizer: where each saved variable comes from (see `_optimizer_order`).
    order: list[int] | None = field(default=None)


def _walk(model: Layer) -> list[_Entry]:
    """Keras's ``_save_state`` walk: the object, its layers, its optimizer, recursively."""
    entries: list[_Entry] = []
    visited: set[int] = set()

    def visit(obj: Layer, path: str) -> None:
        if id(obj) in visited:
            return
        entries.append(_Entry(path, obj.name, own_variables(obj), obj))
        visited.add(id(obj))
        if isinstance(obj, Functional | Sequential):
            visit_container(obj.layers, _join(path, "layers"))
        else:
            # Other layers (and subclassed models) hold sublayers in attributes.
            for attribute, value in _sublayer_attributes(obj):
                if isinstance(value, Layer):
                    visit(value, _join(path, attribute))
                else:
                    visit_container(value, _join(path, attribute))
        optimizer = obj.optimizer if isinstance(obj, Model) else None
        if optimizer is not None and id(optimizer) not in visited:
            visited.add(id(optimizer))
            order = _optimizer_order(optimizer, obj)
            variables = [optimizer.variables[i] for i in order]
            entries.append(
                _Entry(_join(path, "optimizer"), optimizer.name, variables, optimizer, order)
            )

    def visit_container(items: Any, path: str) -> None:
        used: dict[str, int] = {}
        for item in items.values() if isinstance(items, Mapping) else items:
            if isinstance(item, Layer):
                visit(item, _join(path, _unique_key(to_snake_case(type(item).__name__), used)))

    visit(model, "")
    return entries


def _sublayer_attributes(layer: Layer) -> list[tuple[str, Any]]:
    """Attributes holding sublayers (or lists of them), in Keras's walk order."""
    found = []
    for attribute, value in vars(layer).items():
        if attribute.startswith("__") or attribute in ("_inbound_nodes", "optimizer"):
            continue
        if isinstance(value, Layer) or (
            isinstance(value, list | tuple | dict)
            and any(
                isinstance(v, Layer) for v in (value.values() if isinstance(value, dict) else value)
            )
        ):
            found.append((attribute, value))
    # Keras sorts attribute names, private ones last.
    return sorted(found, key=lambda item: "~" + item[0] if item[0].startswith("_") else item[0])


def _unique_key(name: str, used: dict[str, int]) -> str:
    """Keras's ``_get_unique_name``: ``conv2d``, ``conv2d_1``, ``conv2d_2``…"""
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def _join(path: str, name: str) -> str:
    return f"{path}/{name}" if path else name


# --------------------------------------------------------------------------- optimizer order


def _optimizer_order(optimizer: Any, model: Layer) -> list[int]:
    """Positions in ``optimizer.variables``, in the order Keras would hold them.

    Keras builds its optimizer on the model's trainable variables in Keras's
    layer order; ours was built on ``model.trainable_weights``.  When the two
    orders differ (a functional model whose branches have unequal depths), the
    per-variable slots are permuted: slots are made by loops over the built
    variables (Adam: m0, v0, m1, v1, …; then e.g. AMSGrad's v̂0, v̂1, …), so each
    loop is reordered by the rank of its variables in Keras's order.
    """
    variables = optimizer.variables
    built = list(getattr(optimizer, "_trainable_variables", []))
    rank = {id(v): i for i, v in enumerate(keras_variables(model))}
    identity = list(range(len(variables)))
    if [rank.get(id(v), -1) for v in built] == sorted(rank.get(id(v), -1) for v in built):
        return identity
    owners = [_slot_owner(v, built) for v in variables]
    order: list[int] = []
    position = 0
    while position < len(variables):
        if owners[position] is None:
            order.append(position)
            position += 1
            continue
        end = position
        while end < len(variables) and owners[end] is not None:
            end += 1
        order.extend(_reorder_slots(list(range(position, end)), owners, built, rank))
        position = end
    return order


def _slot_owner(variable: Any, built: list[Any]) -> int | None:
    """Which built variable a slot belongs to: slots are named ``<its path>_<slot name>``."""
    name = str(getattr(variable, "name", ""))
    best: tuple[int, int] | None = None
    for i, owner in enumerate(built):
        prefix = str(owner.path).replace("/", "_") + "_"
        if name.startswith(prefix) and (best is None or len(prefix) > best[1]):
            best = (i, len(prefix))
    return None if best is None else best[0]


def _reorder_slots(
    positions: list[int], owners: list[int | None], built: list[Any], rank: dict[int, int]
) -> list[int]:
    """Reorder each per-variable loop of slots by Keras's rank of the variables."""
    loops: list[list[list[int]]] = []
    previous: int | None = None
    for position in positions:
        owner = owners[position]
        assert owner is not None
        if previous is None or owner < previous:
            loops.append([[position]])  # The owner index went back: a new loop.
        elif owner == previous:
            loops[-1][-1].append(position)
        else:
            loops[-1].append([position])
        previous = owner

    def keras_rank(group: list[int]) -> int:
        owner = owners[group[0]]
        assert owner is not None
        return rank.get(id(built[owner]), 0)

    result: list[int] = []
    for loop in loops:
        for group in sorted(loop, key=keras_rank):
            result.extend(group)
    if sorted(result) != positions:
        raise FileFormatError("Internal error: the optimizer's slots could not be reordered.")
    return result


# --------------------------------------------------------------------------- reading


def _load_model_from(
    handle: Any, where: str, custom_objects: Mapping[str, Any] | None, compile: bool
) -> Model:
    with _open_archive(handle, where) as archive:
        names = archive.namelist()
        if CONFIG_FILENAME not in names:
            raise FileFormatError(
                f"'{where}' is not a Keras model file: the archive has no {CONFIG_FILENAME} "
                f"(it contains {names})."
            )
        config = _read_config(archive, where)
        if WEIGHTS_FILENAME not in names:
            extra = " (npz weights are not supported)" if "model.weights.npz" in names else ""
            raise FileFormatError(
                f"'{where}' has no {WEIGHTS_FILENAME}{extra}: the archive contains {names}."
            )
        weights = _read_member(archive, WEIGHTS_FILENAME, where)
    try:
        model = model_from_config(config, custom_objects, compile=compile)
    except RecursionError:
        raise FileFormatError(_too_deep(where)) from None
    except NotImplementedError as error:
        raise NotImplementedError(f"Cannot load the model in '{where}': {error}") from error
    except MemoryLimitError as error:  # e.g. a `filters` no machine has the memory for
        raise MemoryLimitError(f"Cannot load the model in '{where}': {error}") from None
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        # Whatever went wrong deep in a layer's config, say which file it came from.
        detail = error if isinstance(error, ConfigError) else repr(error)
        raise ConfigError(f"Cannot load the model in '{where}': {detail}") from error
    _load_state(model, weights, f"{WEIGHTS_FILENAME} in '{where}'", skip_mismatch=False)
    return model


def _open_archive(handle: Any, where: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(handle, "r")
    except zipfile.BadZipFile as error:
        raise FileFormatError(
            f"'{where}' is not a valid .keras file: it is not a zip archive (the file is "
            f"corrupt, truncated, or in another format). {error}"
        ) from error


def _read_member(archive: zipfile.ZipFile, member: str, where: str) -> bytes:
    if member not in archive.namelist():
        raise FileFormatError(
            f"'{where}' has no {member}: the archive contains {archive.namelist()}."
        )
    info = archive.getinfo(member)
    if (
        info.file_size > _BOMB_FLOOR_BYTES
        and info.file_size > _ZIP_MAX_EXPANSION * info.compress_size
    ):
        raise FileFormatError(
            f"'{where}': {member} declares {info.file_size} bytes but stores only "
            f"{info.compress_size}; refusing to load a potential decompression bomb."
        )
    try:
        return archive.read(member)
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise FileFormatError(
            f"'{where}' is corrupt or truncated: cannot read {member} ({error})."
        ) from error


def _read_config(archive: zipfile.ZipFile, where: str) -> Any:
    text = _read_member(archive, CONFIG_FILENAME, where)
    try:
        return json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FileFormatError(
            f"{CONFIG_FILENAME} in '{where}' is not valid JSON: {error}"
        ) from error
    except RecursionError:
        raise FileFormatError(_too_deep(where)) from None


def _too_deep(where: str) -> str:
    return (
        f"{CONFIG_FILENAME} in '{where}' is nested too deeply to be read (it exhausts Python's "
        f"recursion limit, {sys.getrecursionlimit()}); no real model is. The file is damaged "
        "or was made to exhaust the reader."
    )


@dataclass
class _Plan:
    """What loading will assign, checked in full before anything is assigned."""

    assignments: list[tuple[Any, np.ndarray]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    optimizer_calls: list[Callable[[], None]] = field(default_factory=list)


def _load_state(model: Model, data: bytes, where: str, *, skip_mismatch: bool) -> None:
    import h5py

    try:
        h5 = h5py.File(io.BytesIO(data), "r")
    except OSError as error:
        raise FileFormatError(f"{where} is not a valid HDF5 file ({error}).") from error
    with h5:
        entries = _walk(model)
        _check_layout(h5, entries, where)
        plan = _Plan()
        for entry in entries:
            _plan_entry(h5, entry, plan)
    if plan.errors:
        message = (
            f"Could not load weights from {where}: {len(plan.errors)} object(s) do not "
            "match the model:\n  - " + "\n  - ".join(plan.errors)
        )
        if not skip_mismatch:
            raise ValueError(message)
        warnings.warn(message + "\nThese were skipped (skip_mismatch=True).", stacklevel=3)
    for variable, array in plan.assignments:
        variable.assign(array)
    for call in plan.optimizer_calls:
        call()


def _check_layout(h5: h5py.File, entries: list[_Entry], where: str) -> None:
    """A file without Keras's groups is foreign: say so instead of listing every layer."""
    expects_layers = any(entry.variables for entry in entries if entry.path.startswith("layers"))
    if expects_layers and "layers" not in h5:
        legacy = "model_weights" in h5 or "layer_names" in h5.attrs
        hint = (
            " It looks like a legacy Keras 2 HDF5 file, which is not supported." if legacy else ""
        )
        raise FileFormatError(
            f"{where} is not a Keras 3 weights file: it has no 'layers' group (top-level "
            f"keys: {sorted(h5.keys())}).{hint}"
        )


def _plan_entry(h5: h5py.File, entry: _Entry, plan: _Plan) -> None:
    store = _vars_group(h5, entry.path)
    keys = sorted(store.keys(), key=_numeric_key) if store is not None else []
    label = f"'{entry.name}' ({type(entry.owner).__name__}, at '{entry.path or '/'}')"
    if entry.order is not None:
        _plan_optimizer(store, keys, entry, plan)
        return
    expected = [getattr(v, "name", str(i)) for i, v in enumerate(entry.variables)]
    if len(keys) != len(entry.variables):
        found = "no group" if store is None else f"{len(keys)} variable(s)"
        plan.errors.append(
            f"layer {label} expects {len(entry.variables)} variable(s) {expected}, but the "
            f"file has {found}."
        )
        return
    arrays = []
    for i, variable in enumerate(entry.variables):
        try:
            array = _dataset(store, str(i))
        except (KeyError, FileFormatError) as error:
            plan.errors.append(f"layer {label}: {error}")
            return
        if tuple(array.shape) != tuple(variable.shape):
            plan.errors.append(
                f"layer {label}, variable '{expected[i]}': the model has shape "
                f"{tuple(variable.shape)} but the file has shape {tuple(array.shape)}."
            )
            return
        arrays.append((variable, array))
    plan.assignments.extend(arrays)


def _plan_optimizer(store: Any, keys: list[str], entry: _Entry, plan: _Plan) -> None:
    """Optimizer state goes through the optimizer (Keras warns and skips on a count mismatch)."""
    assert entry.order is not None
    optimizer = entry.owner
    if len(keys) != len(entry.variables):
        saved = {key: None for key in keys}
        plan.optimizer_calls.append(lambda: optimizer.load_own_variables(saved))
        return
    arrays = [_dataset(store, str(i)) for i in range(len(keys))]
    for array, variable in zip(arrays, entry.variables, strict=True):
        if tuple(array.shape) != tuple(variable.shape):
            plan.errors.append(
                f"optimizer '{entry.name}', variable '{variable.name}': the model has shape "
                f"{tuple(variable.shape)} but the file has shape {tuple(array.shape)}."
            )
            return
    # Saved in Keras's order; the optimizer wants its own order.
    ours: list[Any] = [None] * len(arrays)
    for saved_index, position in enumerate(entry.order):
        ours[position] = arrays[saved_index]
    by_key = {str(i): array for i, array in enumerate(ours)}
    plan.optimizer_calls.append(lambda: optimizer.load_own_variables(by_key))


def _numeric_key(key: str) -> tuple[int, str]:
    return (int(key), key) if key.isdigit() else (1 << 30, key)


def _vars_group(h5: h5py.File, path: str) -> Any:
    """The ``<path>/vars`` group, or None (Keras reads a missing group as empty)."""
    import h5py

    full = f"{path}/vars" if path else "vars"
    current: Any = h5
    for part in full.split("/"):
        link = current.get(part, getlink=True)
        if link is None:
            return None
        if isinstance(link, h5py.SoftLink | h5py.ExternalLink):
            raise FileFormatError(f"Not allowed: link '{full}' in a weights file.")
        current = current[part]
        if not isinstance(current, h5py.Group):
            raise FileFormatError(f"Invalid weights file: '{full}' should be a group.")
    return current


def _dataset(group: Any, key: str) -> np.ndarray:
    import h5py

    link = group.get(key, getlink=True)
    if link is None:
        raise KeyError(f"variable '{key}' is missing from '{group.name}'")
    if isinstance(link, h5py.SoftLink | h5py.ExternalLink):
        raise FileFormatError(f"Not allowed: link '{group.name}/{key}' in a weights file.")
    dataset = group[key]
    if not isinstance(dataset, h5py.Dataset):
        raise FileFormatError(f"'{group.name}/{key}' should be a dataset.")
    if dataset.external or dataset.is_virtual:
        raise FileFormatError(f"Not allowed: external or virtual dataset '{group.name}/{key}'.")
    declared = int(np.prod(dataset.shape, dtype=np.int64)) * dataset.dtype.itemsize
    stored = dataset.id.get_storage_size()
    if declared > _BOMB_FLOOR_BYTES and declared > _H5_MAX_EXPANSION * stored:
        raise FileFormatError(
            f"'{group.name}/{key}' declares {declared} bytes but stores {stored}; refusing to "
            "load a potential shape bomb."
        )
    return np.asarray(dataset[()])
