"""Keras's dtype policies, as far as upsample follows them: one float type per layer.

A layer's policy names the dtype of its weights (the *variable* dtype) and of
its computations and outputs (the *compute* dtype).  upsample supports the
policies in which both are the same float type: ``"float16"``, ``"float32"``
and ``"float64"``.  Floating inputs are cast to the compute dtype as they enter
a layer (Keras's autocast), so a ``dtype="float16"`` layer in a float32 model
computes and returns float16.

Mixed-precision policies (``"mixed_float16"``, ``"mixed_bfloat16"``: float32
weights, computations in a 16-bit type) and ``"bfloat16"`` (which NumPy has
not) are refused with an error that names the policy.
"""

from __future__ import annotations

from typing import Any

from upsample import config

SUPPORTED = ("float16", "float32", "float64")


class DTypePolicy:
    """`keras.DTypePolicy` for the float types upsample computes in (see the module doc)."""

    def __init__(self, name: str | None = None) -> None:
        self._name = check_policy(dtype_policy().name if name is None else name, "name")

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        return self._name

    @property
    def variable_dtype(self) -> str:
        return self._name

    def get_config(self) -> dict[str, Any]:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> DTypePolicy:
        return cls(**config)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self._name)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self._name}">'


def check_policy(name: Any, argument: str = "dtype") -> str:
    """`name` if upsample supports that policy, else an error naming `argument` and the policy."""
    if name in SUPPORTED:
        return str(name)
    if isinstance(name, str) and (name.startswith("mixed_") or name == "bfloat16"):
        raise ValueError(
            f"Unsupported dtype policy: {argument}={name!r}. upsample keeps weights and "
            f"computes in one float type ({', '.join(SUPPORTED)}): mixed precision and "
            "bfloat16 are not supported. For 16-bit computation use dtype='float16'."
        )
    raise ValueError(
        f"Unsupported `{argument}`: {name!r}. upsample computes in one of {', '.join(SUPPORTED)}."
    )


def get(identifier: Any, argument: str = "dtype") -> DTypePolicy:
    """The policy for a layer's ``dtype=`` argument: None (the global policy), a name, a
    `DTypePolicy` (ours or anything with a `name`), or its serialized config."""
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        identifier = identifier.get("config", {}).get("name", identifier)
    elif hasattr(identifier, "name"):  # e.g. a NumPy dtype, or Keras's own policy object
        identifier = identifier.name
    return DTypePolicy(check_policy(identifier, argument))


_global_policy: DTypePolicy | None = None


def dtype_policy() -> DTypePolicy:
    """The global policy (`keras.config.dtype_policy`): `config.floatx()` unless set."""
    return _global_policy or DTypePolicy(config.floatx())


def set_dtype_policy(policy: Any) -> None:
    """Set the global policy, which layers created without ``dtype=`` take (None: floatx)."""
    global _global_policy
    _global_policy = None if policy is None else get(policy, "policy")


__all__ = ["DTypePolicy", "dtype_policy", "get", "set_dtype_policy"]
