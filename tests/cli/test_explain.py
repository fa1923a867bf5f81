"""`upsample explain conv-transpose` and `upsample explain upsampling`."""

from __future__ import annotations

from pathlib import Path

import pytest
from matplotlib.image import imread

from cli.helpers import Run


def test_conv_transpose_prints_the_arithmetic_views_and_overlap(run: Run, tmp_path: Path) -> None:
    code, out, err = run(
        "explain",
        "conv-transpose",
        "--input",
        "4",
        "--kernel",
        "3",
        "--stride",
        "2",
        "--padding",
        "same",
    )
    assert code == 0, err
    assert "Conv2DTranspose(kernel_size=3x3, strides=2x2, padding='same'" in out
    assert "on a 4x4 input -> 8x8 output" in out
    assert "'same', no output_padding: o = i*s = 4*2 = 8" in out
    assert "= 2*3 + 3 - (0 + 1) = 8   [relationship 14]" in out
    assert "   .  .  1  .  2  .  3  .  4  .\n" in out  # the zero-inserted input, third row
    assert "input 3 -> 6 (tap 0), 7 (tap 1), 8 (tap 2, cropped)" in out
    assert "  1 1 2 1 2 1 2 1\n  1 1 2 1 2 1 2 1\n  2 2 4 2 4 2 4 2\n" in out  # the overlap map
    assert "  4 2\n  2 1\n" in out  # per-phase counts
    assert "Imbalance (max / min over phases): 4 -- uneven overlap" in out
    image = imread(tmp_path / "explain" / "conv-transpose-i4x4-k3x3-s2x2-same.png")
    assert image.ndim == 3 and image.shape[1] > 400


def test_conv_transpose_even_overlap_and_bed_of_nails(run: Run) -> None:
    _, out, _ = run(
        "explain", "conv-transpose", "--kernel", "4", "--stride", "2", "--padding", "same"
    )
    assert "Imbalance (max / min over phases): 1 -- even overlap" in out
    _, out, _ = run(
        "explain", "conv-transpose", "--input", "3", "--kernel", "1", "--stride", "2", "--no-figure"
    )
    assert "infinite -- some phases get no tap at all" in out
    assert "'valid', no output_padding: o = (i - 1)*s + max(k^, s) = 2*2 + 2 = 6" in out


def test_conv_transpose_per_axis_one_and_three_dimensions(run: Run, tmp_path: Path) -> None:
    code, out, err = run(
        "explain",
        "conv-transpose",
        "--input",
        "3,4",
        "--kernel",
        "2,3",
        "--output-padding",
        "1,0",
        "--output",
        "figures",
    )
    assert code == 0, err
    assert "Shape arithmetic, axis 0" in out and "Shape arithmetic, axis 1" in out
    assert "Conv2DTranspose" in out and "output_padding=1x0" in out
    assert (tmp_path / "figures" / "conv-transpose-i3x4-k2x3-s2x2-valid-op1x0.png").is_file()
    code, out, _ = run("explain", "conv-transpose", "--rank", "1", "--quiet")
    assert (code, out) == (0, "")
    assert (tmp_path / "explain" / "conv-transpose-i4-k3-s2-valid.png").is_file()
    code, out, err = run(
        "explain", "conv-transpose", "--rank", "3", "--input", "2", "--dilation", "1"
    )
    assert code == 0, err
    assert "depth 0:" in out and "Conv3DTranspose" in out


def test_conv_transpose_refuses_to_replace_a_figure_without_overwrite(run: Run) -> None:
    assert run("explain", "conv-transpose", "-q")[0] == 0
    code, _, err = run("explain", "conv-transpose", "-q")
    assert code == 2
    assert "conv-transpose-i4x4-k3x3-s2x2-valid.png exists; pass --overwrite" in err
    assert run("explain", "conv-transpose", "-q", "--overwrite")[0] == 0


def test_upsampling_prints_the_weights(run: Run, tmp_path: Path) -> None:
    code, out, err = run("explain", "upsampling", "--size", "2", "--interpolation", "bilinear")
    assert code == 0, err
    assert "UpSampling2D(size=2x2, interpolation='bilinear') on a 4x4 input -> 8x8 output" in out
    assert "       1       0.25  0: 0.75  1: 0.25\n" in out
    assert "       0      -0.25  0: 1\n" in out
    assert (tmp_path / "explain" / "upsampling-bilinear-size2x2-i4x4.png").is_file()
    code, out, _ = run(
        "explain", "upsampling", "--size", "2,3", "--interpolation", "bicubic", "--input", "5"
    )
    assert code == 0
    assert "Axis 0: 5 -> 10 pixels" in out and "Axis 1: 5 -> 15 pixels" in out


def test_upsampling_in_each_convention(run: Run, tmp_path: Path) -> None:
    """2 -> 4 linear: align_corners samples 0, 1/3, 2/3, 1; asymmetric 0, 0.5, 1, 1.5."""
    argv = ["explain", "upsampling", "--interpolation", "bilinear", "--input", "2"]
    code, out, err = run(*argv, "--coordinates", "align_corners,asymmetric")
    assert code == 0, err
    assert "coordinates=align_corners/asymmetric) on a 2x2 input -> 4x4 output" in out
    assert "align_corners: x = o (n - 1) / (f n - 1)" in out
    assert "       1     0.3333  0: 0.6667  1: 0.3333\n" in out
    assert "       3        1.5  1: 1\n" in out  # asymmetric: the last sample reads the edge
    name = "upsampling-bilinear-align_corners-asymmetric-size2x2-i2x2.png"
    assert (tmp_path / "explain" / name).is_file()
    code, out, err = run(*argv[:2], "--coordinates", "all", "--no-figure")  # nearest: 2 of 3
    assert code == 0, err
    assert "half_pixel: x" in out and "asymmetric: x" in out and "align_corners: x" not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["upsampling", "--coordinates", "corners"],
            "argument --coordinates: must be one or more of half_pixel, align_corners, "
            "asymmetric (comma-separated), or all; got 'corners'",
        ),
        (
            ["upsampling", "--coordinates", "align_corners"],
            "--coordinates align_corners needs an interpolating kernel",
        ),
        (
            ["conv-transpose", "--input", "0"],
            "argument --input: must be 1 to 3 whole numbers, each at least 1; got '0'",
        ),
        (["conv-transpose", "--kernel", "three"], "argument --kernel: must be a whole number"),
        (["conv-transpose", "--padding", "full"], "argument --padding: invalid choice: 'full'"),
        (
            ["conv-transpose", "--stride", "2", "--output-padding", "2"],
            "--output-padding 2,2 must be smaller than --stride 2,2",
        ),
        (
            ["conv-transpose", "--input", "4,4", "--kernel", "3,3,3"],
            "the sizes disagree on the number of axes: --input 4,4, --kernel 3,3,3",
        ),
        (["conv-transpose", "--rank", "1", "--input", "4,4"], "--rank 1 but the sizes give 2 axes"),
        (
            [
                "conv-transpose",
                "--input",
                "1",
                "--kernel",
                "2",
                "--stride",
                "2",
                "--padding",
                "same",
                "--output-padding",
                "0",
            ],
            "these sizes give no output",
        ),
        (
            ["upsampling", "--interpolation", "area"],
            "argument --interpolation: invalid choice: 'area'",
        ),
        (["upsampling", "--size", "0"], "argument --size: must be 1 to 3 whole numbers"),
        (["upsampling", "--size", "2,2", "--input", "3,3,3"], "the sizes disagree"),
        ([], "choose what to explain: conv-transpose or upsampling"),
        (["pixel-shuffle"], "invalid choice: 'pixel-shuffle'"),
    ],
)
def test_bad_options_are_named(run: Run, argv: list[str], message: str) -> None:
    code, _, err = run("explain", *argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_an_output_that_is_a_file_is_refused(run: Run, tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("")
    code, _, err = run("explain", "upsampling", "--output", "taken")
    assert code == 2
    assert "--output taken exists and is not a folder" in err
