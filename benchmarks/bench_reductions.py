"""Sums over batch and spatial axes: accuracy against float64 and speed, before and after.

A benchmark, not a test (tests/parity/test_reduction_precision_parity.py checks the
accuracy against Keras).  It prints (and with ``--output`` writes) a markdown table,
one row per reduction the seeds' training runs, on the seeds' shapes:

* the bias gradient of every convolution of seed 000's autoencoder (``ae-upsampling``)
  at batch 25 and of seed 004's (``ae-transpose``) at batch 1000: the output
  gradient ``(N, H, W, C)`` summed over N, H and W;
* BatchNormalization on a (1000, 28, 28, 32) batch: the batch mean and variance
  (forward, training) and the gamma and beta gradients (backward).

"before" is what upsample computed until this change, "after" what it computes now:

* bias gradients: one BLAS product ``ones @ rows`` (before), `ops.reductions.column_sums`
  (after: blocked products, float64 partial sums; a float64 copy for small arrays);
* BatchNormalization: NumPy's ``mean`` / ``sum`` over axes (0, 1, 2) (before),
  `ops.reductions.sum_except` (after).

Accuracy: ``max |result - exact| / max |exact|``, where `exact` is the float64 sum of
the same float32 values.  The values are drawn as gradients and activations are:
gradients ``N(0.02, 0.1)`` (mostly of one sign: long sums), activations ``N(0.5, 1)``.

Time: the median of many calls of each, run in interleaved rounds in this process
(so that a busy machine slows both alike), BLAS held to one thread as during training;
ratio = before / after (above 1: faster now).

Usage: ``python benchmarks/bench_reductions.py [--rounds 15] [--output FILE.md]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from upsample import runtime, zoo
from upsample.layers import Conv2D, Conv2DTranspose
from upsample.ops.reductions import column_sums, sum_except

Array = np.ndarray


@dataclass
class Case:
    name: str
    shape: tuple[int, ...]
    before: Callable[[], Array]
    after: Callable[[], Array]
    exact: Array
    times: dict[str, list[float]] = field(default_factory=lambda: {"before": [], "after": []})


def error(result: Array, exact: Array) -> float:
    return float(np.abs(result.astype(np.float64) - exact).max() / np.abs(exact).max())


def conv_output_shapes(name: str, batch: int) -> list[tuple[int, ...]]:
    model = zoo.get(name).build()
    return [
        (batch, *layer.output.shape[1:])
        for layer in model.layers
        if isinstance(layer, Conv2D | Conv2DTranspose)
    ]


def bias_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for model, batch in (("ae-upsampling", 25), ("ae-transpose", 1000)):
        for shape in conv_output_shapes(model, batch):
            g = rng.standard_normal(shape, dtype=np.float32) * np.float32(0.1) + np.float32(0.02)
            rows = g.reshape(-1, shape[-1])
            cases.append(
                Case(
                    f"bias gradient, {model}",
                    shape,
                    lambda rows=rows: np.ones(rows.shape[0], rows.dtype) @ rows,
                    lambda rows=rows: column_sums(rows),
                    g.sum(axis=(0, 1, 2), dtype=np.float64),
                )
            )
    return cases


def batch_normalization_cases(rng: np.random.Generator) -> list[Case]:
    shape, axes = (1000, 28, 28, 32), (0, 1, 2)
    count = np.float32(np.prod(shape[:-1]))
    x = rng.standard_normal(shape, dtype=np.float32) + np.float32(0.5)
    g = rng.standard_normal(shape, dtype=np.float32) * np.float32(0.1) + np.float32(0.02)
    x64 = x.astype(np.float64)
    mean64 = x64.mean(axis=axes)
    normalized64 = (x64 - mean64) / np.sqrt(x64.var(axis=axes) + 1e-3)
    exact_variance = x64.var(axis=axes)
    del x64
    normalized = normalized64.astype(np.float32)
    exact_gamma = (g.astype(np.float64) * normalized64).sum(axis=axes)
    del normalized64

    def variance_before() -> Array:
        return np.square(x - x.mean(axis=axes)).mean(axis=axes)  # type: ignore[no-any-return]

    def variance_after() -> Array:
        centered = x - sum_except(x, -1) / count
        return sum_except(np.square(centered), -1) / count  # type: ignore[no-any-return]

    return [
        Case(
            "BN batch mean",
            shape,
            lambda: x.mean(axis=axes),
            lambda: sum_except(x, -1) / count,
            mean64,
        ),
        Case("BN batch variance", shape, variance_before, variance_after, exact_variance),
        Case(
            "BN beta gradient",
            shape,
            lambda: g.sum(axis=axes),
            lambda: sum_except(g, -1),
            g.sum(axis=axes, dtype=np.float64),
        ),
        Case(
            "BN gamma gradient",
            shape,
            lambda: (g * normalized).sum(axis=axes),
            lambda: sum_except(g * normalized, -1),
            exact_gamma,
        ),
    ]


def measure(cases: list[Case], rounds: int) -> None:
    """Interleaved rounds: every case's before and after, in alternating order."""
    for case in cases:  # warm-up
        case.before(), case.after()
    with runtime.single_threaded_blas():
        for index in range(rounds):
            for case in cases:
                order = ("before", "after") if index % 2 == 0 else ("after", "before")
                for which in order:
                    fn = case.before if which == "before" else case.after
                    start = time.perf_counter()
                    fn()
                    case.times[which].append(time.perf_counter() - start)


def table(cases: list[Case]) -> str:
    lines = [
        "| reduction | shape | error before | error after | before (ms) | after (ms) | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for case in cases:
        before, after = (statistics.median(case.times[k]) * 1e3 for k in ("before", "after"))
        lines.append(
            f"| {case.name} | {case.shape} | {error(case.before(), case.exact):.1e} | "
            f"{error(case.after(), case.exact):.1e} | {before:.3f} | {after:.3f} | "
            f"{before / after:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--output", help="also write the table (markdown) to this file")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    cases = bias_cases(rng) + batch_normalization_cases(rng)
    measure(cases, args.rounds)
    text = (
        f"{table(cases)}\n\nMedians of {args.rounds} interleaved rounds in one process, BLAS on "
        f"one thread; load average at the end: {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores.\n"
    )
    print(text)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as file:
            file.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
