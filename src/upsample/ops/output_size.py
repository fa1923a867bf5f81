"""The `output_padding` that makes a Keras transposed convolution produce a wanted size.

PyTorch's ``ConvTranspose2d`` takes ``output_size=`` when called; Keras's
``Conv2DTranspose`` only takes `output_padding`.  `conv_transpose_output_padding`
computes it, so that Keras's layer (and its defaults) stay as they are::

    output_padding = conv_transpose_output_padding(
        (7, 7), (14, 14), kernel_size=3, strides=2, padding="same"
    )
    Conv2DTranspose(16, 3, strides=2, padding="same", output_padding=output_padding)
"""

from __future__ import annotations

from collections.abc import Sequence

from upsample.ops.shapes import conv_transpose_settings, normalize_padding, normalize_tuple


def conv_transpose_output_padding(
    input_shape: Sequence[int],
    output_shape: Sequence[int],
    *,
    kernel_size: int | Sequence[int],
    strides: int | Sequence[int],
    padding: str = "valid",
    dilation_rate: int | Sequence[int] = 1,
) -> tuple[int, ...] | None:
    """The `output_padding` of ``Conv*DTranspose`` for spatial `input_shape` -> `output_shape`.

    None (Keras's default) when the default already gives `output_shape`, else one
    int per axis.  A ValueError names the axis and the lengths when `padding`
    cannot give the wanted length, and lists the settings that can
    (`shapes.conv_transpose_settings`).
    """
    try:
        rank = len(input_shape)
    except TypeError:
        raise ValueError(
            "The `input_shape` must be a tuple of positive ints (spatial lengths). "
            f"Received: input_shape={input_shape!r}"
        ) from None
    inputs = normalize_tuple(input_shape, rank, "input_shape")
    outputs = normalize_tuple(output_shape, rank, "output_shape")
    kernel = normalize_tuple(kernel_size, rank, "kernel_size")
    stride = normalize_tuple(strides, rank, "strides")
    dilation = normalize_tuple(dilation_rate, rank, "dilation_rate")
    mode = normalize_padding(padding)
    choices: list[list[int | None]] = []
    for axis in range(rank):
        settings = conv_transpose_settings(
            inputs[axis],
            outputs[axis],
            kernel_size=kernel[axis],
            stride=stride[axis],
            dilation=dilation[axis],
        )
        mine = [a for p, a in settings if p == mode]
        if not mine:
            keras = [(p, a) for p, a in settings if isinstance(p, str)]
            raise ValueError(
                f"With padding={mode!r}, kernel_size={kernel}, strides={stride} and "
                f"dilation_rate={dilation}, no output_padding turns length {inputs[axis]} into "
                f"{outputs[axis]} along spatial axis {axis}. Keras settings that do: "
                f"{keras or 'none'}; all settings: {settings}."
            )
        choices.append(mine)
    if all(None in mine for mine in choices):
        return None
    if all(any(a is not None for a in mine) for mine in choices):
        return tuple(next(a for a in mine if a is not None) for mine in choices)
    raise ValueError(
        f"No single output_padding gives output_shape={outputs} from input_shape={inputs} with "
        f"padding={mode!r}, kernel_size={kernel}, strides={stride}: some axes need the "
        f"default (None) and others an explicit value ({choices})."
    )
