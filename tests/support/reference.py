"""Real Keras 3 (JAX backend, CPU) as the reference, run in a worker process.

The worker isolates the test process from JAX (threads, memory) and from XLA
aborts: some transposed-convolution shapes make XLA's algebraic simplifier fail
a CHECK and kill the process (seen with jax 0.10.2, e.g. kernel (2, 3), strides
(2, 3), padding "same", output_padding (0, 0) on a 3x1 input).  A crash becomes
a `ReferenceCrashed` exception and the worker is restarted.

A request names a callable: ``"keras.ops.conv"`` (a path from the `keras`
package) or ``"support.keras_side:fit_one_epoch"`` (module:function).  With a
cotangent, the worker also returns the vector-Jacobian product with respect to
every positional floating-point array argument, computed by `jax.vjp` under one
`jax.jit`.  The worker tells XLA to compile quickly (`_configure_compiler`) and
reports its compilations, which the test run prints at its end (`USAGE`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import multiprocessing
import os
import time
from collections.abc import Iterator
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


@dataclasses.dataclass(frozen=True)
class Result:
    output: Any
    grads: tuple[np.ndarray | None, ...] | None  # by position; None for a non-float argument


@dataclasses.dataclass
class Usage:
    """What the reference workers of this test process did (printed at the end of a run)."""

    requests: int = 0
    compilations: int = 0
    compile_seconds: float = 0.0
    cpu_seconds: float = 0.0  # the workers', answering requests
    restarts: int = 0

    def add(self, other: Usage) -> None:
        for field in dataclasses.fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


USAGE = Usage()


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


def _configure_compiler() -> None:  # pragma: no cover - runs in the worker
    """Make XLA compile fast rather than compile fast code: compiling is most of a case.

    Every random case has shapes of its own, so each one compiles afresh and runs once,
    on arrays of a few hundred values.  XLA's CPU fusion emitters (the default) and its
    LLVM optimisation levels took about ten times as long to compile a case as the
    classic element-wise emitters without optimisation (measured on 35 random
    convolutions: 6.4 s against 0.7 s).  Only the machine code is plainer: the same
    float32 operations, with no fast-math either way; every parity test passes at its
    unchanged tolerance.
    """
    flags = os.environ.get("XLA_FLAGS", "")
    os.environ["XLA_FLAGS"] = f"{flags} --xla_cpu_use_fusion_emitters=false".strip()
    os.environ["JAX_DISABLE_MOST_OPTIMIZATIONS"] = "1"


def _serve(conn: Connection) -> None:  # pragma: no cover - runs in the worker
    os.environ["KERAS_BACKEND"] = "jax"
    os.environ["JAX_PLATFORMS"] = "cpu"
    _configure_compiler()
    import jax
    import keras

    meter = _Meter()
    jax.monitoring.register_event_duration_secs_listener(meter.record)
    conn.send(("ready", keras.__version__, jax.__version__, keras.backend.backend()))
    while True:
        message = conn.recv()
        if message is None:
            return
        path, args, kwargs, cotangent = message
        try:
            fn = _resolve(path)
            if cotangent is None:
                reply: tuple[Any, ...] = ("ok", _to_numpy(fn(*args, **kwargs)), None)
            else:
                reply = ("ok", *_compiled_vjp(fn, args, kwargs, cotangent))
        except Exception as error:
            reply = ("error", type(error).__name__, str(error))
        conn.send((*reply, meter.take()))


class _Meter:  # pragma: no cover - runs in the worker
    """The worker's XLA compilations (count, seconds) and CPU seconds since the last `take`."""

    def __init__(self) -> None:
        self.compilations, self.compile_seconds = 0, 0.0
        self.cpu = time.process_time()

    def record(self, event: str, duration: float, **_: Any) -> None:
        if event == "/jax/core/compile/backend_compile_duration":
            self.compilations += 1
            self.compile_seconds += duration

    def take(self) -> tuple[int, float, float]:
        cpu = time.process_time()
        taken = (self.compilations, self.compile_seconds, cpu - self.cpu)
        self.compilations, self.compile_seconds, self.cpu = 0, 0.0, cpu
        return taken


def _compiled_vjp(
    fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any], cotangent: np.ndarray
) -> tuple[np.ndarray, tuple[np.ndarray | None, ...]]:  # pragma: no cover - in the worker
    """``fn(*args, **kwargs)`` and its VJP with respect to every floating-point array argument.

    One `jax.jit` of the forward and backward passes: one XLA compilation per case, where
    running the operations one by one compiles each (13 per convolution case).  The other
    arguments (ints, strings) are constants of the compiled function; their gradient is None.
    """
    import jax

    wrt = [i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype.kind == "f"]

    def forward(*primals: Any) -> Any:
        full = list(args)
        for i, primal in zip(wrt, primals, strict=True):
            full[i] = primal
        return fn(*full, **kwargs)

    def forward_and_back(primals: list[Any], cotangent: Any) -> Any:
        output, vjp = jax.vjp(forward, *primals)
        return output, vjp(cotangent.astype(output.dtype))

    output, grads = jax.jit(forward_and_back)([args[i] for i in wrt], cotangent)
    by_position: list[np.ndarray | None] = [None] * len(args)
    for i, grad in zip(wrt, grads, strict=True):
        by_position[i] = np.asarray(grad)
    return np.asarray(output), tuple(by_position)


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
        USAGE.requests += 1
        try:
            if not self._conn.poll(_TIMEOUT_SECONDS):
                raise ReferenceCrashed(f"{path} took longer than {_TIMEOUT_SECONDS} s")
            *reply, (compilations, compile_seconds, cpu_seconds) = self._conn.recv()
        except (EOFError, ConnectionResetError, ReferenceCrashed) as error:
            self.close()
            self._start()
            USAGE.restarts += 1
            raise ReferenceCrashed(f"the reference process died computing {path}") from error
        USAGE.compilations += compilations
        USAGE.compile_seconds += compile_seconds
        USAGE.cpu_seconds += cpu_seconds
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
