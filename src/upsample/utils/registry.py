"""Keras's `serialize`, `deserialize` and `get` for one family of objects (losses, metrics, …).

An object serializes to ``{"module": "keras.constraints", "class_name": "MaxNorm",
"config": {...}, "registered_name": None}``; the module names are Keras's, so
that real Keras can rebuild what `upsample` saved, and vice versa (classes that
Keras lacks name their own module and a registered name, ``upsample>ICNR``).  Keras gives
each family (``keras.constraints``, ``keras.initializers``, ``keras.losses``,
``keras.metrics``, ``keras.optimizers``, ``keras.regularizers``, the learning
rate schedules) the same three functions; a `Registry` holds a family's names
and provides them, and each package exports them under Keras's names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T", bound="Serializable")

# The package under which classes that Keras lacks are registered.
PACKAGE = "upsample"


class Serializable(Protocol):
    keras_module: str

    def get_config(self) -> dict[str, Any]: ...


def serialize_object(obj: Serializable | None) -> dict[str, Any] | None:
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


def deserialize_object(identifier: Any, objects: Mapping[str, Any], *, kind: str) -> Any:
    """Build an object from a Keras dictionary, a name, or return an instance unchanged.

    `objects` maps class names (and snake_case aliases) to classes or functions;
    unknown names raise a ValueError that names the argument and lists what exists.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        if identifier not in objects:
            known = ", ".join(sorted(objects))
            raise ValueError(f"Unknown {kind}: {identifier!r}. Known values: {known}.")
        factory = objects[identifier]
        return factory() if isinstance(factory, type) else factory
    if isinstance(identifier, Mapping):
        if "class_name" not in identifier:
            raise ValueError(
                f"A serialized {kind} needs a 'class_name'. Received: {dict(identifier)!r}"
            )
        class_name = identifier["class_name"]
        if class_name not in objects:
            known = ", ".join(sorted(name for name in objects if name[:1].isupper()))
            raise ValueError(f"Unknown {kind} class: {class_name!r}. Known classes: {known}.")
        cls = objects[class_name]
        config = dict(identifier.get("config") or {})
        return cls.from_config(config) if hasattr(cls, "from_config") else cls(**config)
    return identifier


class Registry(Generic[T]):
    """One family of Keras objects: its names, and `serialize`, `deserialize`, `get` for it.

    `kind` names the family in error messages ("constraint"); `base` is the class
    of its objects; `objects` maps Keras's names (class names, snake_case names,
    aliases) to classes or functions.  The options record where Keras's own
    functions differ from one family to the next:

    - `functions`: built-in functions of the family (losses), which Keras writes
      as ``{"class_name": "function", "config": name, ...}``;
    - `instantiates`: the classes that `get` turns into instances (subclasses of
      this; ``object`` for any class, None for none);
    - `accepts`: what `get` may return (by default anything callable);
    - `case_insensitive`: names are looked up lower-cased (optimizers).
    """

    def __init__(
        self,
        kind: str,
        base: type[T],
        objects: Mapping[str, Any],
        *,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        instantiates: type | None = None,
        accepts: Callable[[Any], bool] = callable,
        case_insensitive: bool = False,
    ) -> None:
        self.kind = kind
        self.base = base
        self.objects = objects
        self.functions = functions or {}
        self.instantiates = instantiates
        self.accepts = accepts
        self.case_insensitive = case_insensitive

    def serialize(self, obj: Any) -> dict[str, Any] | None:
        """The Keras dictionary of `obj` (None stays None)."""
        name = getattr(obj, "__name__", None)
        if isinstance(name, str) and self.functions.get(name) is obj:
            return {
                "module": "builtins",
                "class_name": "function",
                "config": name,
                "registered_name": "function",
            }
        if obj is not None and not isinstance(obj, self.base):
            raise ValueError(
                f"Only {self.base.__name__} objects have a Keras config. "
                f"Received: {self.kind}={obj!r}"
            )
        return serialize_object(obj)

    def deserialize(self, config: Any) -> Any:
        """An object from its Keras dictionary or its name (a function's name: the function)."""
        if self.functions and isinstance(config, dict) and config.get("class_name") == "function":
            return deserialize_object(
                config.get("config"), self.functions, kind=f"{self.kind} function"
            )
        if self.case_insensitive:
            if isinstance(config, dict) and isinstance(config.get("class_name"), str):
                config = {**config, "class_name": config["class_name"].lower()}
            elif isinstance(config, str):
                config = config.lower()
        return deserialize_object(config, self.objects, kind=self.kind)

    def get(self, identifier: Any) -> Any:
        """An object from a name, a Keras dictionary, a class or an instance (None stays None)."""
        if identifier is None:
            return None
        obj = self.deserialize(identifier) if isinstance(identifier, str | dict) else identifier
        if (
            isinstance(obj, type)
            and self.instantiates is not None
            and issubclass(obj, self.instantiates)
        ):
            obj = obj()
        if not self.accepts(obj):
            raise ValueError(f"Could not interpret {self.kind} identifier: {identifier!r}")
        return obj
