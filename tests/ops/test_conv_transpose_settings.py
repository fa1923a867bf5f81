"""The transposed-convolution planner (`shapes.conv_transpose_settings`) and `output_size`.

The Keras settings are checked by running the transposed convolution; the
explicit ones by Dumoulin & Visin's relationship 14 with dilation,
``o = s (i - 1) + a + d (k - 1) + 1 - 2 p``, enumerated by brute force.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from upsample.layers import Conv2DTranspose
from upsample.ops import conv_transpose
from upsample.ops.output_size import conv_transpose_output_padding
from upsample.ops.shapes import conv_transpose_settings


def keras_length(i: int, k: int, s: int, d: int, padding: str, op: int | None) -> int | None:
    """The length the transposed convolution op really produces (None: Keras rejects it)."""
    try:
        y = conv_transpose(
            np.zeros((1, i, 1)),
            np.zeros((k, 1, 1)),
            strides=s,
            padding=padding,
            output_padding=op,
            dilation_rate=d,
        )
    except ValueError:
        return None
    return int(y.shape[1])


GRID = list(itertools.product(range(1, 5), range(1, 5), range(1, 4), range(1, 3)))


@pytest.mark.parametrize(("i", "k", "s", "d"), GRID)
def test_every_setting_and_only_those(i: int, k: int, s: int, d: int) -> None:
    lengths: dict[int, set[tuple[object, int | None]]] = {}
    if s == 1 or d == 1:
        for padding, op in itertools.product(["valid", "same"], [None, *range(s)]):
            length = keras_length(i, k, s, d, padding, op)
            if length is not None and length > 0:
                lengths.setdefault(length, set()).add((padding, op))
    for p, a in itertools.product(range(0, 40), range(s)):
        length = s * (i - 1) + a + d * (k - 1) + 1 - 2 * p
        if length > 0:
            lengths.setdefault(length, set()).add((p, a))
    for o in range(1, 3 * (s * i + d * k) + 2):
        expected = lengths.get(o, set())
        if expected:
            settings = conv_transpose_settings(i, o, kernel_size=k, stride=s, dilation=d)
            assert set(settings) == expected, (i, o, k, s, d)
            assert len(settings) == len(expected)
        else:
            with pytest.raises(ValueError, match=f"length {i} into an output of length {o}"):
                conv_transpose_settings(i, o, kernel_size=k, stride=s, dilation=d)


def test_known_answers() -> None:
    # Doubling 7 -> 14 with a 3-tap kernel, stride 2: Keras's "same", or PyTorch's
    # ConvTranspose2d(k=3, s=2, padding=1, output_padding=1).
    assert conv_transpose_settings(7, 14, kernel_size=3, stride=2) == [
        ("same", None),
        ("same", 1),
        (1, 1),
    ]
    # The DCGAN / Linknet layer: k=4, s=2, padding=1 doubles.
    assert conv_transpose_settings(4, 8, kernel_size=4, stride=2) == [("same", None), (1, 0)]
    # Seed 004's stride-1 decoder: 22 -> 24 is Keras's default ("valid").
    assert conv_transpose_settings(22, 24, kernel_size=3, stride=1) == [
        ("valid", None),
        ("valid", 0),
        (0, 0),
    ]
    # Keras rejects strides > 1 with dilation > 1: only PyTorch's explicit padding is left.
    assert conv_transpose_settings(3, 9, kernel_size=3, stride=2, dilation=2) == [(0, 0)]


def test_no_setting_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"length 4 into an output of length 20.*at most 10 long"):
        conv_transpose_settings(4, 20, kernel_size=3, stride=2)
    with pytest.raises(ValueError, match=r"at most 24 long and differ from 24 by an even number"):
        conv_transpose_settings(22, 28, kernel_size=3, stride=1)


@pytest.mark.parametrize(
    ("arguments", "match"),
    [
        ({"input_length": 0}, "input_length=0"),
        ({"output_length": -3}, "output_length=-3"),
        ({"kernel_size": 2.5}, "kernel_size=2.5"),
        ({"stride": True}, "stride=True"),
        ({"dilation": 0}, "dilation=0"),
    ],
)
def test_bad_arguments(arguments: dict[str, object], match: str) -> None:
    values: dict[str, object] = {
        "input_length": 4,
        "output_length": 8,
        "kernel_size": 3,
        "stride": 2,
        "dilation": 1,
        **arguments,
    }
    with pytest.raises(ValueError, match=match):
        conv_transpose_settings(
            values.pop("input_length"),  # type: ignore[arg-type]
            values.pop("output_length"),  # type: ignore[arg-type]
            **values,  # type: ignore[arg-type]
        )


# --------------------------------------------------------------------------- output_size


@pytest.mark.parametrize(
    ("input_shape", "output_shape", "kernel_size", "strides", "padding", "expected"),
    [
        ((7, 7), (14, 14), 3, 2, "same", None),  # the default already gives it
        ((7, 7), (13, 14), 3, 2, "same", (0, 1)),
        ((7, 5), (16, 11), 3, 2, "valid", (1, 0)),
        # Keras's "valid" default pads a kernel shorter than the stride: 3 * 3 + 2 + 1.
        ((4,), (12,), 2, 3, "valid", None),
    ],
)
def test_output_padding_gives_the_wanted_size(
    input_shape: tuple[int, ...],
    output_shape: tuple[int, ...],
    kernel_size: int,
    strides: int,
    padding: str,
    expected: tuple[int, ...] | None,
    rng: np.random.Generator,
) -> None:
    op = conv_transpose_output_padding(
        input_shape, output_shape, kernel_size=kernel_size, strides=strides, padding=padding
    )
    assert op == expected
    x = rng.standard_normal((1, *input_shape, 2))
    kernel = rng.standard_normal((*(kernel_size,) * len(input_shape), 3, 2))
    y = conv_transpose(x, kernel, strides=strides, padding=padding, output_padding=op)
    assert y.shape[1:-1] == output_shape
    if len(input_shape) == 2:
        layer = Conv2DTranspose(3, kernel_size, strides, padding, output_padding=op)
        assert layer(x.astype(np.float32)).shape[1:-1] == output_shape


def test_output_size_errors_name_the_axis_and_the_lengths() -> None:
    with pytest.raises(
        ValueError, match=r"length 7 into 15 along spatial axis 0.*\('valid', None\)"
    ):
        conv_transpose_output_padding((7, 7), (15, 14), kernel_size=3, strides=2, padding="same")
    # Axis 0 needs the default (None), axis 1 an explicit output_padding: no single value.
    with pytest.raises(ValueError, match=r"some axes need the default"):
        conv_transpose_output_padding((4, 7), (8, 13), kernel_size=4, strides=2, padding="same")
    with pytest.raises(ValueError, match="input_shape=7"):
        conv_transpose_output_padding(7, (14,), kernel_size=3, strides=2)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"output_shape=\(14, 14\)"):
        conv_transpose_output_padding((7,), (14, 14), kernel_size=3, strides=2)
    with pytest.raises(ValueError, match="padding='full'"):
        conv_transpose_output_padding((7,), (14,), kernel_size=3, strides=2, padding="full")
