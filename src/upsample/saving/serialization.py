"""Keras 3's serialized form of objects, so that config files go both ways.

An object serializes to ``{"module": "keras.layers", "class_name": "Conv2D",
"config": {...}, "registered_name": None}``; the module names are Keras's, so
that real Keras can rebuild what `upsample` saved, and vice versa.  Classes that
Keras lacks name their own module and a registered name, ``upsample>ICNR``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

# The package under which classes that Keras lacks are registered.
PACKAGE = "upsample"


class Serializable(Protocol):
    keras_module: str

    def get_config(self) -> dict[str, Any]: ...


def serialize(obj: Serializable | None) -> dict[str, Any] | None:
    """The Keras dictionary for `obj` (None stays None)."""
    if obj is None:
        return None
    return {
        "module": obj.keras_module,
        "class_name": type(obj).__name__,
        "config": obj.get_config(),
        "registered_name": registered_name(obj.keras_module, type(obj).__name__),
    }


def registered_name(module: str, class_name: str) -> str | None:
    """None for Keras's own classes; ``upsample>ClassName`` for the classes Keras lacks.

    That is the name ``keras.saving.register_keras_serializable(package="upsample")``
    gives a class, under which Keras looks up a custom object when it loads a file.
    """
    if module == "keras" or module.startswith("keras."):
        return None
    return f"{PACKAGE}>{class_name}"


def deserialize(
    identifier: Any,
    registry: Mapping[str, Any],
    *,
    kind: str,
    aliases: Mapping[str, str] | None = None,
) -> Any:
    """Build an object from a Keras dictionary, a name, or return an instance unchanged.

    `registry` maps class names (and snake_case aliases) to classes or factories;
    unknown names raise a ValueError that names the argument and lists what exists.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        key = (aliases or {}).get(identifier, identifier)
        if key not in registry:
            known = ", ".join(sorted(set(registry) | set(aliases or {})))
            raise ValueError(f"Unknown {kind}: {identifier!r}. Known values: {known}.")
        factory = registry[key]
        return factory() if isinstance(factory, type) else factory
    if isinstance(identifier, Mapping):
        if "class_name" not in identifier:
            raise ValueError(
                f"A serialized {kind} needs a 'class_name'. Received: {dict(identifier)!r}"
            )
        class_name = identifier["class_name"]
        if class_name not in registry:
            known = ", ".join(sorted(name for name in registry if name[:1].isupper()))
            raise ValueError(f"Unknown {kind} class: {class_name!r}. Known classes: {known}.")
        cls = registry[class_name]
        config = dict(identifier.get("config") or {})
        return cls.from_config(config) if hasattr(cls, "from_config") else cls(**config)
    return identifier
