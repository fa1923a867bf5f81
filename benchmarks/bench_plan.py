"""Planned against unplanned training steps of the seed autoencoders, in one process.

A benchmark, not a test: for AE-up (seed 000, batch 25) and AE-tr (seed 004,
batch 1000) it times one training step (`Model._train_step`, what `fit` runs per
batch) through the model's plan and layer by layer
(`upsample.config.set_planned_steps(False)`), on the same model and the same
batch, interleaved: each round runs `--steps` steps of one kind then of the other,
the order alternating from round to round, so that a shared machine's noise hits
both alike.  It prints the medians of the per-step wall time and of the process's
CPU time (`time.process_time`, every thread) and their ratios.

    .venv/bin/python benchmarks/bench_plan.py --rounds 15 --steps 20 [--tune-allocator]

`--tune-allocator` applies glibc's malloc settings first, as the `upsample`
command does; without it, what a library user who does not opt in gets.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from upsample import config
from upsample.utils import set_random_seed
from upsample.zoo import registry

MODELS = (("AE-up", "ae-upsampling", 25), ("AE-tr", "ae-transpose", 1000))


def _time_steps(
    model: object, x: np.ndarray, steps: int, planned: bool
) -> list[tuple[float, float]]:
    config.set_planned_steps(planned)
    times = []
    for _ in range(steps):
        wall, cpu = time.perf_counter(), time.process_time()
        model._train_step([x], [x], None)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--steps", type=int, default=20, help="steps per kind per round (AE-up)")
    parser.add_argument("--steps-tr", type=int, default=2, help="steps per kind per round (AE-tr)")
    parser.add_argument(
        "--tune-allocator", action="store_true", help="apply config.tune_allocator() first"
    )
    args = parser.parse_args()
    if args.tune_allocator:
        print(f"allocator tuned: {config.tune_allocator()}")
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    print("| model | unplanned ms (wall / CPU) | planned ms (wall / CPU) | speed-up (wall / CPU) |")
    print("|---|---:|---:|---:|")
    for label, name, batch in MODELS:
        set_random_seed(0)
        model = registry.get(name).compiled()
        x = np.random.default_rng(0).random((batch, 28, 28, 1), dtype=np.float32)
        model.train_on_batch(x, x)  # builds, compiles and plans outside the timing
        steps = args.steps if batch < 100 else args.steps_tr
        times: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
        for round_index in range(args.rounds):
            order = (True, False) if round_index % 2 else (False, True)
            for planned in order:
                times[planned] += _time_steps(model, x, steps, planned)
        config.set_planned_steps(True)
        medians = {
            kind: [statistics.median(t[i] for t in times[kind]) * 1e3 for i in (0, 1)]
            for kind in times
        }
        before, after = medians[False], medians[True]
        print(
            f"| {label} (batch {batch}) | {before[0]:.2f} / {before[1]:.2f} | "
            f"{after[0]:.2f} / {after[1]:.2f} | "
            f"{before[0] / after[0]:.3f}x / {before[1] / after[1]:.3f}x |"
        )
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
