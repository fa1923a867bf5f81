"""Shape arithmetic: every output length and padding split, in one place.

All functions work on one spatial axis at a time (lengths are ints) except the
`normalize_*` helpers, which validate user arguments and name the argument and
the value in their errors, before any work is done.

Conventions are those of Keras 3 (`keras/src/backend/common/backend_utils.py`)
and TensorFlow's "SAME" padding: when the total padding is odd, the extra pixel
goes at the end (bottom/right).
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Padding = Literal["valid", "same"]
DataFormat = Literal["channels_last", "channels_first"]

PADDINGS: tuple[Padding, ...] = ("valid", "same")
DATA_FORMATS: tuple[DataFormat, ...] = ("channels_last", "channels_first")


def normalize_tuple(
    value: int | Iterable[int], n: int, name: str, *, allow_zero: bool = False
) -> tuple[int, ...]:
    """Return `value` as a tuple of `n` ints, each positive (or >= 0 if `allow_zero`).

    An int is repeated `n` times, as Keras does for `strides=2`; NumPy integers
    are accepted, floats and bools are not.
    """
    lowest = 0 if allow_zero else 1
    kind = "non-negative" if allow_zero else "positive"
    error = ValueError(
        f"The `{name}` argument must be an int or a tuple of {n} {kind} ints. "
        f"Received: {name}={value!r}"
    )
    raw = tuple(value) if isinstance(value, Iterable) else (value,) * n
    if len(raw) != n or any(isinstance(item, bool) for item in raw):
        raise error
    try:
        items = tuple(operator.index(item) for item in raw)
    except TypeError:
        raise error from None
    if min(items) < lowest:
        raise error
    return items


def normalize_padding(padding: str) -> Padding:
    """Lower-case and check `padding` ("valid" or "same")."""
    lowered = padding.lower() if isinstance(padding, str) else padding
    if lowered not in PADDINGS:
        raise ValueError(
            f"The `padding` argument must be one of 'valid', 'same'. Received: padding={padding!r}"
        )
    return lowered


def normalize_data_format(data_format: str | None) -> DataFormat:
    """`None` means the Keras default, "channels_last"."""
    if data_format is None:
        return "channels_last"
    lowered = data_format.lower() if isinstance(data_format, str) else data_format
    if lowered not in DATA_FORMATS:
        raise ValueError(
            "The `data_format` argument must be one of 'channels_last', 'channels_first'. "
            f"Received: data_format={data_format!r}"
        )
    return lowered


def effective_kernel_size(kernel_size: int, dilation: int) -> int:
    """Length covered by a dilated kernel: `(k - 1) * d + 1`."""
    return (kernel_size - 1) * dilation + 1


def conv_output_length(
    length: int, *, kernel_size: int, stride: int, padding: Padding, dilation: int = 1
) -> int:
    """Output length of a convolution or pooling window along one axis.

    valid: `floor((n - ke) / s) + 1`;  same: `ceil(n / s)`.
    """
    ke = effective_kernel_size(kernel_size, dilation)
    if padding == "same":
        out = -(-length // stride)
    else:
        out = (length - ke) // stride + 1 if length >= ke else 0
    if out <= 0:
        raise ValueError(
            f"An input of length {length} is too small for a window of {ke} "
            f"(kernel_size={kernel_size}, dilation_rate={dilation}) with padding={padding!r}: "
            "the output would be empty."
        )
    return out


def conv_padding(
    length: int, *, kernel_size: int, stride: int, padding: Padding, dilation: int = 1
) -> tuple[int, int]:
    """Zeros added before and after the input of a convolution along one axis.

    "same" pads `P = max((ceil(n/s) - 1) * s + ke - n, 0)` in total, `P // 2`
    before and the rest after (TensorFlow's rule: the extra pixel goes last).
    """
    if padding == "valid":
        return (0, 0)
    ke = effective_kernel_size(kernel_size, dilation)
    out = -(-length // stride)
    total = max((out - 1) * stride + ke - length, 0)
    return (total // 2, total - total // 2)


def conv_transpose_output_length(
    length: int,
    *,
    kernel_size: int,
    stride: int,
    padding: Padding,
    output_padding: int | None = None,
    dilation: int = 1,
) -> int:
    """Output length of a transposed convolution along one axis (Keras 3).

    With `ke = (k - 1) * d + 1`:
    valid: `(n - 1) * s + ke + op`, where `op` defaults to `max(ke, s) - ke`;
    same:  `n * s` when `op` is None, else `(n - 1) * s + ke % 2 + op`.
    This is Dumoulin & Visin (arXiv:1603.07285), relationship 14, with `a = op`.
    """
    ke = effective_kernel_size(kernel_size, dilation)
    if padding == "valid":
        op = max(ke, stride) - ke if output_padding is None else output_padding
        out = (length - 1) * stride + ke + op
    elif output_padding is None:
        out = length * stride
    else:
        out = (length - 1) * stride + ke % 2 + output_padding
    if out <= 0:
        raise ValueError(
            f"A transposed convolution of an input of length {length} with "
            f"kernel_size={kernel_size}, strides={stride}, padding={padding!r}, "
            f"output_padding={output_padding} would have an empty output ({out})."
        )
    return out


def conv_transpose_padding(
    length: int,
    *,
    kernel_size: int,
    stride: int,
    padding: Padding,
    output_padding: int | None = None,
    dilation: int = 1,
) -> tuple[int, int]:
    """Padding `(before, after)` of the forward convolution that this transposed one inverts.

    A transposed convolution is the input-gradient of a convolution over its own
    output.  Keras defines it by scattering into a "full" array of length
    `(n - 1) * s + ke` and cropping `before` elements at the start and `after`
    at the end; a negative `after` appends zeros.  Those crops are exactly the
    padding of the adjoint convolution, whose output length is then `n` again.
    """
    ke = effective_kernel_size(kernel_size, dilation)
    if padding == "valid":
        op = max(ke, stride) - ke if output_padding is None else output_padding
        left_pad, right_pad = ke - 1, ke - 1 + op
    else:
        total = stride + ke - 2 if output_padding is None else ke + ke % 2 - 2 + output_padding
        left_pad = min(total // 2 + total % 2, ke - 1)
        right_pad = total - left_pad
    return (ke - 1 - left_pad, ke - 1 - right_pad)


def check_output_padding(output_padding: tuple[int, ...] | None, strides: tuple[int, ...]) -> None:
    """Keras requires `output_padding < strides` along every axis."""
    if output_padding is None:
        return
    for op, s in zip(output_padding, strides, strict=True):
        if op >= s:
            raise ValueError(
                "The `output_padding` argument must be smaller than `strides` along every "
                f"axis. Received: output_padding={output_padding}, strides={strides}"
            )


def resize_output_length(length: int, factor: int) -> int:
    """Upsampling by an integer factor multiplies the length."""
    return length * factor


def scaled_shape(
    shape: Sequence[int | None], factors: Sequence[int], data_format: str
) -> tuple[int | None, ...]:
    """A batch `shape` with each known spatial length multiplied by its integer factor."""
    first = 1 if data_format == "channels_last" else 2
    scaled = list(shape)
    for axis, factor in enumerate(factors):
        n = scaled[first + axis]
        if n is not None:
            scaled[first + axis] = resize_output_length(n, factor)
    return tuple(scaled)


@dataclass(frozen=True)
class AspectWindow:
    """The image `Resizing` resamples, in the input's ``(height, width)`` frame.

    Rows ``[top, top + height)`` and columns ``[left, left + width)``: inside the
    input for a crop, reaching outside it (negative `top` or `left`, filled with
    the fill value) for a pad.
    """

    top: int
    left: int
    height: int
    width: int


def aspect_ratio_window(
    height: int, width: int, target: tuple[int, int], mode: Literal["crop", "pad", None]
) -> AspectWindow:
    """Keras 3's ``crop_to_aspect_ratio`` / ``pad_to_aspect_ratio`` of ``ops.image.resize``.

    Crop: the largest centred window with the target's aspect ratio.  Pad: fill
    added on the short side, the same amount before and after; Keras then
    resamples ``length + 2 * before`` pixels, one less than the padded length it
    computed when that difference is odd.  Truncations as Keras's
    (`keras/src/backend/jax/image.py::resize`).
    """
    target_height, target_width = target
    if mode == "crop":
        rows = max(min(height, int(float(width * target_height) / target_width)), 1)
        columns = max(min(width, int(float(height * target_width) / target_height)), 1)
        top, left = int(float(height - rows) / 2), int(float(width - columns) / 2)
        return AspectWindow(top, left, rows, columns)
    if mode == "pad":
        rows = max(height, int(float(width * target_height) / target_width))
        columns = max(width, int(float(height * target_width) / target_height))
        top, left = int(float(rows - height) / 2), int(float(columns - width) / 2)
        if top > 0:
            return AspectWindow(-top, 0, height + 2 * top, width)
        if left > 0:
            return AspectWindow(0, -left, height, width + 2 * left)
    return AspectWindow(0, 0, height, width)


def prod(values: Iterable[int]) -> int:
    return math.prod(values)


@dataclass(frozen=True)
class ConvGeometry:
    """Shape arithmetic of one convolution, per spatial axis.

    The convolution maps the *wide* side (spatial shape `wide`, e.g. 28x28) to
    the *narrow* side (`narrow`, e.g. 14x14 for stride 2):
    `narrow[o] = sum_t wide[o * s + t * d - pad_before] @ kernel[t]`, with zeros
    outside `wide`.  A transposed convolution runs the same geometry backwards,
    from the narrow side to the wide side.  `pad_after` may be negative: then the
    last elements of the wide side are touched by no window.
    """

    wide: tuple[int, ...]
    narrow: tuple[int, ...]
    kernel_size: tuple[int, ...]
    strides: tuple[int, ...]
    dilation: tuple[int, ...]
    pad_before: tuple[int, ...]
    pad_after: tuple[int, ...]

    @property
    def ndim(self) -> int:
        return len(self.wide)


def conv_geometry(
    wide: tuple[int, ...],
    *,
    kernel_size: tuple[int, ...],
    strides: tuple[int, ...],
    padding: Padding,
    dilation: tuple[int, ...],
) -> ConvGeometry:
    """Geometry of a forward convolution over an input of spatial shape `wide`."""
    narrow, before, after = [], [], []
    for n, k, s, d in zip(wide, kernel_size, strides, dilation, strict=True):
        out = conv_output_length(n, kernel_size=k, stride=s, padding=padding, dilation=d)
        lo, hi = conv_padding(n, kernel_size=k, stride=s, padding=padding, dilation=d)
        # The last window may stop short of the padded end ("valid" with a remainder).
        hi = (out - 1) * s + effective_kernel_size(k, d) - n - lo
        narrow.append(out)
        before.append(lo)
        after.append(hi)
    return ConvGeometry(
        tuple(wide), tuple(narrow), kernel_size, strides, dilation, tuple(before), tuple(after)
    )


def conv_transpose_geometry(
    narrow: tuple[int, ...],
    *,
    kernel_size: tuple[int, ...],
    strides: tuple[int, ...],
    padding: Padding,
    output_padding: tuple[int, ...] | None,
    dilation: tuple[int, ...],
) -> ConvGeometry:
    """Geometry of a transposed convolution over an input of spatial shape `narrow`."""
    ops = output_padding if output_padding is not None else (None,) * len(narrow)
    wide, before, after = [], [], []
    for n, k, s, d, op in zip(narrow, kernel_size, strides, dilation, ops, strict=True):
        arguments = dict(kernel_size=k, stride=s, padding=padding, output_padding=op, dilation=d)
        wide.append(conv_transpose_output_length(n, **arguments))  # type: ignore[arg-type]
        lo, hi = conv_transpose_padding(n, **arguments)  # type: ignore[arg-type]
        before.append(lo)
        after.append(hi)
    return ConvGeometry(
        tuple(wide), tuple(narrow), kernel_size, strides, dilation, tuple(before), tuple(after)
    )


@functools.lru_cache(maxsize=256)
def unit_stride_transpose(geo: ConvGeometry) -> ConvGeometry:
    """The forward convolution, narrow side to wide side, that a stride-1 `geo` transposes.

    With unit strides the transpose of a convolution is itself a convolution, of
    the narrow side padded by ``(k - 1) * d - pad_before`` before and
    ``(k - 1) * d - pad_after`` after, with the kernel flipped along every
    spatial axis and its channel axes swapped (Dumoulin & Visin,
    arXiv:1603.07285, relationships 8 and 9, with the dilated kernel's extent).
    """
    if any(s != 1 for s in geo.strides):
        raise ValueError(f"Only a stride-1 geometry has one. Received: strides={geo.strides}")
    reach = [(k - 1) * d for k, d in zip(geo.kernel_size, geo.dilation, strict=True)]
    return ConvGeometry(
        geo.narrow,
        geo.wide,
        geo.kernel_size,
        geo.strides,
        geo.dilation,
        tuple(r - p for r, p in zip(reach, geo.pad_before, strict=True)),
        tuple(r - p for r, p in zip(reach, geo.pad_after, strict=True)),
    )


def conv_transpose_settings(
    input_length: int,
    output_length: int,
    *,
    kernel_size: int,
    stride: int,
    dilation: int = 1,
) -> list[tuple[Padding | int, int | None]]:
    """Every `(padding, output_padding)` of a transposed convolution giving `output_length`.

    PyTorch's ``ConvTranspose*d(...)(x, output_size=...)``, which Keras lacks.  The
    pairs come in two kinds, Keras's first:

    * ``("valid" | "same", None | a)``: the arguments of Keras's ``Conv*DTranspose``
      (`conv_transpose_output_length`), ``0 <= a < stride``; none when
      ``stride > 1`` and ``dilation > 1``, which Keras rejects;
    * ``(p, a)`` with an int ``p >= 0``: PyTorch's explicit padding, cropping ``p``
      at both ends.  Dumoulin & Visin (arXiv:1603.07285), relationship 14 with
      dilation: ``o = s (i - 1) + a + d (k - 1) + 1 - 2 p``, ``0 <= a < s``.

    Pairs that give the same length may place the output differently ("same"
    crops both ends, "valid" none).  Raises a ValueError naming the lengths when
    no pair gives `output_length`.
    """
    arguments = {
        "input_length": input_length,
        "output_length": output_length,
        "kernel_size": kernel_size,
        "stride": stride,
        "dilation": dilation,
    }
    for name, value in arguments.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"The `{name}` must be a positive int. Received: {name}={value!r}")
    geometry = {"kernel_size": kernel_size, "stride": stride, "dilation": dilation}
    keras: list[tuple[Padding | int, int | None]] = []
    if stride == 1 or dilation == 1:
        for padding in PADDINGS:
            for output_padding in (None, *range(stride)):
                try:
                    length = conv_transpose_output_length(
                        input_length, padding=padding, output_padding=output_padding, **geometry
                    )
                except ValueError:  # an empty output
                    continue
                if length == output_length:
                    keras.append((padding, output_padding))
    # Relationship 14 solved for p; the longest output is that of p = 0, a = s - 1.
    full = stride * (input_length - 1) + dilation * (kernel_size - 1) + 1
    explicit = sorted(
        ((full + a - output_length) // 2, a)
        for a in range(stride)
        if full + a >= output_length and (full + a - output_length) % 2 == 0
    )
    if not keras and not explicit:
        reachable = (
            f"at most {full} long and differ from {full} by an even number"
            if stride == 1
            else f"at most {full + stride - 1} long"
        )
        raise ValueError(
            f"No transposed convolution with kernel_size={kernel_size}, strides={stride}, "
            f"dilation_rate={dilation} turns an input of length {input_length} into an "
            f"output of length {output_length}: its output must be {reachable}."
        )
    return [*keras, *explicit]
