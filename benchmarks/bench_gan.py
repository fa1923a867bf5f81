"""GAN training throughput on the 28x28 pair: upsample vs Keras 3 (TensorFlow) and PyTorch.

A benchmark, not a test: it prints (and saves) a markdown table of GAN training
throughput, in real images per second (each image one sample of a full
discriminator + generator step; the median over timed epochs), of the zoo's two
28x28 generators against their discriminator, measured side by side in one run
on this machine, and the ratios ``ours / peer`` (above 1: we are faster).  The
target (issue 16): at least PyTorch's throughput.

Models (`_gan_workers.py` has the listings), each trained as a DCGAN at batch 64
(the batch of Keras's MNIST DCGAN example), latent size 100 (the zoo's):

* ``gan_up``  ``generator-upsampling-28`` (UpSampling2D + Conv2D) and ``discriminator_28``;
* ``gan_tr``  ``generator-transpose-28`` (Conv2DTranspose) and ``discriminator_28``;

862,978 parameters per GAN (782,209 generator + 80,769 discriminator).  One step is
Keras's DCGAN example's ``train_step`` as `upsample.models.GAN` computes it: the
discriminator on generated and real images, then the generator through the frozen
discriminator, both in training mode (Dropout 0.2 active), DCGAN's Adam for each.

Runners, each in its own process (``_gan_workers.py``):

* ``ours``         `upsample.models.GAN` of the zoo's networks, ``gan.fit(x,
  batch_size=64, epochs=1, verbose=0, shuffle=False)``;
* ``keras_tf``     Keras 3 on TensorFlow: a ``keras.Model`` holding the same networks
  (written with keras.layers) whose ``train_step`` is the example's (two
  ``tf.GradientTape``\\ s, ``keras.random`` draws), the same ``fit`` call;
* ``torch_cl``     PyTorch eager, channels_last, ``torch.set_num_threads(THREADS)``:
  hand-written twins of the networks (Keras's 'same' padding and cropping, Flatten
  order), the same step (generated under ``no_grad``, the generator's gradient by
  ``backward(inputs=generator params)``), BCE clipped as Keras, Adam with Keras's
  epsilon placement;
* ``torch_cl_1t``  the same with ``torch.set_num_threads(1)``; the PyTorch target
  uses the faster of the two.

A runner that is not installed, fails to start or crashes is skipped with a note;
the benchmark never crashes on a peer.

Method (`bench_training.py`'s phases, shared).  Every runner loads the same initial
weights (made by ours, seed ``--seed``).  Correctness first: ``--check-steps`` GAN
steps on the first batches of the data with the same latents and label noise
(drawn here and handed to every runner) and the discriminator's Dropout at rate 0
(the frameworks would draw different masks); both losses of every step must agree
with ours within ``--check-tolerance`` (relative), else the runner's column is
flagged "not the same maths".  Then one warm-up epoch, not timed, and ``--rounds``
rounds of one timed epoch per runner and model, the order rotating from round to
round; throughput = samples per epoch / median epoch time.

Set up (Python 3.11+), from the repository root::

    python3 -m venv .venv-bench && .venv-bench/bin/pip install -e ".[bench]"
    .venv-bench/bin/python benchmarks/bench_gan.py           # full run, about 10 minutes
    .venv-bench/bin/python benchmarks/bench_gan.py --quick   # smoke run, a few minutes

The full run writes its table to ``benchmarks/results/gan.md`` (``--output``); a
``--quick`` run writes nothing unless ``--output`` is given.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import load_average, machine, progress
from _gan_workers import LATENT_DIM
from _peers import PEERS_BY_NAME
from bench_training import (
    OURS,
    Model,
    Results,
    Runner,
    add_run_options,
    fmt_rate,
    initial_weights,
    run_rounds,
    setup_and_check,
    start_workers,
)

HERE = Path(__file__).resolve().parent
WORKER_SCRIPT = HERE / "_gan_workers.py"
DEFAULT_OUTPUT = HERE / "results" / "gan.md"
BATCH = 64

RUNNERS: tuple[Runner, ...] = (
    Runner(
        OURS,
        "upsample",
        "ours",
        ("upsample",),
        "upsample.models.GAN(discriminator_28(), zoo generator, 100), gan.compile() (DCGAN's "
        "Adam, BinaryCrossentropy, label noise 0.05), gan.fit(x, batch_size=b, epochs=1, "
        "verbose=0, shuffle=False); kernel threads = --threads",
    ),
    Runner(
        "torch_cl",
        "PyTorch CL",
        "torch_cl",
        ("torch",),
        "PyTorch eager, torch.channels_last, torch.set_num_threads(--threads); hand-written "
        "nn.Modules: stride-2 'same' Conv2d by F.pad (extra pixel bottom/right), "
        "ConvTranspose2d(padding=0) cropped to its first 2H rows/columns, "
        "F.interpolate(nearest), LeakyReLU(0.2), F.dropout, Flatten in (h, w, c) order; the "
        "step: generated under no_grad, D's BCE (clipped to [1e-7, 1 - 1e-7]) backward, Adam; "
        "G's BCE backward(inputs=G's parameters), Adam; noise by torch.randn / torch.rand",
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
        "Keras 3 on TensorFlow: a keras.Model subclass with the DCGAN example's train_step "
        "(keras.random draws, tf.GradientTape per network, training=True), compiled with "
        "Keras's defaults, the same fit call; TF intra-op threads = --threads",
        PEERS_BY_NAME["keras_tf"].env,
    ),
)
RUNNERS_BY_NAME = {r.name: r for r in RUNNERS}

PARAMS = 862_978  # 782,209 generator + 80,769 discriminator
MODELS: tuple[Model, ...] = (
    Model("gan_up", "GAN-up (UpSampling2D + Conv2D generator)", PARAMS, BATCH, 1280, 320),
    Model("gan_tr", "GAN-tr (Conv2DTranspose generator)", PARAMS, BATCH, 1280, 320),
)
MODELS_BY_KEY = {m.key: m for m in MODELS}


# --------------------------------------------------------------------------- data


def prepare_data(directory: Path, results: Results, args: argparse.Namespace) -> str:
    """Save the first MNIST training images as float32 ``x.npy`` and the check steps'
    images and draws as ``check.npz``; return the data's source."""
    import warnings

    from upsample.datasets import mnist

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the sample warning: reported in the table instead
        ((x_train, _), _), source = mnist.load(quiet=True)
    needed = max([args.check_steps * args.batch, *results.samples.values()])
    if needed > len(x_train):
        raise SystemExit(f"MNIST has only {len(x_train):,} images here; this run needs {needed:,}")
    x = x_train[:needed].reshape(-1, 28, 28, 1).astype(np.float32)
    x /= 255
    np.save(directory / "x.npy", x)
    rng = np.random.default_rng(args.seed)
    steps, b = args.check_steps, args.batch
    real = (
        x[: steps * b]
        if args.check_images == "mnist"
        else rng.random(x[: steps * b].shape, np.float32)
    )
    np.savez(
        directory / "check.npz",
        real=real.reshape(steps, b, 28, 28, 1),
        latents=rng.standard_normal((steps, b, LATENT_DIM), dtype=np.float32),
        label_noise=rng.random((steps, 2 * b, 1), dtype=np.float32),
        again=rng.standard_normal((steps, b, LATENT_DIM), dtype=np.float32),
    )
    return source.describe()


# --------------------------------------------------------------------------- report


def report(results: Results, args: argparse.Namespace, env: dict[str, str], data: str) -> str:
    peers = [r for r in results.runners if r.name != OURS]
    lines = [
        "# GAN training throughput, 28x28 pair: upsample vs Keras 3 (TensorFlow) and PyTorch",
        "",
        f"- Date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"- Machine: {env['CPU']}; {env['OS']}"
        + (f"; 1-min load average {env['load']}" if "load" in env else ""),
        f"- Python {env['Python']}; NumPy {env['NumPy']}; upsample {env['upsample']}",
        "- Peers: "
        + ("; ".join(f"{k} {v}" for k, v in results.versions.items() if k != "upsample") or "none"),
        "- Threads: "
        + "; ".join(
            f"{results.label(n)}: {d['threads']}"
            for n, d in results.details.items()
            if "threads" in d
        ),
        f"- Data: {data}; the first images of the training set, float32 / 255",
        f"- Method: batch {args.batch}, latent size {LATENT_DIM}; {args.check_steps} check steps "
        f"and 1 warm-up epoch per runner (not timed), then {args.rounds} rounds of one epoch per "
        "runner and model, rotating the order; samples/s = real images per epoch / median epoch "
        "time (each image: one sample of a full discriminator + generator step)"
        + (" - QUICK SMOKE RUN, not representative" if args.quick else ""),
        "",
        "## Samples per second (median), and ours / peer (> 1: ours is faster)",
        "",
    ]
    header = ["Model", "samples / epoch", results.label(OURS), *(r.label for r in peers)]
    header += ["target >= 1x PyTorch", "same first steps?"]
    lines += [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(header) - 3) + ["---", "---"]) + "|",
    ]
    shortfalls = []
    for m in results.models:
        ours = results.throughput(OURS, m.key)
        row = [m.title, f"{results.samples[m.key]:,}", fmt_rate(ours) if ours else "skipped"]
        rates: dict[str, float] = {}
        for r in peers:
            rate = results.throughput(r.name, m.key)
            if rate is None:
                row.append("skipped" if not results.ok(r.name, m.key) else "n/a")
                continue
            rates[r.name] = rate
            flag = " (!)" if (r.name, m.key) in results.differs else ""
            row.append(fmt_rate(rate) + (f" ({ours / rate:.2f}x)" if ours else "") + flag)
        torch_names = [n for n in ("torch_cl", "torch_cl_1t") if n in rates]
        if torch_names and ours:
            best = max(torch_names, key=rates.__getitem__)
            ratio = ours / rates[best]
            row.append(f"{'met' if ratio >= 1 else 'MISSED'} ({ratio:.2f}x {results.label(best)})")
            if ratio < 1:
                shortfalls.append(f"{m.title}: {ratio:.2f}x {results.label(best)}")
        else:
            row.append("n/a")
        checked = [n for n, key in results.check_error if key == m.key and n != OURS]
        failed = [results.label(n) for n in checked if (n, m.key) in results.differs]
        row.append(
            f"NO: {', '.join(failed)}" if failed else "yes, all" if checked else "not checked"
        )
        lines.append("| " + " | ".join(row) + " |")

    lines += [
        "",
        "## Spread: epochs timed, 25th-75th percentile of samples/s, warm-up epoch, last d_loss",
        "",
        "| Model | " + " | ".join(r.label for r in results.runners) + " |",
        "|---|" + "---:|" * len(results.runners),
    ]
    for m in results.models:
        row = [m.title]
        for r in results.runners:
            times = results.epochs.get((r.name, m.key))
            if not times or not results.ok(r.name, m.key):
                row.append("-")
                continue
            lo, hi = np.percentile(results.samples[m.key] / np.asarray(times), [25, 75])
            row.append(
                f"{len(times)}: {fmt_rate(lo)}..{fmt_rate(hi)}; warm-up "
                f"{results.warmup[(r.name, m.key)]:.1f} s; d_loss "
                f"{results.losses[(r.name, m.key)][-1]:.4f}"
            )
        lines.append("| " + " | ".join(row) + " |")

    lines += [
        "",
        "## Correctness: the same first steps from the same weights?",
        "",
        f"Before timing, every runner loads ours initial weights and takes {args.check_steps} "
        "GAN steps on the same real images ("
        + (
            f"the first {args.check_steps} MNIST batches"
            if args.check_images == "mnist"
            else "uniform noise in [0, 1), the default --check-images uniform"
        )
        + "), latents and label noise (the discriminator's Dropout at rate 0: the frameworks "
        "would draw "
        "different masks). Shown: d_loss / g_loss of each step, their largest relative "
        f"difference from ours (tolerance {args.check_tolerance:.0e}), and max |peer update - "
        "our update| / max |our update| of all weights after the steps (Adam's first steps "
        "move every weight by about the learning rate, so a ReLU or LeakyReLU input within "
        "rounding of 0 that takes the other branch on one side shows up here first).",
        "",
        "| Model | Runner | d_loss / g_loss per step | vs ours | weight updates vs ours |",
        "|---|---|---|---:|---:|",
    ]
    for m in results.models:
        for r in results.runners:
            losses = results.check.get((r.name, m.key))
            if losses is None:
                continue
            err = results.check_error.get((r.name, m.key))
            upd = results.update_error.get((r.name, m.key))
            steps = [f"{d:.6f} / {g:.6f}" for d, g in zip(losses[::2], losses[1::2])]
            lines.append(
                f"| {m.title} | {r.label} | {'; '.join(steps)} | "
                + ("-" if err is None else f"{err:.1e}")
                + (" (!)" if (r.name, m.key) in results.differs else "")
                + f" | {'-' if upd is None else f'{upd:.1e}'} |"
            )

    lines += ["", "## Notes", ""]
    if shortfalls:
        lines.append("- Below the PyTorch target: " + "; ".join(shortfalls) + ".")
    for (name, key), why in results.differs.items():
        lines.append(f"- {results.label(name)}, {results.title(key)}: {why}")
    for (name, key), reason in results.status.items():
        lines.append(f"- {results.label(name)} skipped ({results.title(key)}): {reason}")
    lines += [f"- {note}" for note in results.notes]
    lines += [f"- {r.label}: {r.description}." for r in results.runners]
    lines += [
        "- LeakyReLU'(0): upsample follows JAX (Keras on JAX), whose LeakyReLU has slope 1 at "
        "exactly 0; TensorFlow and PyTorch take the negative slope there. It matters in the "
        "first step from fresh weights on MNIST: the biases start at 0 and the digits' "
        "background is exactly 0, so the discriminator's convolutions output exact zeros "
        "over the background of the real images, and their bias gradients (sums over those "
        "positions) differ, while the kernel gradients agree (the inputs there are 0). "
        "Adam's first step turns that into a whole learning rate on the conv biases, and "
        "the g_loss of step 1 differs by a few 1e-4 (`--check-images mnist` shows it). So "
        "the check steps take uniform noise by default: no exact zeros, and then every "
        "difference is a real one.",
        "- Keras on TensorFlow computes binary cross-entropy from the sigmoid's logits "
        "(Keras 3 keeps them on the sigmoid output), without the [1e-7, 1 - 1e-7] clipping "
        "that upsample and the PyTorch twin apply: the same loss away from saturation.",
        "- Epoch time = the whole `fit` call (its data adapter, callbacks and loss means "
        "included) or the whole torch loop; gc.collect() before each epoch.",
        f"- Command: `{' '.join(['python benchmarks/bench_gan.py', *args.argv])}`",
    ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench_gan.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 320 samples an epoch, 2 rounds; writes no file unless --output is given",
    )
    parser.add_argument(
        "--models",
        default=",".join(MODELS_BY_KEY),
        help="comma-separated models (default: all): " + ", ".join(MODELS_BY_KEY),
    )
    parser.add_argument(
        "--runners",
        default=",".join(RUNNERS_BY_NAME),
        help="comma-separated runners (default: all): " + ", ".join(RUNNERS_BY_NAME),
    )
    parser.add_argument(
        "--samples", type=int, help="real images per timed epoch (default 1280; --quick: 320)"
    )
    parser.add_argument("--batch", type=int, default=BATCH, help=f"batch size (default {BATCH})")
    parser.add_argument("--rounds", type=int, help="timed epochs per runner and model (default 5)")
    add_run_options(parser, cell_budget=300, warmup_max=60, check_tolerance=1e-4)
    parser.add_argument(
        "--check-images",
        choices=("mnist", "uniform"),
        default="uniform",
        help="real images of the check steps: uniform noise in [0, 1) (default: no exact "
        "zeros, where the frameworks' LeakyReLU'(0) conventions differ; see the notes), or "
        "the first MNIST batches",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the weights and check draws (default 0)"
    )
    parser.add_argument(
        "--settle", type=float, default=0.1, help="pause in s between epochs (default 0.1)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=1800,
        help="seconds to wait for a runner's answer, e.g. one epoch (default 1800)",
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
    args.samples = args.samples or (320 if args.quick else 1280)
    args.rounds = args.rounds or (2 if args.quick else 5)
    if args.output is None and not args.quick:
        args.output = DEFAULT_OUTPUT
    if args.no_write:
        args.output = None
    for option, known in (("runners", RUNNERS_BY_NAME), ("models", MODELS_BY_KEY)):
        unknown = set(getattr(args, option).split(",")) - set(known) - {""}
        if unknown:
            parser.error(f"unknown {option} {sorted(unknown)}; choose from {list(known)}")
    for name in ("samples", "batch", "rounds", "threads", "check_steps"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.samples < args.batch:
        parser.error(f"--samples ({args.samples}) must hold at least one batch ({args.batch})")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    models = [MODELS_BY_KEY[k] for k in dict.fromkeys(args.models.split(",")) if k]
    runners = [r for r in RUNNERS if r.name in args.runners.split(",")]
    results = Results(models, runners)
    samples = args.samples // args.batch * args.batch  # whole batches: no retrace in Keras
    if samples != args.samples:
        results.notes.append(f"{samples:,} samples per epoch, whole batches of {args.batch}")
    for m in models:
        results.batch[m.key], results.samples[m.key] = args.batch, samples
    env = machine(dirty_paths=("src/upsample",))
    load_start = load_average()
    if load_start is not None and load_start > 0.5 * args.threads:
        progress(
            f"warning: load average {load_start:.1f} on {args.threads} threads: other "
            "processes compete for the CPU; the ratios will be noisier"
        )
    with tempfile.TemporaryDirectory(prefix="bench_gan-") as tmp:
        directory = Path(tmp)
        data = prepare_data(directory, results, args)
        progress(f"data: {samples:,} samples per epoch, batch {args.batch} ({data})")
        workers = start_workers(results, directory, args, WORKER_SCRIPT)
        try:
            files = initial_weights(results, workers, directory, args)
            setup_and_check(results, workers, files, directory, args)
            run_rounds(results, workers, args)
        finally:
            for worker in workers.values():
                worker.close()
    load_end = load_average()
    if load_start is not None and load_end is not None:
        env["load"] = f"{load_start:.1f} at start, {load_end:.1f} at end"
    text = report(results, args, env, data)
    print(text)
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
        progress(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
