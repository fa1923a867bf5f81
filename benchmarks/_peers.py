"""The peers of `bench_ops.py`: PyTorch, JAX and Keras 3, each in its own subprocess.

Not a test and not an entry point of its own: `bench_ops.py` starts one process per
peer as ``python _peers.py PEER DATA_DIR THREADS`` (a peer's library is imported only
in its own process, since Keras fixes its backend at import), then drives it over a
line protocol:

* on start the worker answers ``{"ok": true, "versions": {...}}``, or ``{"ok":
  false, "error": ...}`` when its library cannot be imported (then it exits);
* ``{"cmd": "setup", "spec": {...}}`` builds the forward and backward of one
  workload from the ``.npy`` arrays in DATA_DIR, warms them up (JIT compilation,
  allocator), writes their results back as ``.npy`` files (channels_last images,
  Keras kernel layouts) for the parent to compare with ours, and answers with the
  file names and the time of one warm call of each pass;
* ``{"cmd": "time", "key": ..., "pass": "forward"|"backward", "repeats": n}``
  answers with ``n`` wall-clock times in seconds, one per call, each call synchronised
  (``block_until_ready`` for JAX; PyTorch and eager TensorFlow on the CPU return
  finished tensors);
* ``{"cmd": "quit"}``.

Messages are one JSON object per line on the original stdout; anything the
libraries print is redirected to stderr, which the parent keeps in a log file.

Only NumPy (and `_common`) is imported at module level, so `bench_ops.py` and
`bench_training.py` can import `PEERS` and `_versions`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as common

Spec = dict[str, Any]


@dataclass(frozen=True)
class PeerInfo:
    """A peer: what it is called, what it needs, how its process is configured."""

    name: str  # command-line key
    label: str  # table column header
    modules: tuple[str, ...]  # importable modules it needs
    description: str
    env: dict[str, str] = field(default_factory=dict)


PEERS: tuple[PeerInfo, ...] = (
    PeerInfo(
        "torch_cl",
        "PyTorch CL",
        ("torch",),
        "PyTorch CPU, torch.channels_last memory format (tensors and weights), "
        "torch.nn.functional ops; forward under no_grad, backward = torch.autograd.grad "
        "on a graph recorded once; the 'same' transposed convolution is conv_transpose2d "
        "with padding=0 cropped to its first 2H rows and columns, as Keras (padding=1, "
        "output_padding=1 keeps rows 1..2H instead: shifted by one pixel)",
    ),
    PeerInfo(
        "torch_nchw",
        "PyTorch NCHW",
        ("torch",),
        "PyTorch CPU, contiguous NCHW tensors (layout conversion not timed), otherwise as "
        "PyTorch CL",
    ),
    PeerInfo(
        "jax",
        "JAX jit",
        ("jax",),
        "JAX: jax.image.resize / lax.conv_transpose / lax.conv_general_dilated, NHWC; "
        "forward and jax.vjp each under jax.jit",
        {"JAX_PLATFORMS": "cpu"},
    ),
    PeerInfo(
        "keras_jax",
        "Keras/JAX",
        ("keras", "jax"),
        "Keras 3 on the JAX backend: keras.ops.image.resize / keras.ops.conv_transpose / "
        "keras.ops.conv, eager; backward = the function returned by jax.vjp, eager",
        {"KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"},
    ),
    PeerInfo(
        "keras_tf",
        "Keras/TF",
        ("keras", "tensorflow"),
        "Keras 3 on the TensorFlow backend: the same keras.ops, eager; backward = "
        "tf.GradientTape.gradient on a persistent tape recorded once",
        {"KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2"},
    ),
)

PEERS_BY_NAME = {peer.name: peer for peer in PEERS}


@dataclass
class Built:
    """One workload on one peer: timed callables and converters of their results."""

    forward: Callable[[], Any]  # runs and synchronises the forward pass
    backward: Callable[[], Any]  # runs and synchronises the VJP
    forward_numpy: Callable[[Any], np.ndarray]  # forward result -> channels_last array
    backward_numpy: Callable[[Any], list[np.ndarray]]  # VJP result -> [d_inputs, (d_kernel)]


# --------------------------------------------------------------------------- geometry


def same_crop(kernel: int, stride: int) -> tuple[int, int]:
    """Positions a 'same' transposed convolution drops from its full output, (before, after).

    The full output has ``(n - 1) * stride + kernel`` positions and Keras keeps
    ``n * stride`` of them; like TensorFlow (the input-gradient of a 'same'
    convolution, padded ``total // 2`` before), the odd one is dropped at the end.
    """
    total = max(kernel - stride, 0)
    return total // 2, total - total // 2


def output_shape(spec: Spec, input_shape: Sequence[int]) -> tuple[int, ...]:
    """The channels_last output shape of a workload."""
    n, h, w, c = input_shape
    if spec["op"] == "resize":
        return (n, h * spec["scale"], w * spec["scale"], c)
    if spec["op"] == "conv_transpose":
        return (n, h * spec["strides"], w * spec["strides"], spec["channels_out"])
    return (n, -(-h // spec["strides"]), -(-w // spec["strides"]), spec["channels_out"])


# --------------------------------------------------------------------------- PyTorch


def build_torch(spec: Spec, arrays: dict[str, np.ndarray], channels_last: bool) -> Built:
    """PyTorch: F.interpolate, F.conv_transpose2d (+ crop), F.conv2d."""
    import torch
    import torch.nn.functional as F

    fmt = torch.channels_last if channels_last else torch.contiguous_format

    def image(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(a).permute(0, 3, 1, 2).contiguous(memory_format=fmt)

    def weight(a: np.ndarray) -> torch.Tensor:
        # Keras (kh, kw, in, out) -> torch conv (out, in, kh, kw), and Keras transposed
        # (kh, kw, out, in) -> torch transposed (in, out, kh, kw): the same permutation.
        return torch.from_numpy(a).permute(3, 2, 0, 1).contiguous(memory_format=fmt)

    x = image(arrays["inputs"])
    g = image(arrays["grad"])
    op, stride = spec["op"], spec.get("strides", 1)
    if op == "resize":
        mode = spec["interpolation"]
        align = False if mode in ("bilinear", "bicubic") else None
        args: tuple[torch.Tensor, ...] = (x,)

        def fn(*a: torch.Tensor) -> torch.Tensor:
            return F.interpolate(a[0], scale_factor=spec["scale"], mode=mode, align_corners=align)

    elif op == "conv_transpose":
        kernel = arrays["kernel"].shape[0]
        before, after = same_crop(kernel, stride)
        # torch's `padding` crops both ends equally and `output_padding` only adds at the
        # end, so padding=1, output_padding=1 keeps positions 1..128 of the full output
        # where Keras keeps 0..127 (a one-pixel shift); crop the asymmetric rest instead.
        common = min(before, after)
        size = arrays["inputs"].shape[1] * stride
        lo = before - common
        args = (x, weight(arrays["kernel"]))

        def fn(*a: torch.Tensor) -> torch.Tensor:
            y = F.conv_transpose2d(a[0], a[1], stride=stride, padding=common)
            if y.shape[-1] != size or y.shape[-2] != size:
                y = y[:, :, lo : lo + size, lo : lo + size]
            return y

    else:
        kernel = arrays["kernel"].shape[0]
        if stride != 1:
            raise NotImplementedError("torch peer: only stride-1 'same' convolutions")
        args = (x, weight(arrays["kernel"]))

        def fn(*a: torch.Tensor) -> torch.Tensor:
            return F.conv2d(a[0], a[1], stride=1, padding="same")

    def forward() -> torch.Tensor:
        with torch.no_grad():
            return fn(*args)

    leaves = tuple(a.detach().requires_grad_(True) for a in args)
    y = fn(*leaves)
    if tuple(y.shape) != (g.shape[0], g.shape[1], g.shape[2], g.shape[3]):
        raise ValueError(f"torch output shape {tuple(y.shape)} != grad shape {tuple(g.shape)}")

    def backward() -> tuple[torch.Tensor, ...]:
        return torch.autograd.grad(y, leaves, g, retain_graph=True)

    def to_nhwc(t: torch.Tensor) -> np.ndarray:
        return np.ascontiguousarray(t.detach().permute(0, 2, 3, 1).numpy())

    def grads_numpy(grads: tuple[torch.Tensor, ...]) -> list[np.ndarray]:
        out = [to_nhwc(grads[0])]
        if len(grads) > 1:
            out.append(np.ascontiguousarray(grads[1].detach().permute(2, 3, 1, 0).numpy()))
        return out

    return Built(forward, backward, to_nhwc, grads_numpy)


# --------------------------------------------------------------------------- JAX


def _jax_function(spec: Spec, arrays: dict[str, np.ndarray]) -> Callable[..., Any]:
    import jax
    from jax import lax

    op, stride = spec["op"], spec.get("strides", 1)
    shape = output_shape(spec, arrays["inputs"].shape)
    numbers = ("NHWC", "HWIO", "NHWC")
    if op == "resize":
        method = spec["interpolation"]
        return lambda x: jax.image.resize(x, shape, method=method, antialias=False)
    kernel = arrays["kernel"].shape[0]
    if op == "conv_transpose":
        before, after = same_crop(kernel, stride)
        pads = [(kernel - 1 - before, kernel - 1 - after)] * 2
        return lambda x, k: lax.conv_transpose(
            x, k, (stride, stride), pads, dimension_numbers=numbers, transpose_kernel=True
        )
    return lambda x, k: lax.conv_general_dilated(
        x, k, (stride, stride), "SAME", dimension_numbers=numbers
    )


def _keras_function(spec: Spec, arrays: dict[str, np.ndarray]) -> Callable[..., Any]:
    import keras

    op, stride = spec["op"], spec.get("strides", 1)
    shape = output_shape(spec, arrays["inputs"].shape)
    fmt = "channels_last"
    if op == "resize":
        method = spec["interpolation"]
        return lambda x: keras.ops.image.resize(
            x, shape[1:3], interpolation=method, antialias=False, data_format=fmt
        )
    if op == "conv_transpose":
        return lambda x, k: keras.ops.conv_transpose(
            x, k, strides=stride, padding=spec["padding"], data_format=fmt
        )
    return lambda x, k: keras.ops.conv(
        x, k, strides=stride, padding=spec["padding"], data_format=fmt
    )


def build_jax(spec: Spec, arrays: dict[str, np.ndarray], *, keras: bool) -> Built:
    """JAX: jitted forward and jitted jax.vjp; or Keras ops on JAX, eager."""
    import jax
    import jax.numpy as jnp

    fn = _keras_function(spec, arrays) if keras else _jax_function(spec, arrays)
    args = tuple(
        jax.device_put(jnp.asarray(arrays[name])) for name in ("inputs", "kernel") if name in arrays
    )
    g = jax.device_put(jnp.asarray(arrays["grad"]))
    if keras:
        fwd = fn
        vjp_fn = jax.vjp(fn, *args)[1]

        def backward() -> Any:
            return jax.block_until_ready(vjp_fn(g))

    else:
        fwd = jax.jit(fn)
        bwd = jax.jit(lambda g_, *a: jax.vjp(fn, *a)[1](g_))

        def backward() -> Any:
            return jax.block_until_ready(bwd(g, *args))

    def forward() -> Any:
        return jax.block_until_ready(fwd(*args))

    return Built(
        forward,
        backward,
        lambda y: np.asarray(y),
        lambda grads: [np.asarray(a) for a in grads],
    )


# --------------------------------------------------------------------------- TensorFlow


def build_keras_tf(spec: Spec, arrays: dict[str, np.ndarray]) -> Built:
    """Keras ops on TensorFlow, eager; backward through a persistent GradientTape."""
    import tensorflow as tf

    fn = _keras_function(spec, arrays)
    args = [tf.constant(arrays[name]) for name in ("inputs", "kernel") if name in arrays]
    g = tf.constant(arrays["grad"])
    with tf.GradientTape(persistent=True) as tape:
        for a in args:
            tape.watch(a)
        y = fn(*args)

    def forward() -> Any:
        return fn(*args)

    def backward() -> Any:
        return tape.gradient(y, args, output_gradients=g)

    return Built(
        forward,
        backward,
        lambda t: np.asarray(t),
        lambda grads: [np.asarray(a) for a in grads],
    )


# --------------------------------------------------------------------------- worker


def _versions(peer: str, threads: int) -> dict[str, str]:
    """Import the peer's libraries, configure their threads, return their versions."""
    versions: dict[str, str] = {"numpy": np.__version__}
    if peer.startswith("torch"):
        import torch

        torch.set_num_threads(threads)
        versions["torch"] = torch.__version__
    if peer in ("jax", "keras_jax"):
        import jax
        import jaxlib

        versions["jax"] = jax.__version__
        versions["jaxlib"] = jaxlib.__version__
    if peer == "keras_tf":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        versions["tensorflow"] = tf.__version__
    if peer.startswith("keras"):
        import keras

        versions["keras"] = keras.__version__
    return versions


def _build(peer: str, spec: Spec, arrays: dict[str, np.ndarray]) -> Built:
    if peer == "torch_cl":
        return build_torch(spec, arrays, channels_last=True)
    if peer == "torch_nchw":
        return build_torch(spec, arrays, channels_last=False)
    if peer == "jax":
        return build_jax(spec, arrays, keras=False)
    if peer == "keras_jax":
        return build_jax(spec, arrays, keras=True)
    if peer == "keras_tf":
        return build_keras_tf(spec, arrays)
    raise ValueError(f"unknown peer {peer!r}")


def _warm_time(fn: Callable[[], Any], warmup: int) -> tuple[Any, float]:
    """Call `fn` `warmup` times (at least twice; only twice when a call takes over a
    second, which is warm enough); return its result and the last call's time."""
    result, elapsed = None, 0.0
    for i in range(max(2, warmup)):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        if i >= 1 and elapsed > 1.0:
            break
    return result, elapsed


_timed = common.timed


def serve(peer: str, data: Path, threads: int, channel: TextIO) -> None:
    """Answer the parent's commands until it says quit or closes stdin."""
    built: dict[str, Built] = {}

    def handle(request: dict[str, Any]) -> dict[str, Any]:
        if request["cmd"] == "setup":
            spec = request["spec"]
            arrays = {name: np.load(data / file) for name, file in spec["arrays"].items()}
            b = _build(peer, spec, arrays)
            y, t_fwd = _warm_time(b.forward, request.get("warmup", 3))
            grads, t_bwd = _warm_time(b.backward, request.get("warmup", 3))
            files = {"forward": f"{peer}-{spec['key']}-forward.npy"}
            np.save(data / files["forward"], b.forward_numpy(y))
            for i, grad in enumerate(b.backward_numpy(grads)):
                files[f"backward{i}"] = f"{peer}-{spec['key']}-backward{i}.npy"
                np.save(data / files[f"backward{i}"], grad)
            del y, grads, arrays
            built[spec["key"]] = b
            return {"files": files, "forward": t_fwd, "backward": t_bwd}
        if request["cmd"] == "time":
            b = built[request["key"]]
            fn = b.forward if request["pass"] == "forward" else b.backward
            return {"times": _timed(fn, int(request["repeats"]))}
        raise ValueError(f"unknown command {request['cmd']!r}")

    common.serve(channel, lambda: {"versions": _versions(peer, threads)}, handle)


def main(argv: Sequence[str]) -> None:
    """``_peers.py PEER DATA_DIR THREADS``: serve one peer over stdin / the original stdout."""
    peer, data, threads = argv[0], Path(argv[1]), int(argv[2])
    # Keep the protocol on the original stdout; whatever the libraries print goes to stderr.
    serve(peer, data, threads, common.protocol_channel())


if __name__ == "__main__":
    main(sys.argv[1:])
