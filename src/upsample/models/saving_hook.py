"""The one way from `models` up to `upsample.saving`, which is built on models.

Data flows one way: `saving` imports models and layers to write and read them,
so nothing in `models` imports `saving` when it is loaded.  Keras's API puts a
few saving calls on the models all the same: ``model.save``, `save_weights`,
`load_weights`, a graph model's `get_config` and `from_config`, and
``upsample.models.load_model``/``save_model``.  They reach `saving` through
`saving()`, which imports it when first called; by then `upsample.models` has
finished loading, so `saving` finds everything it imports from it.
"""

from __future__ import annotations

from types import ModuleType


def saving() -> ModuleType:
    """The `upsample.saving` package, imported on first use (see the module docstring)."""
    import upsample.saving  # the hook: saving imports models, so not at load time

    return upsample.saving
