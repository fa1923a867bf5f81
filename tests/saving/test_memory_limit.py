"""A `.keras` file whose config asks for more memory than the machine has is refused by name.

The file is valid in every other way (written by `save`, then one value of its
``config.json`` changed), so that loading it would otherwise reach NumPy's allocator.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

import upsample.layers as L
from upsample import config
from upsample.models import Sequential, load_model
from upsample.runtime import memory


def with_config_value(path: Path, layer: int, key: str, value: object) -> None:
    """Rewrite `path` with ``config.json``'s layer `layer` holding `key`: `value`."""
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    saved = json.loads(files["config.json"])
    saved["config"]["layers"][layer]["config"][key] = value
    files["config.json"] = json.dumps(saved).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)


def test_a_huge_filters_in_a_keras_file(tmp_path: Path) -> None:
    path = tmp_path / "model.keras"
    Sequential([L.Input((28, 28, 1)), L.Conv2D(8, 3, name="encoder"), L.Conv2D(1, 3)]).save(path)
    with_config_value(path, 1, "filters", 10**11)
    with pytest.raises(config.MemoryLimitError) as raised:
        load_model(path)
    physical = memory.format_bytes(memory.physical_memory() or 0)
    assert str(raised.value) == (
        f"Cannot load the model in '{path}': Layer 'encoder' (Conv2D, filters=100000000000, "
        "kernel_size=(3, 3)): its weight 'kernel' of shape (3, 3, 1, 100000000000) (float32) "
        f"would need 3.27 TiB, more than the memory limit ({physical}, this machine's "
        "physical memory)."
    )


def test_a_huge_upsampling_size_in_a_keras_file_fails_at_the_first_batch(tmp_path: Path) -> None:
    """An UpSampling2D has no weights: its size is checked when the model runs."""
    path = tmp_path / "model.keras"
    Sequential([L.Input((28, 28, 1)), L.UpSampling2D(2, name="grow")]).save(path)
    with_config_value(path, 1, "size", [100_000, 100_000])
    model = load_model(path)
    with pytest.raises(config.MemoryLimitError, match=r"Layer 'grow' \(UpSampling2D, size="):
        model.predict(np.ones((1, 28, 28, 1), np.float32), verbose=0)
