"""Real Keras 3 (JAX backend, CPU) as the reference, run in a worker process.

The worker isolates the test process from JAX (threads, memory) and from XLA
aborts: some transposed-convolution shapes make XLA's algebraic simplifier fail
a CHECK and kill the process (seen with jax 0.10.2, e.g. kernel (2, 3), strides
(2, 3), padding "same", output_padding (0, 0) on a 3x1 input).  A crash becomes
a `ReferenceCrashed` exception and the worker is restarted.

A request names a callable: ``"keras.ops.conv"`` (a path from the `keras`
package) or ``"support.keras_side:fit_one_epoch"`` (module:function).  With a
cotangent, the worker also returns the vector-Jacobian product with respect to
every positional array argument, computed by `jax.vjp`.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import multiprocessing
import os
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import numpy as np
import pytest

_TIMEOUT_SECONDS = 300


class KerasRejected(Exception):
    """Keras itself rejected the call (the message is Keras's)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


class ReferenceCrashed(Exception):
    """The reference process died while computing (an XLA abort)."""


@dataclass(frozen=True)
class Result:
    output: Any
    grads: tuple[np.ndarray, ...] | None


def _resolve(path: str) -> Any:
    if ":" in path:
        module, _, name = path.partition(":")
        target: Any = importlib.import_module(module)
        for part in name.split("."):
            target = getattr(target, part)
        return target
    parts = path.split(".")
    target = importlib.import_module(parts[0])
    for part in parts[1:]:
        target = getattr(target, part)
    return target


def _to_numpy(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return type(value)(_to_numpy(v) for v in value)
    if isinstance(value, dict):
        return {k: _to_numpy(v) for k, v in value.items()}
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return np.asarray(value)
    return value


def _serve(conn: Connection) -> None:  # pragma: no cover - runs in the worker
    os.environ["KERAS_BACKEND"] = "jax"
    os.environ["JAX_PLATFORMS"] = "cpu"
    import jax
    import jax.numpy as jnp
    import keras

    conn.send(("ready", keras.__version__, jax.__version__, keras.backend.backend()))
    while True:
        message = conn.recv()
        if message is None:
            return
        path, args, kwargs, cotangent = message
        try:
            fn = _resolve(path)
            if cotangent is None:
                conn.send(("ok", _to_numpy(fn(*args, **kwargs)), None))
                continue
            primals = [jnp.asarray(a) for a in args]
            output, vjp = jax.vjp(functools.partial(fn, **kwargs), *primals)
            grads = vjp(jnp.asarray(cotangent, dtype=output.dtype))
            conn.send(("ok", np.asarray(output), tuple(np.asarray(g) for g in grads)))
        except Exception as error:
            conn.send(("error", type(error).__name__, str(error)))


class KerasReference:
    """A persistent worker that evaluates Keras calls on request."""

    def __init__(self) -> None:
        self._context = multiprocessing.get_context("spawn")
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self.versions: dict[str, str] = {}
        self._start()

    def _start(self) -> None:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(child,), daemon=True)
        process.start()
        child.close()
        if not parent.poll(_TIMEOUT_SECONDS):
            process.kill()
            raise RuntimeError("The Keras reference process did not start.")
        try:
            status, keras_version, jax_version, backend = parent.recv()
        except EOFError:
            raise RuntimeError(
                "The Keras reference process failed to start: are keras and jax installed "
                "(`pip install -e '.[test]'`)?"
            ) from None
        assert status == "ready" and backend == "jax", (status, backend)
        self.versions = {"keras": keras_version, "jax": jax_version}
        self._process, self._conn = process, parent

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(BrokenPipeError, OSError):
                self._conn.send(None)
            self._conn.close()
        if self._process is not None:
            self._process.join(timeout=10)
            if self._process.is_alive():
                self._process.kill()
        self._conn = self._process = None

    def __call__(
        self,
        path: str,
        *args: Any,
        cotangent: np.ndarray | None = None,
        **kwargs: Any,
    ) -> Result:
        """Evaluate ``path(*args, **kwargs)``; with `cotangent`, also its VJP."""
        assert self._conn is not None and self._process is not None
        self._conn.send((path, args, kwargs, cotangent))
        try:
            if not self._conn.poll(_TIMEOUT_SECONDS):
                raise ReferenceCrashed(f"{path} took longer than {_TIMEOUT_SECONDS} s")
            reply = self._conn.recv()
        except (EOFError, ConnectionResetError, ReferenceCrashed) as error:
            self.close()
            self._start()
            raise ReferenceCrashed(f"the reference process died computing {path}") from error
        if reply[0] == "error":
            raise KerasRejected(reply[1], reply[2])
        return Result(reply[1], reply[2])


def required_reference() -> Iterator[KerasReference]:
    """A `KerasReference` for a fixture to yield; its absence fails the test, never skips it."""
    try:
        reference = KerasReference()
    except Exception as error:
        pytest.fail(f"The Keras reference is required for parity tests: {error}")
    yield reference
    reference.close()
