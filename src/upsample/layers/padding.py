"""`ZeroPadding1D/2D/3D` and `Cropping1D/2D/3D`: add zeros at, or remove, the edges.

Zero-padding and cropping by the same amounts are each other's adjoints: the
gradient of a padding crops the output-gradient back to the input's size, and
the gradient of a cropping pads it back with zeros.  Both layers therefore share
one base class and two functions, `_pad` and `_crop`.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from upsample import config as upsample_config
from upsample.layers.layer import Array, Gradients, Layer
from upsample.ops.shapes import normalize_tuple

Widths = tuple[tuple[int, int], ...]  # (before, after) per spatial axis

_ORDINALS = ("1st", "2nd", "3rd")


def _normalize_widths(value: Any, rank: int, name: str) -> Widths:
    """Keras's forms of `padding`/`cropping` as one ``(before, after)`` pair per spatial axis.

    Rank 1: an int ``n`` (both ends) or a pair ``(before, after)``.
    Ranks 2 and 3: an int (every end of every axis), or one entry per axis that
    is an int (both ends of that axis) or a pair ``(before, after)``.
    """
    if rank == 1:
        return (_pair(normalize_tuple(value, 2, name, allow_zero=True)),)
    if isinstance(value, numbers.Integral):
        if value < 0:
            raise ValueError(f"`{name}` cannot be negative. Received: {name}={value!r}.")
        return ((int(value), int(value)),) * rank
    if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != rank:
        raise ValueError(
            f"`{name}` should be either an int, a tuple of {rank} ints (symmetric per axis) or "
            f"a tuple of {rank} tuples of 2 ints ((before, after) per axis). "
            f"Received: {name}={value!r}."
        )
    return tuple(
        _pair(normalize_tuple(entry, 2, f"{_ORDINALS[i]} entry of {name}", allow_zero=True))
        for i, entry in enumerate(value)
    )


def _pair(values: tuple[int, ...]) -> tuple[int, int]:
    return (values[0], values[1])


def _pad(x: Array, widths: Widths, first_axis: int) -> Array:
    """Zeros around the spatial axes ``first_axis, first_axis + 1, ...`` of `x`."""
    pad_width = [(0, 0)] * x.ndim
    pad_width[first_axis : first_axis + len(widths)] = widths
    return np.pad(x, pad_width)


def _crop(x: Array, widths: Widths, first_axis: int) -> Array:
    """Remove `widths` from both ends of the spatial axes (a view, as in `x[:, 1:-1]`)."""
    index = [slice(None)] * x.ndim
    for axis, (before, after) in enumerate(widths, start=first_axis):
        index[axis] = slice(before, x.shape[axis] - after)
    return x[tuple(index)]


class _Edges(Layer):
    """Shape logic shared by padding and cropping layers (rank 1, 2 or 3)."""

    samples_independent = True

    rank: ClassVar[int]
    argument: ClassVar[str]  # "padding" or "cropping": the constructor argument's name
    direction: ClassVar[int]  # +1 when the layer grows its input, -1 when it shrinks it

    # Positional-only, so that a `data_format` given to Cropping1D (which has none, as
    # in Keras) reaches `Layer` and is refused as an unknown argument.
    def __init__(self, widths: Any, data_format: str | None, /, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = upsample_config.standardize_data_format(data_format)
        self.widths = _normalize_widths(widths, self.rank, self.argument)

    @property
    def _first_spatial_axis(self) -> int:
        return 1 if self.data_format == "channels_last" else 2

    def check_input_shape(self, input_shape: Any) -> None:
        if isinstance(input_shape, list) or len(input_shape) != self.rank + 2:
            ndim = "a list" if isinstance(input_shape, list) else f"ndim={len(input_shape)}"
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                f"ndim={self.rank + 2}, found {ndim}. Full shape received: {input_shape}"
            )
        self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        shape = list(input_shape)
        for axis, (before, after) in enumerate(self.widths, start=self._first_spatial_axis):
            if shape[axis] is not None:
                shape[axis] += self.direction * (before + after)
                if shape[axis] <= 0:
                    raise ValueError(
                        f"Values in `{self.argument}` argument should be smaller than the "
                        "corresponding spatial dimension of the input. Received: "
                        f"input_shape={tuple(input_shape)}, {self.argument}={self.widths}"
                    )
        return tuple(shape)

    def _widths_config(self) -> Any:
        """Keras's config form: a flat pair for rank 1, one pair per axis otherwise."""
        if self.rank == 1:
            return tuple(self.widths[0])
        return tuple(tuple(pair) for pair in self.widths)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            self.argument: self._widths_config(),
            "data_format": self.data_format,
        }


class _ZeroPadding(_Edges):
    """Adds zeros at both ends of each spatial axis."""

    argument, direction = "padding", +1

    @property
    def padding(self) -> Widths:
        return self.widths

    def forward(self, inputs: Array, training: bool = False) -> tuple[Array, Any]:
        return _pad(inputs, self.widths, self._first_spatial_axis), None

    def backward(
        self, cache: Any, grad: Array, *, weights: bool = True, inputs: bool = True
    ) -> Gradients:
        dx = _crop(grad, self.widths, self._first_spatial_axis) if inputs else None
        return Gradients(dx, [] if weights else None)


class _Cropping(_Edges):
    """Removes rows/columns at both ends of each spatial axis."""

    argument, direction = "cropping", -1

    @property
    def cropping(self) -> Widths:
        return self.widths

    def forward(self, inputs: Array, training: bool = False) -> tuple[Array, Any]:
        self.compute_output_shape(inputs.shape)  # cropping everything away is an error
        return _crop(inputs, self.widths, self._first_spatial_axis), None

    def backward(
        self, cache: Any, grad: Array, *, weights: bool = True, inputs: bool = True
    ) -> Gradients:
        dx = _pad(grad, self.widths, self._first_spatial_axis) if inputs else None
        return Gradients(dx, [] if weights else None)


class ZeroPadding1D(_ZeroPadding):
    """``(batch, steps, channels)``: `padding` is an int or ``(before, after)``."""

    rank = 1

    def __init__(self, padding: Any = 1, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding2D(_ZeroPadding):
    """``(batch, rows, cols, channels)``.

    `padding`: an int, ``(rows, cols)`` or ``((top, bottom), (left, right))``.
    """

    rank = 2

    def __init__(
        self, padding: Any = (1, 1), data_format: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """``(batch, d1, d2, d3, channels)``: int, 3 ints or 3 ``(before, after)`` pairs."""

    rank = 3

    def __init__(
        self,
        padding: Any = ((1, 1), (1, 1), (1, 1)),
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(padding, data_format, **kwargs)


class Cropping1D(_Cropping):
    """``(batch, steps, channels)``: `cropping` is an int or ``(before, after)``.

    As in Keras, Cropping1D has no `data_format`: its inputs are channels-last.
    """

    rank = 1

    def __init__(self, cropping: Any = (1, 1), **kwargs: Any) -> None:
        super().__init__(cropping, "channels_last", **kwargs)  # whatever the global default

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["data_format"]
        return config


class Cropping2D(_Cropping):
    """``(batch, rows, cols, channels)``.

    `cropping`: an int, ``(rows, cols)`` or ``((top, bottom), (left, right))``.
    """

    rank = 2

    def __init__(
        self, cropping: Any = ((0, 0), (0, 0)), data_format: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    """``(batch, d1, d2, d3, channels)``: int, 3 ints or 3 ``(before, after)`` pairs."""

    rank = 3

    def __init__(
        self,
        cropping: Any = ((1, 1), (1, 1), (1, 1)),
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(cropping, data_format, **kwargs)
