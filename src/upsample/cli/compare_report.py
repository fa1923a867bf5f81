"""The report of `upsample compare --task autoencoder`: figures, tables, notes, results.json."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from upsample.analysis import azimuthal_spectrum, power_spectrum
from upsample.cli import engines
from upsample.cli.compare_autoencoders import (
    ARTIFACT_IMAGES,
    CURVE_IMAGES,
    LOSS,
    Budget,
    Measured,
)
from upsample.cli.data import Digits
from upsample.cli.options import options_record
from upsample.reports import comparison_plots, plots
from upsample.reports.files import write_json, write_text
from upsample.reports.machine import machine
from upsample.reports.report import Figure, Report, Section, Table
from upsample.zoo import comparison

INPUTS = "inputs (test digits)"


def write(
    results: list[Measured],
    digits: Digits,
    budget: Budget,
    timing: dict[str, Any],
    args: argparse.Namespace,
    folder: Path,
) -> list[str]:
    """Write the figures, report.md, report.html and results.json; return a console summary."""
    details = _details(digits, budget, timing, args)
    figures = _figures(results, digits, folder)
    document = _report(results, digits, budget, figures, details)
    write_text(folder / "report.md", document.markdown())
    write_text(folder / "report.html", document.html())
    write_json(
        folder / "results.json",
        {
            "options": options_record(args),
            "budget": {
                "steps": budget.steps,
                "batch_size": budget.batch_size,
                "learning_rate": budget.learning_rate,
                "seed": budget.seed,
                "train_images": budget.train_images,
                "test_images": len(digits.test),
            },
            "engine": budget.engine,
            "data": digits.record(),
            "timing": timing,
            "machine": details,
            "models": [result.record() for result in results],
        },
    )
    return [
        "  ".join(cells)
        for cells in [
            [
                "Model".ljust(24),
                "Test BCE",
                "PSNR dB",
                "Phase imb.",
                "Flat init -> trained",
                "Time",
            ],
            *(
                [
                    r.candidate.name.ljust(24),
                    f"{r.test.bce:8.4f}",
                    f"{r.test.psnr:7.2f}",
                    f"{_number(r.artifacts['outputs/phase_imbalance']):>10}",
                    f"{_flat(r):>20}",
                    f"{r.seconds:5.1f} s",
                ]
                for r in results
            ),
        ]
    ]


# --------------------------------------------------------------------------- figures


def _figures(results: list[Measured], digits: Digits, folder: Path) -> dict[str, Figure]:
    names = {r.candidate.name: r for r in results}
    measured_on = digits.test[:ARTIFACT_IMAGES]
    figures = {
        "loss": (
            comparison_plots.loss_against_steps_and_seconds(
                {name: r.curve for name, r in names.items()},
                loss_name=LOSS,
                title=f"Test loss (first {min(CURVE_IMAGES, len(digits.test))} test digits) "
                "during training",
            ),
            "Test loss against optimizer steps (left) and against seconds of training "
            "(right; the measuring is left out of the time)",
        ),
        "reconstructions": (
            plots.image_rows(
                {"Original": digits.shown, **{n: r.reconstructions for n, r in names.items()}},
                title="The first eight test digits and each model's reconstructions",
                column_titles=[f"target = {int(t)}" for t in digits.shown_targets],
            ),
            "Reconstructions of the first eight test digits, one row per model",
        ),
        "spectra": (
            comparison_plots.spectra(
                {INPUTS: power_spectrum(measured_on), **{n: r.spectrum for n, r in names.items()}},
                title="Mean power spectrum of the outputs (log10; frequency 0 at the centre)",
            ),
            f"Mean power spectrum of each model's outputs on {len(measured_on):,} test digits, "
            "beside the digits' own: a checkerboard of period 2 or 4 shows as points at "
            "multiples of 1/4 cycle per pixel",
        ),
        "radial_spectra": (
            comparison_plots.radial_spectra(
                {
                    INPUTS: azimuthal_spectrum(measured_on),
                    **{n: r.radial for n, r in names.items()},
                },
                reference=INPUTS,
                title="Azimuthally averaged power spectra of the outputs",
            ),
            "The same spectra averaged over angles: power above the inputs' at high "
            "frequencies is detail the digits do not have",
        ),
        "flat_response": (
            comparison_plots.flat_responses(
                {
                    n: [
                        (r.flat_images[0], f"imbalance {_number(r.flat_initial)}"),
                        (r.flat_images[1], f"imbalance {_number(r.flat_trained)}"),
                    ]
                    for n, r in names.items()
                },
                column_labels=["at initialisation", "after training"],
                title="Decoder response to a flat input (1.0 fed to the first upsampling layer)",
            ),
            "Each decoder's response to a flat input, at initialisation and after training, "
            "each image stretched to its own range inside the dashed square, where the "
            "phase-mean imbalance below it is measured (to the whole image's range when the "
            "square is flat): any pattern inside the square is the upsampling's",
        ),
    }
    made = {}
    for name, (figure, caption) in figures.items():
        path = folder / f"{name}.png"
        plots.save_png(figure, path)
        made[name] = Figure(path, caption)
    return made


# --------------------------------------------------------------------------- tables


def _number(value: float | None, digits: int = 4) -> str:
    if value is None:
        return "n/a"
    if math.isinf(value):
        return "inf"
    return f"{value:.{digits}f}"


def _flat(result: Measured) -> str:
    # No-break spaces: the pair stays on one line in a narrow table cell.
    return f"{_number(result.flat_initial)}\u00a0→\u00a0{_number(result.flat_trained)}"


def _by(values: tuple[int, ...]) -> str:
    return "x".join(map(str, values))


def _baseline(results: list[Measured], key: str) -> str:
    """' (inputs X)' when the test digits score X at every model's period, else ''."""
    values = {_number(r.inputs_periodic[key]) for r in results}
    return f" (inputs {values.pop()})" if len(values) == 1 else ""


def main_table(results: list[Measured]) -> Table:
    """Per model: size, test-set quality, artifacts, speed (the README shows this one)."""
    header = [
        "Model",
        "Upsampling",
        "Parameters",
        "Test BCE",
        "Test PSNR (dB)",
        "Phase imbalance" + _baseline(results, "phase_imbalance"),
        "Checkerboard" + _baseline(results, "spectral_amplitude"),
        f"Border (inputs {_number(results[0].artifacts['inputs/border'])})",
        "Flat input: init → trained",
        "Time (s): wall (CPU)",
        "Samples/s",
    ]
    rows = [
        [
            r.candidate.name,
            r.candidate.upsampling,
            f"{r.parameters:,}",
            f"{r.test.bce:.4f}",
            f"{r.test.psnr:.2f}",
            _number(r.artifacts["outputs/phase_imbalance"]),
            _number(r.artifacts["outputs/spectral_amplitude"]),
            _number(r.artifacts["outputs/border"]),
            _flat(r),
            f"{r.seconds:.1f} ({r.cpu_seconds:.1f})",
            f"{r.samples_per_second:,.0f}",
        ]
        for r in results
    ]
    return Table(header, rows)


def _details_table(results: list[Measured]) -> Table:
    header = [
        "Model",
        "Parameters in the upsampling steps",
        "Narrowest layer (values)",
        "Upsampling (sizes, period)",
        "Test MSE",
        "DC imbalance per layer",
        "Peak / background",
        "Inputs at this period: phase imbalance, checkerboard, peak / background",
        "Interior mean",
    ]
    rows = []
    for r in results:
        dc = [_number(v) for k, v in r.artifacts.items() if k.endswith("/dc_imbalance")]
        rows.append(
            [
                r.candidate.name,
                "-" if r.upsampling_parameters is None else f"{r.upsampling_parameters:,}",
                f"{r.narrowest:,}",
                f"{r.sizes}; {_by(r.period)}",
                f"{r.test.mse:.5f}",
                ", ".join(dc) or "no phase weights",
                _number(r.artifacts["outputs/peak_to_background"], 2),
                ", ".join(
                    _number(r.inputs_periodic[key], digits)
                    for key, digits in (
                        ("phase_imbalance", 4),
                        ("spectral_amplitude", 4),
                        ("peak_to_background", 2),
                    )
                ),
                _number(r.artifacts["outputs/interior"]),
            ]
        )
    return Table(header, rows, "More numbers per model")


# --------------------------------------------------------------------------- text


def _what_differs(results: list[Measured]) -> list[str]:
    """What else differs between the models, beyond their upsampling: stated, not hidden."""
    notes = []
    shared = [r for r in results if r.candidate.shared_encoder]
    if shared:
        encoder_and_output = shared[0].parameters - (shared[0].upsampling_parameters or 0)
        counts = ", ".join(f"{r.upsampling_parameters:,} ({r.candidate.name})" for r in shared)
        notes.append(
            f"The encoder, bottleneck and output layer ({encoder_and_output:,} parameters) are "
            "the same in every comparison model, with identical initial weights (each "
            "initializer is seeded from --seed and the layer's place, see "
            f"upsample.zoo.comparison); the upsampling steps hold {counts} parameters."
        )
        for r in shared:
            notes.append(f"{r.candidate.name}: {comparison.DECODERS[r.candidate.name].differs}.")
    for r in results:
        if not r.candidate.shared_encoder:
            notes.append(_own_model(r))
    seeds = {r.candidate.name: r for r in results if not r.candidate.shared_encoder}
    if {"ae-upsampling", "ae-transpose"} <= set(seeds):
        up, tr = seeds["ae-upsampling"], seeds["ae-transpose"]
        notes.append(
            "So the seeds' two models are confounded: ae-transpose (seed 004) never upsamples "
            "by a stride, and its narrowest layer holds "
            f"{tr.narrowest:,} values against ae-upsampling's {up.narrowest:,} (seed 000): "
            "whichever reconstructs better does so because of that as much as because of "
            "its upsampling.  The default comparison (--models all) holds all of that fixed."
        )
    return notes


# A flat-input imbalance below this is "flat": float32 rounding, not a pattern.
FLAT = 1e-3


def _findings(results: list[Measured]) -> list[str]:
    """What the artifact numbers of this run say, in words (facts only, with the numbers)."""

    def names(chosen: list[Measured]) -> str:
        return ", ".join(r.candidate.name for r in chosen) or "none"

    measured = [r for r in results if r.flat_initial is not None and r.flat_trained is not None]
    start_flat = [r for r in measured if r.flat_initial is not None and r.flat_initial < FLAT]
    start_patterned = [r for r in measured if r not in start_flat]
    stay_flat = [r for r in start_flat if r.flat_trained is not None and r.flat_trained < FLAT]
    drift = [r for r in start_flat if r not in stay_flat]
    findings = [
        "A flat input: at initialisation it comes out flat through "
        f"{names(start_flat)}, and as a periodic pattern through {names(start_patterned)}. "
        f"After training it still comes out flat through {names(stay_flat)}"
        + (
            f"; {names(drift)} started flat but learned unequal phases "
            f"(imbalance {', '.join(_number(r.flat_trained) for r in drift)})."
            if drift
            else "."
        )
    ]
    outputs = [r for r in results if r.artifacts["outputs/phase_imbalance"] is not None]
    if outputs:
        imbalances = [r.artifacts["outputs/phase_imbalance"] or 0.0 for r in outputs]
        amplitudes = [r.artifacts["outputs/spectral_amplitude"] or 0.0 for r in outputs]
        inputs = {_number(r.inputs_periodic["phase_imbalance"]) for r in outputs}
        findings.append(
            f"On the test digits the outputs' phase imbalance runs from {min(imbalances):.4f} "
            f"to {max(imbalances):.4f} (the digits themselves: {', '.join(sorted(inputs))}) and "
            f"the checkerboard amplitude from {min(amplitudes):.4f} to {max(amplitudes):.4f} "
            "in pixel values: compare these with each other and with the inputs, not with the "
            "flat-input numbers, which probe the decoder outside the codes it was trained on."
        )
    return findings


def _own_model(result: Measured) -> str:
    pixels = math.prod(result.reconstructions.shape[1:])
    relation = "more" if result.narrowest > pixels else "fewer"
    text = (
        f"{result.candidate.name} is {result.candidate.origin}: its encoder, bottleneck and "
        "output are its own, not the comparison's; its narrowest layer holds "
        f"{result.narrowest:,} values, {relation} than the {pixels} input pixels"
    )
    if all(p == 1 for p in result.period):
        text += (
            "; it never upsamples by a stride (its transposed convolutions have stride 1, "
            f"sizes {result.sizes})"
        )
    else:
        text += f"; it upsamples by {_by(result.period)} in all ({result.sizes})"
    return text + "."


def _measures() -> list[str]:
    return [
        "Test BCE and MSE are per pixel, on every held-out test image of the data source "
        "(no model trained on them); PSNR = 10 log10(1 / MSE) of the test-set MSE.",
        "Phase imbalance: the spread of the mean output over the positions modulo the "
        "upsampling period (std of the phase means / mean |output|), on the test outputs "
        "without a 2-pixel border; 0 = no periodic brightness pattern.  The test digits "
        "themselves score above 0 (in brackets): what content alone gives.",
        "Checkerboard: the root-mean-square amplitude, in pixel values, of the energy at the "
        "period's frequencies (multiples of 1/4 cycle per pixel) above the neighbouring "
        "background of the outputs' spectrum (Hann window); peak / background is the energy "
        "ratio there (about 1 without a pattern).",
        "Border: mean output on the 2-pixel frame of the image, against the inputs' own.",
        "Flat input: the phase imbalance of the decoder's response to an input that is 1.0 "
        "everywhere, fed to its first upsampling layer, on the central half of each axis "
        "(zero padding shapes the rest); 0 at initialisation means the architecture starts "
        "free of checkerboards (Odena et al. 2016).  After training, a flat code is not one "
        "the encoder produces: the response then shows how differently the decoder treats "
        "its output phases, not what its outputs on digits look like (the sigmoid and the "
        "digits' black background can hide that difference, see Phase imbalance and "
        "Checkerboard).",
        "DC imbalance: for each transposed or sub-pixel convolution, the spread of its "
        "output phases' DC gains (kernel sums) against their mean, median over channels "
        "(Sugawara et al. 2018: 0 iff a flat input stays flat through it).",
        "Time: wall-clock seconds of the training steps only (the test-loss checkpoints left "
        "out); CPU time counts every thread of the process over the same steps; samples/s "
        "= steps x batch size / time.",
    ]


def _details(
    digits: Digits, budget: Budget, timing: dict[str, Any], args: argparse.Namespace
) -> dict[str, str]:
    def load(value: float | None) -> str:
        return "unknown" if value is None else f"{value:.1f}"

    return {
        "Command": args.command_line,
        "Data": f"{digits.source.describe()}; {budget.train_images:,} training images used, "
        f"{len(digits.test):,} test images",
        "Engine": engines.describe(budget.engine),
        "Total time": f"{timing['wall_seconds']:.0f} s wall clock, {timing['cpu_seconds']:.0f} s "
        f"CPU (all threads), load average {load(timing['load_before'])} before and "
        f"{load(timing['load_after'])} after",
        **machine(),
    }


def _report(
    results: list[Measured],
    digits: Digits,
    budget: Budget,
    figures: dict[str, Figure],
    details: dict[str, str],
) -> Report:
    only_upsampling = all(r.candidate.shared_encoder for r in results)
    title = (
        f"Upsampling compared: {len(results)} MNIST autoencoders that differ only in their "
        "decoder's upsampling"
        if only_upsampling
        else f"Upsampling compared: {len(results)} MNIST autoencoders"
    )
    intro = (
        f"Each model was trained for {budget.steps:,} steps of {budget.batch_size} images "
        f"({budget.epochs:.1f} passes over {budget.train_images:,} training images), with Adam "
        f"(learning rate {budget.learning_rate:g}) on binary cross-entropy, on the same images "
        f"in the same order (seed {budget.seed}).  Test numbers are on the "
        f"{len(digits.test):,} held-out test images of the same source, which no model "
        f"trained on; artifact measures on the first {min(ARTIFACT_IMAGES, len(digits.test)):,}. "
        f"Data: {digits.source.describe()}."
    )
    return Report(
        title=title,
        intro=intro,
        details=details,
        sections=[
            Section(
                "Results",
                tables=[main_table(results)],
                figures=[figures["loss"], figures["reconstructions"]],
                notes=[
                    f"One run per model, from seed {budget.seed}: differences smaller than "
                    "those between runs from other seeds (--seed N repeats the experiment "
                    "with other initial weights and another order of the images) say nothing "
                    "about the upsampling.",
                    "Time is wall clock and depends on what else the machine ran; the CPU "
                    "time in brackets less so.",
                ],
            ),
            Section("What differs besides the upsampling", notes=_what_differs(results)),
            Section(
                "Checkerboard artifacts",
                paragraphs=_findings(results),
                tables=[_details_table(results)],
                figures=[figures["flat_response"], figures["spectra"], figures["radial_spectra"]],
            ),
            Section("How each number is measured", notes=_measures()),
        ],
    )
