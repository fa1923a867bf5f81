"""Training throughput of the seed autoencoders: upsample vs Keras 3 (TF, JAX) and PyTorch.

A benchmark, not a test: it prints (and saves) a markdown table of training
throughput, in samples per second (the median over timed epochs), of the two seed
autoencoders, measured side by side in one run on this machine, and the ratios
``ours / peer`` (above 1: we are faster).  Compare ratios between machines, not
seconds.

Models (the seeds' listings, compiled as the seeds do: ``optimizer='adam',
loss='binary_crossentropy'``):

* ``ae_up``  seed 000, the UpSampling2D (bilinear) autoencoder, 1,393 parameters,
  batch 25; default 2,000 samples per epoch;
* ``ae_tr``  seed 004, the Conv2DTranspose autoencoder, 12,785 parameters, batch 1000;
  default 10,000 samples per epoch.

The data: the first images of the MNIST training set (`upsample.datasets.mnist.load`:
the full dataset from the cache, else the bundled sample), float32 in [0, 1], the
same array for every runner, as input and target.

Runners, each in its own process (``_train_workers.py``):

* ``ours``         ``upsample.models.Sequential`` with the seed's layers (the seed's
  code with its imports changed), ``model.fit(x, x, batch_size=..., epochs=1,
  verbose=0, shuffle=False)``;
* ``keras_tf``     Keras 3 on TensorFlow: the same code with Keras imports, the same
  ``compile`` and ``fit`` call;
* ``keras_jax``    Keras 3 on JAX, likewise;
* ``torch_cl``     PyTorch eager, channels_last, ``torch.set_num_threads(THREADS)``: a
  hand-written equivalent of each model (Keras's 'same' padding with the extra pixel
  bottom/right, half-pixel bilinear upsampling, BCE clipped as Keras) and the loop
  Keras's ``fit(shuffle=False)`` runs; Adam with Keras's epsilon placement, written
  with ``torch._foreach_*`` (``--torch-adam torch``: ``torch.optim.Adam``);
* ``torch_cl_1t``  the same with ``torch.set_num_threads(1)``: on a loaded 2-core
  machine, torch's OpenMP threads wait for each other and two threads can be many
  times slower than one; the "PyTorch" target uses the faster of the two.

A runner that is not installed, fails to start or crashes is skipped with a note;
the benchmark never crashes on a peer.

Method.  Every runner starts from the same initial weights (made by the first
available runner: ours, else a Keras one).  Correctness first: ``--check-steps``
training steps (each a one-batch ``fit`` on batch i of the data) from those weights;
every runner's step losses must agree with ours within ``--check-tolerance``
(relative), else its column is flagged "not the same maths".  Then one warm-up epoch
(Keras's JIT compilation and tracing, allocators), not timed.  Then ``--rounds``
rounds: in each round every runner trains one epoch of each model over the same
samples, in an order that rotates from round to round, so that the noise of a shared
machine hits everyone alike; an epoch is timed whole (``fit`` call, or torch's loop)
with ``time.perf_counter`` in the runner's process; throughput = samples / median
epoch time.  A very slow runner (Keras on JAX trains ae_tr at a few dozen samples/s
on CPU) is bounded: its warm-up covers only ``--warmup-max`` seconds of batches (the
JIT compilation happened in the check steps) and it is timed in fewer rounds, at
least one, so that its epochs take about ``--cell-budget`` seconds in all.  The
1-minute load average is recorded at the start, after the timing and at the end.

Memory.  In a fresh process, the peak resident set size (``ru_maxrss``) of ours
training ``ae_tr`` at batch 1000 for one epoch on all 60,000 MNIST training images
(``--memory-samples`` to train on fewer, a fraction of an epoch), with the data
loading and the interpreter included; the peak before ``fit`` is shown beside it.

Targets, printed next to the results:

* ``ae_up``: ours at least 1.3x the throughput of the fastest peer;
* ``ae_tr``: ours at least PyTorch's throughput (the faster thread setting), aiming
  for Keras on TensorFlow;
* memory of ``ae_tr`` fit on 60,000 images: peak RSS under 1.5 GB.

Set up (Python 3.11+), from the repository root::

    python3 -m venv .venv-bench && .venv-bench/bin/pip install -e ".[bench]"
    .venv-bench/bin/python benchmarks/bench_training.py           # full run, 30-45 minutes
    .venv-bench/bin/python benchmarks/bench_training.py --quick   # smoke run, about 10 minutes

The full run writes its table to ``benchmarks/results/training.md`` (``--output``);
a ``--quick`` run writes nothing unless ``--output`` is given.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
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
    progress,
    rotated,
    usable_cores,
)
from _peers import PEERS_BY_NAME

HERE = Path(__file__).resolve().parent
WORKER_SCRIPT = HERE / "_train_workers.py"
DEFAULT_OUTPUT = HERE / "results" / "training.md"
OURS = "ours"
MEMORY_TARGET_BYTES = 1.5e9


# --------------------------------------------------------------------------- what is run


@dataclass(frozen=True)
class Runner:
    """A framework configuration, served by one `_train_workers.py` process."""

    name: str  # command-line key
    label: str  # table column header
    worker: str  # the runner name in _train_workers.py
    modules: tuple[str, ...]  # importable modules it needs
    description: str
    env: dict[str, str] = field(default_factory=dict)
    threads: int | None = None  # None: --threads

    @property
    def is_torch(self) -> bool:
        return self.worker == "torch_cl"


RUNNERS: tuple[Runner, ...] = (
    Runner(
        OURS,
        "upsample",
        "ours",
        ("upsample",),
        "upsample.models.Sequential with the seed's layers (the seed's code, imports changed), "
        "model.fit(x, x, batch_size=b, epochs=1, verbose=0, shuffle=False); kernel threads "
        "= --threads",
    ),
    Runner(
        "torch_cl",
        "PyTorch CL",
        "torch_cl",
        ("torch",),
        "PyTorch eager, torch.channels_last (inputs and weights), "
        "torch.set_num_threads(--threads); hand-written nn.Module per seed: Keras 'same' "
        "padding by F.pad (extra pixel bottom/right), "
        "F.max_pool2d, F.interpolate(bilinear, align_corners=False), nn.Conv2d / "
        "nn.ConvTranspose2d, sigmoid then BCE clipped to [1e-7, 1 - 1e-7] and averaged; the loop "
        "of fit(shuffle=False): zero_grad, forward, loss, backward, Adam step, loss summed",
    ),
    Runner(
        "torch_cl_1t",
        "PyTorch CL 1 thr",
        "torch_cl",
        ("torch",),
        "as PyTorch CL, with torch.set_num_threads(1)",
        threads=1,
    ),
    Runner(
        "keras_tf",
        "Keras/TF",
        "keras_tf",
        ("keras", "tensorflow"),
        "Keras 3 on TensorFlow: the seed's code with keras imports, the same compile and fit "
        "call; TF intra-op threads = --threads",
        PEERS_BY_NAME["keras_tf"].env,
    ),
    Runner(
        "keras_jax",
        "Keras/JAX",
        "keras_jax",
        ("keras", "jax"),
        "Keras 3 on JAX: the seed's code with keras imports, the same compile and fit call; "
        "XLA's default threads",
        PEERS_BY_NAME["keras_jax"].env,
    ),
)
RUNNERS_BY_NAME = {r.name: r for r in RUNNERS}
INIT_PREFERENCE = ("ours", "keras_jax", "keras_tf", "torch_cl", "torch_cl_1t")


@dataclass(frozen=True)
class Model:
    key: str
    title: str
    params: int
    batch_size: int
    samples: int  # default samples per timed epoch
    quick_samples: int


MODELS: tuple[Model, ...] = (
    Model("ae_up", "AE-up (seed 000, UpSampling2D)", 1393, 25, 2000, 250),
    Model("ae_tr", "AE-tr (seed 004, Conv2DTranspose)", 12785, 1000, 10000, 2000),
)
MODELS_BY_KEY = {m.key: m for m in MODELS}


# --------------------------------------------------------------------------- results


@dataclass
class Results:
    models: list[Model]
    runners: list[Runner]
    samples: dict[str, int] = field(default_factory=dict)  # model -> samples per epoch
    batch: dict[str, int] = field(default_factory=dict)
    status: dict[tuple[str, str], str] = field(default_factory=dict)  # (runner, model) -> why
    epochs: dict[tuple[str, str], list[float]] = field(default_factory=dict)  # seconds
    losses: dict[tuple[str, str], list[float]] = field(default_factory=dict)  # timed epochs
    check: dict[tuple[str, str], list[float]] = field(default_factory=dict)  # check losses
    check_error: dict[tuple[str, str], float] = field(default_factory=dict)
    update_error: dict[tuple[str, str], float] = field(default_factory=dict)
    differs: dict[tuple[str, str], str] = field(default_factory=dict)  # not the same maths
    warmup: dict[tuple[str, str], float] = field(default_factory=dict)
    estimate: dict[tuple[str, str], float] = field(default_factory=dict)  # s per epoch
    versions: dict[str, str] = field(default_factory=dict)
    details: dict[str, dict[str, str]] = field(default_factory=dict)
    memory: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def label(self, runner: str) -> str:
        return next(r.label for r in self.runners if r.name == runner)

    def title(self, model: str) -> str:
        return next(m.title for m in self.models if m.key == model)

    def ok(self, runner: str, model: str) -> bool:
        return (runner, model) not in self.status

    def throughput(self, runner: str, model: str) -> float | None:
        times = self.epochs.get((runner, model))
        if not times or not self.ok(runner, model):
            return None
        return self.samples[model] / float(np.median(times))


def fail(results: Results, runner: str, reason: str, model: str | None = None) -> None:
    """Skip a runner (for one model, or all), with the reason for the notes."""
    progress(f"  {runner}{'' if model is None else ', ' + model}: {reason}")
    for m in results.models:
        if model is None or m.key == model:
            results.status.setdefault((runner, m.key), reason)


# --------------------------------------------------------------------------- data


def prepare_data(directory: Path, results: Results, args: argparse.Namespace) -> str:
    """Save the first MNIST training images as float32 ``x.npy``; return the source."""
    import warnings

    from upsample.datasets import mnist

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the sample warning: reported in the table instead
        ((x_train, _), _), source = mnist.load(quiet=True)
    available = len(x_train)
    needed = 0
    for m in results.models:
        b = results.batch[m.key]
        asked = results.samples[m.key]
        n = max(b, min(asked, available) // b * b)  # whole batches only
        if n != asked:
            why = (
                f"only {available:,} images available"
                if asked > available
                else "a smaller last batch would retrace Keras's train function"
            )
            results.notes.append(
                f"{m.title}: {n:,} samples per epoch instead of {asked:,}, whole batches of "
                f"{b} ({why})"
            )
        results.samples[m.key] = n
        needed = max(needed, n, args.check_steps * b)
    if needed > available:
        raise SystemExit(f"MNIST has only {available:,} images here; this run needs {needed:,}")
    x = x_train[:needed].reshape(-1, 28, 28, 1).astype(np.float32)
    x /= 255
    np.save(directory / "x.npy", x)
    return source.describe()


# --------------------------------------------------------------------------- phases


def start_workers(
    results: Results, directory: Path, args: argparse.Namespace, script: Path = WORKER_SCRIPT
) -> dict[str, WorkerProcess]:
    """One `script` process per runner that is installed, greeted; the others are skipped."""
    workers: dict[str, WorkerProcess] = {}
    for r in results.runners:
        missing = [m for m in r.modules if importlib.util.find_spec(m) is None]
        if missing:
            fail(
                results,
                r.name,
                f'not installed (no module {", ".join(missing)}; pip install -e ".[bench]")',
            )
            continue
        threads = r.threads or args.threads
        env = {**r.env, "BENCH_TORCH_ADAM": args.torch_adam}
        workers[r.name] = WorkerProcess(
            [sys.executable, str(script), r.worker, str(directory), str(threads)],
            env,
            directory / f"{r.name}.log",
        )
    for name, worker in list(workers.items()):
        try:
            hello = worker.receive(args.timeout)
        except PeerError as error:
            fail(results, name, f"could not start: {error}")
            workers.pop(name).close()
            continue
        for k, v in hello["versions"].items():
            if k != "numpy":
                results.versions.setdefault(k, v)
        results.details[name] = dict(hello.get("details", {}))
        progress(f"{name}: started ({results.details[name].get('threads', '')})")
    return workers


def initial_weights(
    results: Results, workers: dict[str, WorkerProcess], directory: Path, args: argparse.Namespace
) -> dict[str, str]:
    """One set of initial weights per model, from the first runner able to make it."""
    files: dict[str, str] = {}
    for m in results.models:
        for name in INIT_PREFERENCE:
            if name not in workers or not results.ok(name, m.key):
                continue
            file = f"initial-{m.key}.npz"
            try:
                answer = workers[name].request(
                    {"cmd": "init", "model": m.key, "seed": args.seed, "file": file}, args.timeout
                )
            except PeerError as error:
                fail(results, name, f"could not build the model: {error}", m.key)
                continue
            if answer["count"] != m.params:
                results.notes.append(
                    f"{m.title}: {results.label(name)} counts {answer['count']:,} "
                    f"parameters, the seed {m.params:,}"
                )
            files[m.key] = file
            results.notes.append(
                f"{m.title}: initial weights made by {results.label(name)} "
                f"(seed {args.seed}), loaded into every runner"
            )
            break
        else:
            for r in results.runners:
                results.status.setdefault((r.name, m.key), "no runner could build the model")
    return files


def _weights(path: Path) -> list[np.ndarray]:
    with np.load(path) as npz:
        return [npz[f"arr_{i}"] for i in range(len(npz.files))]


def setup_and_check(
    results: Results,
    workers: dict[str, WorkerProcess],
    files: dict[str, str],
    directory: Path,
    args: argparse.Namespace,
) -> None:
    """Load the weights in every runner, check a few steps against ours, warm up."""
    for m in results.models:
        if m.key not in files:
            continue
        initial = _weights(directory / files[m.key])
        after: dict[str, list[np.ndarray]] = {}
        for name, worker in workers.items():
            if not results.ok(name, m.key):
                continue
            progress(f"{name}, {m.key}: check steps and warm-up epoch")
            try:
                answer = worker.request(
                    {
                        "cmd": "setup",
                        "model": m.key,
                        "samples": results.samples[m.key],
                        "batch_size": results.batch[m.key],
                        "weights": files[m.key],
                        "check_steps": args.check_steps,
                        "warmup_max": args.warmup_max,
                    },
                    args.timeout,
                )
            except PeerError as error:
                if worker.proc.poll() is not None:
                    fail(results, name, f"crashed: {error}")
                else:
                    fail(results, name, f"failed: {error}", m.key)
                continue
            results.check[(name, m.key)] = answer["losses"]
            results.warmup[(name, m.key)] = answer["warmup"]
            n = results.samples[m.key]
            results.estimate[(name, m.key)] = answer["warmup"] * n / answer["warmup_samples"]
            if answer["warmup_samples"] < n:
                results.notes.append(
                    f"{results.label(name)}, {m.title}: the check steps took "
                    f"{answer['step_times'][-1]:.1f} s a batch, so the warm-up ran only "
                    f"{answer['warmup_samples']:,} of the {n:,} samples (JIT compilation "
                    "had happened in the check steps)"
                )
            for k, v in answer.get("info", {}).items():
                results.details.setdefault(name, {})[f"{m.key} {k}"] = v
            after[name] = _weights(directory / answer["weights"])
            progress(
                f"{name}, {m.key}: check losses "
                + ", ".join(f"{x:.6f}" for x in answer["losses"])
                + f"; warm-up epoch {answer['warmup']:.1f} s"
            )
        reference = OURS if OURS in after else next(iter(after), None)
        if reference is None:
            continue
        if reference != OURS:
            results.notes.append(
                f"{m.title}: ours not available; runners checked against {results.label(reference)}"
            )
        ref_losses = np.asarray(results.check[(reference, m.key)])
        ref_update = [a - w for a, w in zip(after[reference], initial)]
        scale = max(float(np.max(np.abs(u))) for u in ref_update) or 1.0
        for name in after:
            losses = np.asarray(results.check[(name, m.key)])
            err = float(np.max(np.abs(losses - ref_losses) / np.abs(ref_losses)))
            results.check_error[(name, m.key)] = err
            if len(after[name]) == len(initial) and all(
                a.shape == w.shape for a, w in zip(after[name], initial)
            ):
                diff = max(
                    float(np.max(np.abs((a - w) - u)))
                    for a, w, u in zip(after[name], initial, ref_update)
                )
                results.update_error[(name, m.key)] = diff / scale
            if err > args.check_tolerance:
                results.differs[(name, m.key)] = (
                    f"its check losses differ from "
                    f"{'ours' if reference == OURS else results.label(reference)} by "
                    f"{err:.1e} (tolerance {args.check_tolerance:.0e}): NOT THE SAME MATHS"
                )


def run_rounds(
    results: Results, workers: dict[str, WorkerProcess], args: argparse.Namespace
) -> None:
    """Time one epoch per (runner, model) per round, in rotating order.

    A slow cell, whose epochs would take more than ``--cell-budget`` seconds in all,
    joins only some rounds (at least one), spread over the run.
    """
    names = [r.name for r in results.runners if r.name in workers]
    joins: dict[tuple[str, str], set[int]] = {}
    total = 0.0
    for (name, key), epoch in results.estimate.items():
        n = max(1, min(args.rounds, int(args.cell_budget // max(epoch, 1e-9))))
        if n == 1:
            joins[(name, key)] = {args.rounds // 2}
        else:
            joins[(name, key)] = {round(i * (args.rounds - 1) / (n - 1)) for i in range(n)}
        if n < args.rounds:
            results.notes.append(
                f"{results.label(name)}, {results.title(key)}: about "
                f"{epoch:.0f} s an epoch, so timed in {n} of the {args.rounds} rounds "
                f"(--cell-budget {args.cell_budget:g} s)"
            )
        total += n * epoch
    progress(f"timing {args.rounds} rounds, about {total / 60:.1f} min")
    start = time.perf_counter()
    for r in range(args.rounds):
        for m in results.models:
            for name in rotated(names, r):
                if not results.ok(name, m.key) or r not in joins.get((name, m.key), ()):
                    continue
                try:
                    answer = workers[name].request({"cmd": "epoch", "model": m.key}, args.timeout)
                except PeerError as error:
                    if workers[name].proc.poll() is not None:
                        fail(results, name, f"crashed while timing: {error}")
                    else:
                        fail(results, name, f"failed while timing: {error}", m.key)
                    continue
                results.epochs.setdefault((name, m.key), []).append(answer["seconds"])
                results.losses.setdefault((name, m.key), []).append(answer["loss"])
                time.sleep(args.settle)
        progress(f"  round {r + 1}/{args.rounds} done ({time.perf_counter() - start:.0f} s)")


def measure_memory(results: Results, directory: Path, args: argparse.Namespace) -> None:
    """Peak RSS of one `fit` epoch of ae_tr at batch 1000, each runner in a fresh process."""
    for name in args.memory_runners.split(","):
        if not name:
            continue
        r = RUNNERS_BY_NAME[name]
        entry: dict[str, Any] = {"runner": name, "samples_asked": args.memory_samples}
        missing = [m for m in r.modules if importlib.util.find_spec(m) is None]
        if missing:
            entry["error"] = f"not installed (no module {', '.join(missing)})"
            results.memory.append(entry)
            continue
        progress(
            f"memory: {name}, ae_tr fit on {args.memory_samples:,} images at batch "
            f"{args.memory_batch} in a fresh process"
        )
        log = directory / f"memory-{name}.log"
        argv = [
            sys.executable,
            str(WORKER_SCRIPT),
            "--memory",
            r.worker,
            "ae_tr",
            str(r.threads or args.threads),
            str(args.memory_samples),
            str(args.memory_batch),
        ]
        try:
            with open(log, "w") as err:
                proc = subprocess.run(
                    argv,
                    stdout=subprocess.PIPE,
                    stderr=err,
                    text=True,
                    timeout=args.memory_timeout,
                    env={**os.environ, **r.env, "BENCH_TORCH_ADAM": args.torch_adam},
                )
            lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
            answer = json.loads(lines[-1]) if lines else {"ok": False, "error": "no answer"}
            if not answer.get("ok"):
                tail = " | ".join(log.read_text(errors="replace").strip().splitlines()[-3:])
                entry["error"] = f"{answer.get('error')} (exit code {proc.returncode}; {tail})"
            else:
                entry.update(answer)
                progress(
                    f"  peak RSS {answer['peak_mib']:.0f} MiB ({answer['fit_seconds']:.0f} s fit)"
                )
        except subprocess.TimeoutExpired:
            entry["error"] = f"did not finish within {args.memory_timeout:g} s"
        results.memory.append(entry)


# --------------------------------------------------------------------------- report


def fmt_rate(rate: float) -> str:
    return f"{rate:,.0f}" if rate >= 100 else f"{rate:.1f}" if rate >= 10 else f"{rate:.2f}"


def report(results: Results, args: argparse.Namespace, env: dict[str, str], data: str) -> str:
    peers = [r for r in results.runners if r.name != OURS]
    ours_label = RUNNERS_BY_NAME[OURS].label
    lines = [
        "# Training throughput of the seed autoencoders: upsample vs Keras 3 and PyTorch",
        "",
        f"- Date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"- Machine: {env['CPU']}; {env['OS']}"
        + (f"; 1-min load average {env['load']}" if "load" in env else ""),
        f"- Python {env['Python']}; NumPy {env['NumPy']}; upsample {env['upsample']}",
        "- Peers: "
        + "; ".join(f"{k} {v}" for k, v in results.versions.items() if k != "upsample")
        + ("" if len(results.versions) > 1 else " (none available)"),
        "- Threads: "
        + "; ".join(
            f"{RUNNERS_BY_NAME[n].label}: {d['threads']}"
            for n, d in results.details.items()
            if "threads" in d
        ),
        f"- Data: {data}; the first samples of the training set, float32 / 255, input = target",
        f"- Method: {args.check_steps} check steps and 1 warm-up epoch per runner (not timed), "
        f"then {args.rounds} rounds of one whole epoch per runner and model, rotating the order; "
        "throughput = samples per epoch / median epoch time"
        + (" - QUICK SMOKE RUN, not representative" if args.quick else ""),
        "",
        "## Samples per second (median), and ours / peer (> 1: ours is faster)",
        "",
    ]
    header = ["Model", "batch", "samples / epoch", ours_label, *(r.label for r in peers)]
    header += ["ours / fastest peer", "target"]
    lines += [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(header) - 2) + ["---"]) + "|",
    ]
    shortfalls = []
    for m in results.models:
        ours = results.throughput(OURS, m.key)
        row = [m.title, str(results.batch[m.key]), f"{results.samples[m.key]:,}"]
        row.append(
            (fmt_rate(ours) if ours else "skipped" if not results.ok(OURS, m.key) else "n/a")
            + (" (!)" if (OURS, m.key) in results.differs else "")
        )
        rates: dict[str, float] = {}
        for r in peers:
            rate = results.throughput(r.name, m.key)
            if rate is None:
                row.append("skipped" if not results.ok(r.name, m.key) else "n/a")
                continue
            rates[r.name] = rate
            flag = " (!)" if (r.name, m.key) in results.differs else ""
            row.append(fmt_rate(rate) + (f" ({ours / rate:.2f}x)" if ours else "") + flag)
        best = max(rates, key=rates.__getitem__) if rates else None
        if best and ours:
            row.append(f"**{ours / rates[best]:.2f}x** ({RUNNERS_BY_NAME[best].label})")
        else:
            row.append("n/a")
        targets = []
        if m.key == "ae_up":
            goals = [("fastest peer", best, 1.3, "target")]
        else:
            torch_names: list[str] = [n for n in ("torch_cl", "torch_cl_1t") if n in rates]
            fastest_torch = max(torch_names, key=rates.__getitem__) if torch_names else None
            goals = [
                ("PyTorch", fastest_torch, 1.0, "target"),
                ("Keras/TF", "keras_tf" if "keras_tf" in rates else None, 1.0, "aim"),
            ]
        for what, who, need, kind in goals:
            text = f"{kind} >= {need:g}x {what}"
            if who is None or not ours:
                targets.append(f"{text}: n/a")
                continue
            ratio = ours / rates[who]
            met = ratio >= need
            targets.append(f"{text}: {'met' if met else 'MISSED'} ({ratio:.2f}x)")
            if not met:
                shortfalls.append(f"{m.title}: {ratio:.2f}x, {text} ({RUNNERS_BY_NAME[who].label})")
        row.append("; ".join(targets))
        lines.append("| " + " | ".join(row) + " |")

    lines += [
        "",
        "## Spread: epochs timed, 25th-75th percentile of samples/s, warm-up epoch, last loss",
        "",
    ]
    header = ["Model", *(r.label for r in results.runners)]
    lines += [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|",
    ]
    for m in results.models:
        row = [m.title]
        for r in results.runners:
            times = results.epochs.get((r.name, m.key))
            if not times or not results.ok(r.name, m.key):
                row.append("-")
                continue
            rates_ = results.samples[m.key] / np.asarray(times)
            lo, hi = np.percentile(rates_, [25, 75])
            warm = results.warmup.get((r.name, m.key))
            row.append(
                f"{len(times)}: {fmt_rate(lo)}..{fmt_rate(hi)}; warm-up {warm:.1f} s; "
                f"loss {results.losses[(r.name, m.key)][-1]:.4f}"
            )
        lines.append("| " + " | ".join(row) + " |")

    lines += [
        "",
        "## Correctness: the same maths?",
        "",
        f"Before timing, from the same initial weights: {args.check_steps} training steps, "
        "each a one-batch `fit` on batch i of the data. Shown: the step losses (the loss of "
        "each batch before its update), their largest relative difference from ours "
        f"(tolerance {args.check_tolerance:.0e}), and max |peer update - our update| / "
        "max |our update| of the weights after the steps (Adam's first steps move "
        "every weight by about the learning rate, so this is sensitive to tiny gradients).",
        "",
        "| Model | Runner | step losses | vs ours | weight updates vs ours |",
        "|---|---|---|---:|---:|",
    ]
    for m in results.models:
        for r in results.runners:
            losses = results.check.get((r.name, m.key))
            if losses is None:
                continue
            err = results.check_error.get((r.name, m.key))
            upd = results.update_error.get((r.name, m.key))
            lines.append(
                f"| {m.title} | {r.label} | "
                + ", ".join(f"{x:.7f}" for x in losses)
                + f" | {'-' if err is None else f'{err:.1e}'}"
                + (" (!)" if (r.name, m.key) in results.differs else "")
                + f" | {'-' if upd is None else f'{upd:.1e}'} |"
            )

    if results.memory or args.memory_samples:
        lines += [
            "",
            f"## Memory: peak RSS of `fit` (AE-tr, batch {args.memory_batch}, one epoch), "
            "fresh process",
            "",
            "| Runner | images | peak RSS (ru_maxrss) | peak before fit | fit time | target |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for e in results.memory:
            label = RUNNERS_BY_NAME[e["runner"]].label
            if "error" in e:
                lines.append(f"| {label} | - | failed: {e['error']} | - | - | - |")
                continue
            peak = e["peak_mib"] * 2**20
            fraction = (
                ""
                if e["samples"] >= 60000
                else f" ({e['samples'] / 60000:.0%} of an epoch: FEWER than 60,000 images)"
            )
            target = "-"
            if e["runner"] == OURS:
                met = peak < MEMORY_TARGET_BYTES
                target = f"< 1.5 GB: {'met' if met else 'MISSED'}"
                if not met:
                    shortfalls.append(f"memory: peak RSS {peak / 1e9:.2f} GB, target < 1.5 GB")
            lines.append(
                f"| {label} | {e['samples']:,}{fraction} | {peak / 1e9:.2f} GB "
                f"({e['peak_mib']:,.0f} MiB) | {e['before_fit_peak_mib']:,.0f} MiB "
                f"| {e['fit_seconds']:.0f} s | {target} |"
            )
        lines += [
            "",
            "Peak RSS includes the interpreter, the imported libraries, MNIST (uint8, then "
            f"float32: {60000 * 784 * 4 / 2**20:.0f} MiB for 60,000 images) and the model; "
            "'peak before fit' is the high-water mark just before `fit` is called.",
        ]

    lines += ["", "## Notes", ""]
    if shortfalls:
        lines.append("- Below target: " + "; ".join(shortfalls) + ".")
    for (name, key), why in results.differs.items():
        lines.append(f"- {RUNNERS_BY_NAME[name].label}, {MODELS_BY_KEY[key].title}: {why}")
    skipped: dict[tuple[str, str], list[str]] = {}
    for (name, key), reason in results.status.items():
        skipped.setdefault((name, reason), []).append(MODELS_BY_KEY[key].title)
    for (name, reason), titles in skipped.items():
        which = "all models" if len(titles) == len(results.models) else ", ".join(titles)
        lines.append(f"- {RUNNERS_BY_NAME[name].label} skipped ({which}): {reason}")
    lines += [f"- {note}" for note in results.notes]
    for name, d in results.details.items():
        jit = {k: v for k, v in d.items() if k.endswith("jit_compile")}
        if jit:
            lines.append(
                f"- {RUNNERS_BY_NAME[name].label}: compile(jit_compile='auto') resolved to "
                + ", ".join(f"{k.split()[0]} {v}" for k, v in jit.items())
                + (
                    " (Keras disables XLA on CPU-only TensorFlow: fit runs a tf.function graph)"
                    if name == "keras_tf"
                    else " (the train step is jax.jit-compiled; compilation is in the warm-up)"
                    if name == "keras_jax"
                    else ""
                )
            )
    lines += [f"- {r.label}: {r.description}." for r in results.runners]
    adam = (
        "torch.optim.Adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-7): torch's epsilon placement "
        "(added to sqrt of the bias-corrected v)"
        if args.torch_adam == "torch"
        else "hand-written with Keras's epsilon placement (eps added to sqrt of the uncorrected "
        "v, step lr*sqrt(1-b2^t)/(1-b1^t)), torch._foreach_* ops"
    )
    lines += [
        f"- PyTorch's Adam: {adam}.",
        "- Keras on TensorFlow computes binary cross-entropy from the sigmoid's logits "
        "(Keras 3 tags the sigmoid output with `_keras_logits` and the TF backend uses "
        "`sigmoid_cross_entropy_with_logits`), without the [1e-7, 1 - 1e-7] clipping that "
        "Keras on JAX, upsample and the PyTorch equivalent apply: the same loss away from "
        "saturation, a different gradient for saturated outputs.",
        "- Epoch time = the whole `fit` call (Keras: its data adapter, callbacks and loss "
        "tracking included) or the whole torch loop (the data pre-converted to a tensor "
        "once, not timed); gc.collect() before each epoch.",
        f"- Command: `{' '.join(['python benchmarks/bench_training.py', *args.argv])}`",
    ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- main


def add_run_options(
    parser: argparse.ArgumentParser,
    *,
    cell_budget: float,
    warmup_max: float,
    check_tolerance: float,
) -> None:
    """The options of the shared phases (check, warm-up, rounds) and of the runners' threads."""
    parser.add_argument(
        "--cell-budget",
        type=float,
        default=cell_budget,
        help="seconds of timed epochs per runner and model beyond which a slow one joins "
        f"fewer rounds, at least one (default {cell_budget:g})",
    )
    parser.add_argument(
        "--warmup-max",
        type=float,
        default=warmup_max,
        help="a runner whose check steps predict a longer epoch than this (s) warms up on "
        f"only the batches that fit in it (default {warmup_max:g})",
    )
    parser.add_argument(
        "--check-steps",
        type=int,
        default=3,
        help="training steps compared with ours before timing (default 3)",
    )
    parser.add_argument(
        "--check-tolerance",
        type=float,
        default=check_tolerance,
        help="largest relative difference of a check-step loss from ours "
        f"(default {check_tolerance:g})",
    )
    parser.add_argument(
        "--torch-adam",
        choices=("keras", "torch"),
        default="keras",
        help="PyTorch's Adam: 'keras' = hand-written, Keras's epsilon placement (default); "
        "'torch' = torch.optim.Adam(eps=1e-7)",
    )
    cores = usable_cores()
    parser.add_argument(
        "--threads",
        type=int,
        default=cores,
        help=f"threads for ours, torch (torch_cl) and TF intra-op (default: usable cores, {cores})",
    )


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench_training.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: few samples, 2 rounds, 2,000 images for memory; writes no file "
        "unless --output is given",
    )
    parser.add_argument(
        "--models",
        default=",".join(m.key for m in MODELS),
        help="comma-separated models (default: all): " + ", ".join(m.key for m in MODELS),
    )
    parser.add_argument(
        "--runners",
        default=",".join(r.name for r in RUNNERS),
        help="comma-separated runners (default: all): " + ", ".join(r.name for r in RUNNERS),
    )
    parser.add_argument(
        "--samples-up", type=int, help="samples per epoch for ae_up (default 2000; --quick: 250)"
    )
    parser.add_argument(
        "--samples-tr", type=int, help="samples per epoch for ae_tr (default 10000; --quick: 2000)"
    )
    parser.add_argument("--batch-up", type=int, default=25, help="batch size of ae_up (default 25)")
    parser.add_argument(
        "--batch-tr", type=int, default=1000, help="batch size of ae_tr (default 1000)"
    )
    parser.add_argument(
        "--rounds", type=int, help="timed epochs per runner and model (default 5; --quick: 2)"
    )
    add_run_options(parser, cell_budget=600, warmup_max=120, check_tolerance=1e-3)
    parser.add_argument(
        "--memory-samples",
        type=int,
        help="images for the memory measurement, 0 to skip it (default 60000, all of MNIST's "
        "training set; --quick: 2000); fewer is a fraction of an epoch",
    )
    parser.add_argument(
        "--memory-batch", type=int, default=1000, help="batch size of the memory run (default 1000)"
    )
    parser.add_argument(
        "--memory-runners",
        default=OURS,
        help="comma-separated runners whose memory is measured (default: ours)",
    )
    parser.add_argument(
        "--memory-timeout",
        type=float,
        default=3600,
        help="seconds allowed for one memory run (default 3600)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the initial weights (default 0)"
    )
    parser.add_argument(
        "--settle", type=float, default=0.1, help="pause in s between epochs (default 0.1)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=3600,
        help="seconds to wait for a runner's answer, e.g. one epoch (default 3600)",
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
    args.samples_up = args.samples_up or (250 if quick else 2000)
    args.samples_tr = args.samples_tr or (2000 if quick else 10000)
    args.rounds = args.rounds or (2 if quick else 5)
    if args.memory_samples is None:
        args.memory_samples = 2000 if quick else 60000
    if args.output is None and not quick:
        args.output = DEFAULT_OUTPUT
    if args.no_write:
        args.output = None
    for option, known in (("runners", RUNNERS_BY_NAME), ("models", MODELS_BY_KEY)):
        unknown = set(getattr(args, option).split(",")) - set(known) - {""}
        if unknown:
            parser.error(f"unknown {option} {sorted(unknown)}; choose from {list(known)}")
    unknown = set(args.memory_runners.split(",")) - set(RUNNERS_BY_NAME) - {""}
    if unknown:
        parser.error(
            f"unknown memory runners {sorted(unknown)}; choose from {list(RUNNERS_BY_NAME)}"
        )
    for name in ("samples_up", "samples_tr", "batch_up", "batch_tr", "rounds", "threads",
                 "check_steps", "memory_batch"):  # fmt: skip
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.memory_samples < 0:
        parser.error("--memory-samples must be at least 0")
    if args.memory_samples == 0:
        args.memory_runners = ""
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    models = [MODELS_BY_KEY[k] for k in dict.fromkeys(args.models.split(",")) if k]
    runners = [r for r in RUNNERS if r.name in args.runners.split(",")]
    results = Results(models, runners)
    for m in models:
        results.batch[m.key] = args.batch_up if m.key == "ae_up" else args.batch_tr
        results.samples[m.key] = args.samples_up if m.key == "ae_up" else args.samples_tr
    env = machine(dirty_paths=("src/upsample",))
    load_start = load_average()
    if load_start is not None and load_start > 0.5 * args.threads:
        progress(
            f"warning: load average {load_start:.1f} on {args.threads} threads: other "
            "processes compete for the CPU; the ratios will be noisier"
        )
    with tempfile.TemporaryDirectory(prefix="bench_training-") as tmp:
        directory = Path(tmp)
        data = prepare_data(directory, results, args)
        progress(
            "data: "
            + ", ".join(f"{m.key} {results.samples[m.key]:,} samples" for m in models)
            + f" ({data})"
        )
        workers = start_workers(results, directory, args)
        try:
            files = initial_weights(results, workers, directory, args)
            setup_and_check(results, workers, files, directory, args)
            run_rounds(results, workers, args)
        finally:
            for worker in workers.values():
                worker.close()
        load_timed = load_average()
        # After the timing, with every worker gone: nothing else of ours competes.
        if args.memory_runners:
            measure_memory(results, directory, args)
    load_end = load_average()
    if load_start is not None and load_end is not None:
        env["load"] = (
            f"{load_start:.1f} at start, {load_timed:.1f} after the timing, {load_end:.1f} at end"
        )
    text = report(results, args, env, data)
    print(text)
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
        progress(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
