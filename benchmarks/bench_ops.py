"""Time upsample's kernels against PyTorch, JAX and Keras 3, forward and backward, in one run.

A benchmark, not a test: it prints (and saves) a markdown table of median times
and of ratios ``peer / ours`` (above 1: we are faster), measured on this machine
in one run, so that the ratios, not the seconds, are what to compare between
machines.

Workloads (float32, channels_last, batch ``(N, S, S, C)`` = ``(32, 64, 64, 32)``):

* ``nearest``        nearest-neighbour upsampling x2    -> ``(N, 2S, 2S, C)``
* ``bilinear``       bilinear upsampling x2 (half-pixel centres, no antialias, as Keras)
* ``conv_transpose`` 3x3 stride-2 'same' transposed convolution C -> C -> ``(N, 2S, 2S, C)``
* ``conv``           3x3 stride-1 'same' convolution C -> C         -> ``(N, S, S, C)``

"forward" is the op; "backward" is its vector-Jacobian product for a fixed output
gradient, with respect to the input (and the kernel, for the convolutions; no bias).
Ours are `upsample.ops`' `upsample` / `upsample_vjp`, `conv_transpose` /
`conv_transpose_vjp` and `conv` / `conv_vjp`, run in this process.

Peers (see ``_peers.py``), each in its own subprocess since Keras fixes its backend at
import, each in its native layout (layout conversions are not timed):

* ``torch_cl``   PyTorch CPU, channels_last memory format; backward = torch.autograd.grad
* ``torch_nchw`` PyTorch CPU, contiguous NCHW
* ``jax``        JAX, forward and jax.vjp under jax.jit
* ``keras_jax``  keras.ops (image.resize / conv_transpose / conv) on JAX, eager
* ``keras_tf``   keras.ops on TensorFlow, eager; backward = tf.GradientTape

A peer that is not installed, fails, or computes something else than ours is skipped,
with the reason in the notes under the table; the benchmark never crashes on a peer.

Method.  Before timing, every peer's forward and backward results are compared with
ours on the same inputs and weights (max |peer - ours| / max |ours| must be at float32
rounding level), so that the same maths is timed.  Every op is warmed up (JIT
compilation, allocator), then timed in rounds: in each round every runner (ours and
each peer) does a slot of calls of every workload and pass, in an order that rotates
from round to round, so that the noise of a shared machine hits everyone alike; each
call is one sample (``time.perf_counter``, results synchronised), and the table reports
the median of all samples (at least ``--rounds`` per cell; a slot repeats a fast op
until it lasts about ``--slot`` seconds; a cell that would take more than
``--cell-budget`` seconds joins only some rounds, at least 5).  Peers idle, blocked on
a pipe, while another runner is timed.  The 1-minute load average is reported: other
processes on the machine make every ratio noisier.

Targets (shown per row): resampling at least 1.5x faster than the fastest peer;
convolution and transposed convolution at least as fast as PyTorch channels_last.

Memory.  For our ops only: the peak of NumPy allocations during one warm call
(`tracemalloc`, which NumPy reports to), minus the output arrays, as a multiple of the
output size (the target is below 2x).  Not seen: BLAS-internal buffers, and memory the
kernels keep between calls (a pool of output buffers, scratch caches): an output
drawn from a pool is neither in the peak nor subtracted.

Set up (Python 3.11+), from the repository root::

    python3 -m venv .venv-bench && .venv-bench/bin/pip install -e ".[bench]"
    .venv-bench/bin/python benchmarks/bench_ops.py            # full run, about 10 minutes
    .venv-bench/bin/python benchmarks/bench_ops.py --quick    # smoke run, small batch

The full run writes its table to ``benchmarks/results/ops.md`` (``--output``); a
``--quick`` run writes nothing unless ``--output`` is given.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import importlib.util
import math
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    PeerError,
    WorkerProcess,
    load_average,
    machine,
    max_relative_error,
    progress,
    rotated,
    timed,
)
from _peers import PEERS, PEERS_BY_NAME, PeerInfo

HERE = Path(__file__).resolve().parent
PEER_SCRIPT = HERE / "_peers.py"
DEFAULT_OUTPUT = HERE / "results" / "ops.md"
PASSES = ("forward", "backward")
OURS = "ours"


# --------------------------------------------------------------------------- workloads


@dataclass(frozen=True)
class Workload:
    """One op with its hyper-parameters and the target we hold ourselves to."""

    key: str
    title: str
    op: str  # "resize" | "conv_transpose" | "conv"
    interpolation: str = ""
    scale: int = 1
    strides: int = 1
    kernel_size: int = 3
    padding: str = "same"
    target_peer: str | None = None  # None: the fastest peer
    target_ratio: float = 1.0
    tolerance: float = 1e-5  # max |peer - ours| / max |ours|

    def output_shape(self, batch: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        n, h, w, c = batch
        if self.op == "resize":
            return (n, h * self.scale, w * self.scale, c)
        if self.op == "conv_transpose":
            return (n, h * self.strides, w * self.strides, c)
        return (n, -(-h // self.strides), -(-w // self.strides), c)

    @property
    def target(self) -> str:
        who = "fastest peer" if self.target_peer is None else PEERS_BY_NAME[self.target_peer].label
        return f">= {self.target_ratio:g}x {who}"


WORKLOADS: tuple[Workload, ...] = (
    Workload("nearest", "nearest x2", "resize", "nearest", scale=2, target_ratio=1.5),
    Workload("bilinear", "bilinear x2", "resize", "bilinear", scale=2, target_ratio=1.5),
    Workload(
        "conv_transpose",
        "conv_transpose 3x3 s2 same",
        "conv_transpose",
        strides=2,
        target_peer="torch_cl",
        tolerance=1e-4,
    ),
    Workload("conv", "conv 3x3 s1 same", "conv", target_peer="torch_cl", tolerance=1e-4),
)
WORKLOADS_BY_KEY = {w.key: w for w in WORKLOADS}


@dataclass
class Data:
    """The inputs of every workload, in memory and as ``.npy`` files for the peers."""

    directory: Path
    inputs: np.ndarray
    kernels: dict[str, np.ndarray] = field(default_factory=dict)
    grads: dict[str, np.ndarray] = field(default_factory=dict)

    def spec(self, w: Workload) -> dict[str, Any]:
        """What a peer needs to build workload `w` (see `_peers.py`)."""
        arrays = {"inputs": "inputs.npy", "grad": f"grad-{w.key}.npy"}
        if w.key in self.kernels:
            arrays["kernel"] = f"kernel-{w.key}.npy"
        return {
            "key": w.key,
            "op": w.op,
            "interpolation": w.interpolation,
            "scale": w.scale,
            "strides": w.strides,
            "padding": w.padding,
            "channels_out": self.inputs.shape[-1],
            "arrays": arrays,
        }


def make_data(
    directory: Path, batch: tuple[int, int, int, int], workloads: Sequence[Workload], seed: int
) -> Data:
    """Random float32 inputs, kernels (scaled by 1/sqrt(fan-in)) and output gradients."""
    rng = np.random.default_rng(seed)
    data = Data(directory, rng.standard_normal(batch, dtype=np.float32))
    np.save(directory / "inputs.npy", data.inputs)
    channels = batch[-1]
    for w in workloads:
        if w.op != "resize":
            shape = (w.kernel_size, w.kernel_size, channels, channels)
            scale = np.float32(1 / math.sqrt(w.kernel_size**2 * channels))
            data.kernels[w.key] = rng.standard_normal(shape, dtype=np.float32) * scale
            np.save(directory / f"kernel-{w.key}.npy", data.kernels[w.key])
        data.grads[w.key] = rng.standard_normal(w.output_shape(batch), dtype=np.float32)
        np.save(directory / f"grad-{w.key}.npy", data.grads[w.key])
    return data


# --------------------------------------------------------------------------- ours


@dataclass
class Ours:
    """Our forward and backward of one workload, each returning a list of arrays."""

    forward: Callable[[], list[np.ndarray]]
    backward: Callable[[], list[np.ndarray]]


def _arrays(result: Any) -> list[np.ndarray]:
    """An array, or the non-None arrays of a tuple (e.g. `ConvGrads`), as a list."""
    if isinstance(result, np.ndarray):
        return [result]
    return [np.asarray(a) for a in result if a is not None]


def build_ours(w: Workload, data: Data) -> Ours:
    """Our kernels for `w`."""
    from upsample import ops

    x, g, fmt = data.inputs, data.grads[w.key], "channels_last"
    if w.op == "resize":
        size = (w.scale, w.scale)
        return Ours(
            lambda: _arrays(
                ops.upsample(x, size=size, interpolation=w.interpolation, data_format=fmt)
            ),
            lambda: _arrays(
                ops.upsample_vjp(g, size=size, interpolation=w.interpolation, data_format=fmt)
            ),
        )
    k = data.kernels[w.key]
    args: dict[str, Any] = dict(strides=w.strides, padding=w.padding, data_format=fmt)
    if w.op == "conv_transpose":
        return Ours(
            lambda: _arrays(ops.conv_transpose(x, k, **args)),
            lambda: _arrays(ops.conv_transpose_vjp(g, x, k, **args)),
        )
    return Ours(
        lambda: _arrays(ops.conv(x, k, **args)),
        lambda: _arrays(ops.conv_vjp(g, x, k, **args)),
    )


def peak_extra_memory(fn: Callable[[], list[np.ndarray]]) -> float:
    """Peak NumPy memory of one call beyond what it leaves allocated, per byte of output.

    That is the peak minus the outputs when they are new arrays; when an output
    reuses a buffer that is older than the call (a buffer pool), it is neither in the
    peak nor subtracted.  Memory kept between calls (pools, scratch caches, plans)
    is not counted.
    """
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        outputs = fn()
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return (peak - after) / sum(a.nbytes for a in outputs)


def resize_reference(w: Workload, data: Data) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Float64 forward and backward of a resize, from its 1-D interpolation matrix.

    Keras's (and TF's, JAX's, torch's align_corners=False) half-pixel convention:
    output ``o`` samples input ``(o + 0.5) / scale - 0.5``, clamped to the edges.
    """
    n_in = data.inputs.shape[1]
    n_out = n_in * w.scale
    matrix = np.zeros((n_out, n_in))
    for o in range(n_out):
        if w.interpolation == "nearest":
            matrix[o, min(int((o + 0.5) / w.scale), n_in - 1)] = 1
            continue
        src = min(max((o + 0.5) / w.scale - 0.5, 0.0), n_in - 1)
        i0 = int(src)
        i1 = min(i0 + 1, n_in - 1)
        matrix[o, i0] += 1 - (src - i0)
        matrix[o, i1] += src - i0
    y = np.einsum("ph,nhwc,qw->npqc", matrix, data.inputs, matrix, optimize=True)
    dx = np.einsum("ph,npqc,qw->nhwc", matrix, data.grads[w.key], matrix, optimize=True)
    return [y], [dx]


# --------------------------------------------------------------------------- peers


class PeerProcess(WorkerProcess):
    """One peer's worker process (``_peers.py``), driven by JSON lines over pipes."""

    def __init__(self, info: PeerInfo, directory: Path, threads: int) -> None:
        self.info = info
        self.versions: dict[str, str] = {}
        super().__init__(
            [sys.executable, str(PEER_SCRIPT), info.name, str(directory), str(threads)],
            info.env,
            directory / f"{info.name}.log",
        )


# --------------------------------------------------------------------------- timing


@dataclass
class Results:
    """Everything the report needs."""

    workloads: list[Workload]
    runners: list[str]  # "ours" and the peers' names, in table order
    status: dict[tuple[str, str], str] = field(default_factory=dict)  # (runner, key) -> why not
    errors: dict[tuple[str, str, str], float] = field(default_factory=dict)
    samples: dict[tuple[str, str, str], list[float]] = field(default_factory=dict)
    memory: dict[tuple[str, str], float] = field(default_factory=dict)  # (key, pass) -> x out
    notes: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)

    def ok(self, runner: str, key: str) -> bool:
        return (runner, key) not in self.status

    def median_ms(self, runner: str, key: str, pass_: str) -> float | None:
        times = self.samples.get((runner, key, pass_))
        if not times or not self.ok(runner, key):
            return None
        return 1e3 * float(np.median(times))


def run_rounds(
    results: Results,
    ours: dict[str, Ours],
    peers: dict[str, PeerProcess],
    warm: dict[tuple[str, str, str], float],
    args: argparse.Namespace,
) -> None:
    """Time every (runner, workload, pass) in interleaved rounds; fill `results.samples`."""
    repeats = {
        cell: max(1, min(args.max_slot_calls, round(args.slot / t))) for cell, t in warm.items()
    }
    # A very slow cell (say 10 s a call) joins only some rounds, spread over the run, so
    # that it spends about --cell-budget seconds in all (but is timed at least 5 times).
    joins: dict[tuple[str, str, str], set[int]] = {}
    for cell, t in warm.items():
        n = max(min(5, args.rounds), min(args.rounds, int(args.cell_budget // (repeats[cell] * t))))
        joins[cell] = {round(i * (args.rounds - 1) / max(n - 1, 1)) for i in range(n)}
    estimate = sum(len(joins[c]) * max(args.slot, repeats[c] * t) for c, t in warm.items())
    progress(f"timing {len(warm)} cells x {args.rounds} rounds, about {estimate / 60:.1f} min")
    start = time.perf_counter()
    for r in range(args.rounds):
        order = rotated(results.runners, r)
        for w in results.workloads:
            for pass_ in PASSES:
                for runner in order:
                    cell = (runner, w.key, pass_)
                    if r not in joins.get(cell, ()) or not results.ok(runner, w.key):
                        continue
                    if runner == OURS:
                        fn = ours[w.key].forward if pass_ == "forward" else ours[w.key].backward
                        times = timed(fn, repeats[cell])
                    else:
                        try:
                            message = {"cmd": "time", "key": w.key, "pass": pass_}
                            answer = peers[runner].request(
                                {**message, "repeats": repeats[cell]}, timeout=args.timeout
                            )
                        except PeerError as error:
                            fail_peer(results, runner, f"failed while timing: {error}")
                            continue
                        times = answer["times"]
                    results.samples.setdefault(cell, []).extend(times)
                    time.sleep(args.settle)
        progress(f"  round {r + 1}/{args.rounds} done ({time.perf_counter() - start:.0f} s)")


def fail_peer(results: Results, peer: str, reason: str) -> None:
    """Skip every workload of a peer that is not usable any more."""
    progress(f"  {peer}: {reason}")
    for w in results.workloads:
        results.status.setdefault((peer, w.key), reason)


# --------------------------------------------------------------------------- report


def fmt_ms(ms: float) -> str:
    return f"{ms:.0f}" if ms >= 100 else f"{ms:.1f}" if ms >= 10 else f"{ms:.2f}"


def label(runner: str) -> str:
    return "ours" if runner == OURS else PEERS_BY_NAME[runner].label


def report(results: Results, args: argparse.Namespace, env: dict[str, str]) -> str:
    """The markdown report: setup, the table of medians and ratios, details and notes."""
    peers = [r for r in results.runners if r != OURS]
    n, s, c = args.batch, args.size, args.channels
    lines = [
        "# upsample kernels vs PyTorch, JAX and Keras 3",
        "",
        f"- Date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"- Machine: {env['CPU']}; {env['OS']}"
        + (f"; 1-min load average {env['load']}" if "load" in env else ""),
        f"- Python {env['Python']}; NumPy {env['NumPy']}; upsample {env['upsample']}",
        "- Peers: "
        + "; ".join(f"{k} {v}" for k, v in results.versions.items())
        + (" (none available)" if not results.versions else ""),
        f"- Threads: ours {args.threads} workers; torch.set_num_threads({args.threads}); "
        f"TF intra-op {args.threads}; JAX/XLA default",
        f"- Batch ({n}, {s}, {s}, {c}) float32; {args.rounds} rounds, slots of ~{args.slot:g} s "
        "(a fast op is repeated within a slot; a cell slower than "
        f"{args.cell_budget:g} s in all joins fewer rounds, at least 5); median of all calls"
        + (" - QUICK SMOKE RUN, not representative" if args.quick else ""),
        "",
        "## Median time in ms, and peer / ours (> 1: ours is faster)",
        "",
    ]
    header = ["Workload", "Pass", "ours", *(label(p) for p in peers)]
    header += ["fastest peer / ours", "target", "ours: peak extra memory"]
    lines += [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] * 2 + ["---:"] * (len(header) - 2)) + "|",
    ]
    shortfalls = []
    for w in results.workloads:
        for pass_ in PASSES:
            ours_ms = results.median_ms(OURS, w.key, pass_)
            row = [w.title, pass_, fmt_ms(ours_ms) if ours_ms else "n/a"]
            best: tuple[float, str] | None = None
            for p in peers:
                ms = results.median_ms(p, w.key, pass_)
                if ms is None:
                    row.append("skipped" if (p, w.key) in results.status else "n/a")
                    continue
                best = min(best, (ms, p)) if best else (ms, p)
                row.append(fmt_ms(ms) + (f" ({ms / ours_ms:.2f}x)" if ours_ms else ""))
            if best and ours_ms:
                row.append(f"**{best[0] / ours_ms:.2f}x** ({label(best[1])})")
            else:
                row.append("n/a")
            ref = best if w.target_peer is None else None
            if w.target_peer is not None:
                ms = results.median_ms(w.target_peer, w.key, pass_)
                ref = (ms, w.target_peer) if ms is not None else None
            if ref and ours_ms:
                ratio = ref[0] / ours_ms
                met = ratio >= w.target_ratio
                row.append(f"{w.target}: {'met' if met else 'MISSED'} ({ratio:.2f}x)")
                if not met:
                    shortfalls.append(f"{w.title} {pass_}: {ratio:.2f}x, target {w.target}")
            else:
                row.append(f"{w.target}: n/a")
            mem = results.memory.get((w.key, pass_))
            row.append("n/a" if mem is None else f"{mem:.2f}x" + ("" if mem < 2 else " (> 2x)"))
            lines.append("| " + " | ".join(row) + " |")
    lines += ["", "## Spread: calls timed, and the 25th-75th percentile in ms", ""]
    header = ["Workload", "Pass", *(label(r) for r in results.runners)]
    lines += [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] * 2 + ["---:"] * (len(header) - 2)) + "|",
    ]
    for w in results.workloads:
        for pass_ in PASSES:
            row = [w.title, pass_]
            for r in results.runners:
                times = results.samples.get((r, w.key, pass_))
                if not times or not results.ok(r, w.key):
                    row.append("-")
                    continue
                lo, hi = np.percentile(np.asarray(times) * 1e3, [25, 75])
                row.append(f"{len(times)}: {fmt_ms(lo)}..{fmt_ms(hi)}")
            lines.append("| " + " | ".join(row) + " |")
    lines += [
        "",
        "## Correctness: max |peer - ours| / max |ours|, forward / backward",
        "",
        "Checked before timing, on the same inputs and weights; a peer above the tolerance",
        "is skipped for that workload. For the resizes, ours is also checked against a",
        "float64 NumPy reference (the peers are checked against it when ours is missing).",
        "",
    ]
    header = ["Workload", "tolerance", "ours vs float64 reference", *(label(p) for p in peers)]
    lines += [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|",
    ]
    for w in results.workloads:
        row = [w.title, f"{w.tolerance:.0e}"]
        for r in ["reference", *peers]:
            f, b = (
                results.errors.get((r, w.key, "forward")),
                results.errors.get((r, w.key, "backward")),
            )
            row.append("-" if f is None else f"{f:.1e} / " + ("-" if b is None else f"{b:.1e}"))
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "## Notes", ""]
    if shortfalls:
        lines.append("- Below target: " + "; ".join(shortfalls) + ".")
    skipped: dict[tuple[str, str], list[str]] = {}
    for (runner, key), reason in results.status.items():
        skipped.setdefault((runner, reason), []).append(WORKLOADS_BY_KEY[key].title)
    for (runner, reason), titles in skipped.items():
        which = "all workloads" if len(titles) == len(results.workloads) else ", ".join(titles)
        lines.append(f"- {label(runner)} skipped ({which}): {reason}")
    lines += [f"- {note}" for note in results.notes]
    lines += [
        "- Ours: upsample.ops, in the benchmark's process; peers: one subprocess each "
        "(benchmarks/_peers.py), in their native layout, conversions not timed.",
        *(f"- {p.label}: {p.description}." for p in PEERS if p.name in peers),
        "- Backward = the VJP for a fixed output gradient: w.r.t. the input (resizes), the "
        "input and the kernel (convolutions); PyTorch and TF reuse a graph/tape recorded "
        "once, JAX jits jax.vjp (XLA drops the unused forward).",
        "- Peak extra memory: tracemalloc peak of NumPy allocations during one warm call "
        "minus the outputs, as a multiple of the outputs' size (target < 2x); memory kept "
        "between calls (buffer pools, scratch caches) is not counted.",
        f"- Command: `{' '.join(['python benchmarks/bench_ops.py', *args.argv])}`",
    ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench_ops.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: batch 4, 3 rounds, short slots; writes no file unless --output is given",
    )
    parser.add_argument("--batch", type=int, help="batch size N (default 32; --quick: 4)")
    parser.add_argument("--size", type=int, default=64, help="input height = width S (default 64)")
    parser.add_argument(
        "--channels", type=int, default=32, help="channels C, in and out (default 32)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        help="timing rounds, i.e. minimum calls per cell (default 15; --quick: 3)",
    )
    parser.add_argument(
        "--slot",
        type=float,
        help="seconds a runner spends per cell and round; a fast op is called repeatedly "
        "until about this long (default 0.2; --quick: 0.02)",
    )
    parser.add_argument(
        "--cell-budget",
        type=float,
        default=60,
        help="seconds of timing per cell (runner, workload, pass) beyond which a slow cell "
        "joins fewer rounds, at least 5 (default 60)",
    )
    parser.add_argument(
        "--max-slot-calls", type=int, default=10, help="most calls in one slot (default 10)"
    )
    parser.add_argument("--warmup", type=int, default=3, help="warm-up calls per op (default 3)")
    parser.add_argument(
        "--settle", type=float, default=0.02, help="pause in s between slots (default 0.02)"
    )
    parser.add_argument(
        "--peers",
        default=",".join(p.name for p in PEERS),
        help="comma-separated peers to run (default: all): " + ", ".join(p.name for p in PEERS),
    )
    parser.add_argument(
        "--workloads",
        default=",".join(w.key for w in WORKLOADS),
        help="comma-separated workloads (default: all): " + ", ".join(w.key for w in WORKLOADS),
    )
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    parser.add_argument(
        "--threads",
        type=int,
        default=cores,
        help=f"threads for ours, torch and TF intra-op (default: usable cores, {cores})",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed of the data (default 0)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=600,
        help="seconds to wait for a peer's answer (default 600)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help=f"markdown file to write (default {DEFAULT_OUTPUT.relative_to(HERE.parent)}; "
        "--quick: none)",
    )
    parser.add_argument("--no-write", action="store_true", help="print only, write no file")
    args = parser.parse_args(argv)
    args.argv = list(argv)
    quick = args.quick
    args.batch = args.batch or (4 if quick else 32)
    args.rounds = args.rounds or (3 if quick else 15)
    args.slot = args.slot if args.slot is not None else (0.02 if quick else 0.2)
    if args.output is None and not quick:
        args.output = DEFAULT_OUTPUT
    if args.no_write:
        args.output = None
    unknown = set(args.peers.split(",")) - set(PEERS_BY_NAME) - {""}
    if unknown:
        parser.error(f"unknown peers {sorted(unknown)}; choose from {list(PEERS_BY_NAME)}")
    unknown = set(args.workloads.split(",")) - set(WORKLOADS_BY_KEY) - {""}
    if unknown:
        parser.error(f"unknown workloads {sorted(unknown)}; choose from {list(WORKLOADS_BY_KEY)}")
    for name in ("batch", "size", "channels", "rounds", "threads", "max_slot_calls", "warmup"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def setup_ours(results: Results, data: Data, args: argparse.Namespace) -> dict[str, Ours]:
    """Build, warm up and check our ops; measure their memory; record references."""
    from upsample import config

    config.tune_allocator()  # as the `upsample` command does
    config.set_num_threads(args.threads)
    ours: dict[str, Ours] = {}
    for w in results.workloads:
        try:
            ours[w.key] = build_ours(w, data)
        except ImportError as error:
            results.status[(OURS, w.key)] = f"not available ({error})"
    return ours


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    workloads = [WORKLOADS_BY_KEY[k] for k in dict.fromkeys(args.workloads.split(",")) if k]
    peer_names = [p.name for p in PEERS if p.name in args.peers.split(",")]
    results = Results(workloads, [OURS, *peer_names])
    env = machine()
    load_start = load_average()
    if load_start is not None and load_start > 0.5 * args.threads:
        progress(
            f"warning: load average {load_start:.1f} on {args.threads} threads: other "
            "processes compete for the CPU; the ratios will be noisier"
        )
    batch = (args.batch, args.size, args.size, args.channels)
    with tempfile.TemporaryDirectory(prefix="bench_ops-") as tmp:
        directory = Path(tmp)
        progress(f"data: batch {batch} float32 in {directory}")
        data = make_data(directory, batch, workloads, args.seed)

        # Start every available peer now: their imports overlap our warm-up.
        peers: dict[str, PeerProcess] = {}
        for name in peer_names:
            info = PEERS_BY_NAME[name]
            missing = [m for m in info.modules if importlib.util.find_spec(m) is None]
            if missing:
                fail_peer(
                    results,
                    name,
                    f'not installed (no module {", ".join(missing)}; pip install -e ".[bench]")',
                )
                continue
            peers[name] = PeerProcess(info, directory, args.threads)

        try:
            ours, warm = prepare(results, data, peers, args)
            run_rounds(results, ours, peers, warm, args)
        finally:
            for peer in peers.values():
                peer.close()
    load_end = load_average()
    if load_start is not None and load_end is not None:
        env["load"] = f"{load_start:.1f} at start, {load_end:.1f} at end"
    text = report(results, args, env)
    print(text)
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
        progress(f"written to {args.output}")
    return 0


def prepare(
    results: Results, data: Data, peers: dict[str, PeerProcess], args: argparse.Namespace
) -> tuple[dict[str, Ours], dict[tuple[str, str, str], float]]:
    """Warm up and check ours and every peer.

    Returns our ops and the warm time of one call of every cell to time.
    """
    warm: dict[tuple[str, str, str], float] = {}
    expected: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {}
    ours = setup_ours(results, data, args)
    for w in results.workloads:
        reference = resize_reference(w, data) if w.op == "resize" else None
        if w.key in ours:
            o = ours[w.key]
            outputs = []
            for pass_, fn in zip(PASSES, (o.forward, o.backward)):
                for _ in range(args.warmup):
                    result = fn()
                warm[(OURS, w.key, pass_)] = min(timed(fn, 1)[0], timed(fn, 1)[0])
                results.memory[(w.key, pass_)] = peak_extra_memory(fn)
                outputs.append(result)
            expected[w.key] = (outputs[0], outputs[1])
            if reference is not None:
                for pass_, a, e in zip(PASSES, expected[w.key], reference):
                    err = max_relative_error(a, e)
                    results.errors[("reference", w.key, pass_)] = err
                    if err > w.tolerance:
                        results.notes.append(
                            f"ours, {w.title} {pass_}: differs from the float64 reference by "
                            f"{err:.1e} (tolerance {w.tolerance:.0e})"
                        )
        elif reference is not None:
            expected[w.key] = (
                [a.astype(np.float32) for a in reference[0]],
                [a.astype(np.float32) for a in reference[1]],
            )
            results.notes.append(
                f"{w.title}: ours not available; peers checked against the float64 reference"
            )
        progress(f"ours, {w.key}: " + results.status.get((OURS, w.key), "ready"))

    for name, peer in list(peers.items()):
        try:
            hello = peer.receive(args.timeout)
        except PeerError as error:
            fail_peer(results, name, f"could not start: {error}")
            peers.pop(name).close()
            continue
        for k, v in hello["versions"].items():
            if k != "numpy":
                results.versions.setdefault(k, v)
        for w in results.workloads:
            if not results.ok(name, w.key):
                continue
            try:
                answer = peer.request(
                    {"cmd": "setup", "spec": data.spec(w), "warmup": args.warmup}, args.timeout
                )
            except PeerError as error:
                if peer.proc.poll() is not None:
                    fail_peer(results, name, f"crashed: {error}")
                    break
                results.status[(name, w.key)] = f"failed: {error}"
                progress(f"{name}, {w.key}: failed: {error}")
                continue
            files = answer["files"]
            got = [np.load(data.directory / files["forward"])]
            got_b = [np.load(data.directory / files[k]) for k in sorted(files) if k != "forward"]
            for f in files.values():
                (data.directory / f).unlink()
            if w.key in expected:
                for pass_, a, e in zip(PASSES, (got, got_b), expected[w.key]):
                    err = max_relative_error(a, e)
                    results.errors[(name, w.key, pass_)] = err
                    if err > w.tolerance:
                        results.status[(name, w.key)] = (
                            f"{pass_} differs from ours by {err:.1e} "
                            f"(tolerance {w.tolerance:.0e}): not the same maths"
                        )
            for pass_ in PASSES:
                warm[(name, w.key, pass_)] = answer[pass_]
            progress(f"{name}, {w.key}: ready")
    return ours, warm


if __name__ == "__main__":
    sys.exit(main())
