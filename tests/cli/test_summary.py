"""`upsample summary MODEL`."""

from __future__ import annotations

import pytest

from cli.helpers import Run


@pytest.mark.parametrize(
    ("name", "total"),
    [
        ("ae-upsampling", "1,393"),
        ("ae-transpose", "12,785"),
        ("ae-sub-pixel", "3,340"),
        ("ae-resize-conv", "1,393"),
        ("generator-upsampling", "324,353"),
        ("generator-transpose", "324,353"),
    ],
)
def test_summary_prints_the_seed_table(run: Run, name: str, total: str) -> None:
    code, out, _ = run("summary", name)
    assert code == 0
    assert f"Total params: {total}" in out
    assert "Layer (type)" in out
    assert "Seed " in out


def test_summary_uses_fresh_layer_names(run: Run) -> None:
    run("summary", "ae-upsampling")
    _, out, _ = run("summary", "ae-upsampling")
    assert "conv2d (Conv2D)" in out
    assert "up_sampling2d (UpSampling2D)" in out


def test_summary_rows_of_the_new_decoders(run: Run) -> None:
    _, out, _ = run("summary", "ae-sub-pixel")
    assert "sub_pixel_conv2d_2" in out and "(SubPixelConv2D)" in out
    assert "(None, 28, 28, 1)" in out
    _, out, _ = run("summary", "ae-resize-conv")
    assert "resize_conv2d_2 (ResizeConv2D)" in out


def test_summary_quiet_prints_the_parameter_count(run: Run) -> None:
    assert run("summary", "ae-transpose", "--quiet") == (0, "12785\n", "")
