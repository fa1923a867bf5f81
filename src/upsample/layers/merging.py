"""Merging layers: `Concatenate`, and the elementwise `Add`, `Subtract`, `Multiply`,
`Average`, `Maximum` and `Minimum` (with Keras's functional forms `add`, ...).

Elementwise merges broadcast as Keras does: inputs of lower rank get axes of
size 1 inserted right after the batch axis, then NumPy broadcasting applies; the
batch sizes must be equal.  Inputs are folded left to right, ``((x0 op x1) op
x2) ...``, as Keras does, and the backward pass walks the fold in reverse; a
gradient is summed over the axes along which its input was broadcast.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from upsample.layers.layer import Array, Gradients, Layer

Shape = tuple[int | None, ...]


def _unbroadcast(grad: Array, shape: tuple[int, ...]) -> Array:
    """Sum `grad` down to `shape` (same rank) over the axes where `shape` has size 1."""
    axes = tuple(a for a, (g, s) in enumerate(zip(grad.shape, shape)) if s == 1 and g != 1)
    return grad.sum(axis=axes, keepdims=True) if axes else grad


def _shapes_only(arrays: list[Array]) -> list[Array]:
    """Arrays with the shapes and dtypes of `arrays` but no memory (every value 0)."""
    return [np.broadcast_to(x.dtype.type(0), x.shape) for x in arrays]


class Merge(Layer):
    """Base class of the merging layers: takes a list of inputs, returns one output."""

    samples_independent = True

    # Exactly this many inputs (None: any number, at least one).
    num_inputs: ClassVar[int | None] = None

    def _check_inputs(self, shapes: Any, *, same_batch: bool = True) -> list[Shape]:
        """The list of input shapes, or a clear error when the inputs are not a list."""
        if not isinstance(shapes, list | tuple) or not all(
            isinstance(s, list | tuple) for s in shapes
        ):
            raise ValueError(
                f"A merge layer ({self.name!r}) should be called on a list of inputs. "
                f"Received: input_shape={shapes!r} (not a list of shapes)"
            )
        if not shapes or (self.num_inputs is not None and len(shapes) != self.num_inputs):
            expected = "at least 1" if self.num_inputs is None else f"exactly {self.num_inputs}"
            raise ValueError(
                f"A `{type(self).__name__}` layer should be called on {expected} inputs. "
                f"Received {len(shapes)} inputs: input_shape={list(shapes)}"
            )
        shapes = [tuple(s) for s in shapes]
        if any(len(s) == 0 for s in shapes):
            raise ValueError(
                f"The inputs of {self.name!r} need a batch axis. Received: input_shape={shapes}"
            )
        batch_sizes = {s[0] for s in shapes} - {None}
        if same_batch and len(batch_sizes) > 1:
            raise ValueError(
                "Cannot merge tensors with different batch sizes. "
                f"Received tensors with shapes {shapes}"
            )
        return shapes

    def check_input_shape(self, input_shape: Any) -> None:
        self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape: Any) -> Shape:
        shapes = self._check_inputs(input_shape)
        result: Shape = shapes[0][1:]
        for shape in shapes[1:]:
            result = self._broadcast(result, shape[1:], shapes)
        batch = next((s[0] for s in shapes if s[0] is not None), None)
        return (batch, *result)

    @staticmethod
    def _broadcast(a: Shape, b: Shape, shapes: list[Shape]) -> Shape:
        """The broadcast of two per-sample shapes (right-aligned, sizes 1 stretch)."""
        if len(a) < len(b):
            a, b = b, a
        b = (1,) * (len(a) - len(b)) + b
        out: list[int | None] = []
        for i, j in zip(a, b):
            if i is None or j is None:
                out.append(None)  # as Keras, even when the other size is known
            elif i == 1 or j == 1 or i == j:
                out.append(j if i == 1 else i)
            else:
                raise ValueError(
                    f"Inputs have incompatible shapes. Received shapes {shapes} "
                    "(each axis after the batch axis must be equal or 1)."
                )
        return tuple(out)

    def _input_shapes(self, inputs: Any) -> list[Shape]:
        """The shapes of a list of arrays (checked); a single array is an error."""
        if not isinstance(inputs, list | tuple):
            raise ValueError(
                f"A merge layer ({self.name!r}) should be called on a list of inputs. "
                f"Received: one input of shape {np.shape(inputs)}"
            )
        return [np.shape(x) for x in inputs]

    def forward(self, inputs: Any, training: bool = False) -> tuple[Array, Any]:
        shapes = self._input_shapes(inputs)
        self.compute_output_shape(shapes)
        ndim = max(len(s) for s in shapes)
        # Keras's rule for unequal ranks: size-1 axes right after the batch axis.
        aligned = [x.reshape(x.shape[:1] + (1,) * (ndim - x.ndim) + x.shape[1:]) for x in inputs]
        output, cache = self._merge(aligned)
        return output, (shapes, [x.shape for x in aligned], cache)

    def backward(
        self, cache: Any, grad: Array, *, weights: bool = True, inputs: bool = True
    ) -> Gradients:
        if not inputs:
            return Gradients(None, [] if weights else None)
        shapes, aligned_shapes, merge_cache = cache
        grads = self._merge_vjp(merge_cache, grad)
        dxs = [
            _unbroadcast(g, aligned).reshape(shape)
            for g, aligned, shape in zip(grads, aligned_shapes, shapes)
        ]
        return Gradients(dxs, [] if weights else None)

    def _merge(self, inputs: list[Array]) -> tuple[Array, Any]:
        """The merged output of same-rank inputs, and what `_merge_vjp` needs."""
        raise NotImplementedError

    def _merge_vjp(self, cache: Any, grad: Array) -> list[Array]:
        """One gradient per input, each broadcast-compatible with (not yet summed to) it."""
        raise NotImplementedError


class _Fold(Merge):
    """``((x0 op x1) op x2) ...`` for a binary `op` with a vector-Jacobian product."""

    # Whether `_op_vjp` ignores the values of its operands (sums and differences).
    linear: ClassVar[bool] = False

    @staticmethod
    def _op(a: Array, b: Array) -> Array:
        raise NotImplementedError

    @staticmethod
    def _op_vjp(grad: Array, a: Array, b: Array, out: Array) -> tuple[Array, Array]:
        """Gradients of ``out = op(a, b)`` with respect to `a` and `b` (broadcast shapes)."""
        raise NotImplementedError

    def _merge(self, inputs: list[Array]) -> tuple[Array, Any]:
        partials = [inputs[0]]
        for x in inputs[1:]:
            partials.append(self._op(partials[-1], x))
        output = partials[-1]
        if self.linear:
            # Keep only shapes (zero-stride views), not n - 1 output-sized partial sums.
            inputs, partials = _shapes_only(inputs), _shapes_only(partials)
        return output, (inputs, partials)

    def _merge_vjp(self, cache: Any, grad: Array) -> list[Array]:
        inputs, partials = cache
        grads: list[Array] = [grad] * len(inputs)
        g = grad
        for k in range(len(inputs) - 1, 0, -1):
            g_left, grads[k] = self._op_vjp(g, partials[k - 1], inputs[k], partials[k])
            # The partial result may itself have been broadcast by this step.
            g = _unbroadcast(g_left, partials[k - 1].shape)
        grads[0] = g
        return grads


class Add(_Fold):
    """The sum of the inputs."""

    linear = True

    @staticmethod
    def _op(a: Array, b: Array) -> Array:
        return a + b

    @staticmethod
    def _op_vjp(grad: Array, a: Array, b: Array, out: Array) -> tuple[Array, Array]:
        return grad, grad


class Subtract(_Fold):
    """``inputs[0] - inputs[1]`` (exactly two inputs)."""

    num_inputs, linear = 2, True

    @staticmethod
    def _op(a: Array, b: Array) -> Array:
        return a - b

    @staticmethod
    def _op_vjp(grad: Array, a: Array, b: Array, out: Array) -> tuple[Array, Array]:
        return grad, -grad


class Multiply(_Fold):
    """The elementwise product of the inputs."""

    @staticmethod
    def _op(a: Array, b: Array) -> Array:
        return a * b

    @staticmethod
    def _op_vjp(grad: Array, a: Array, b: Array, out: Array) -> tuple[Array, Array]:
        return grad * b, grad * a


class Average(Add):
    """The mean of the inputs: their sum divided by their number (as Keras, a division)."""

    def _merge(self, inputs: list[Array]) -> tuple[Array, Any]:
        total, cache = super()._merge(inputs)
        return total / total.dtype.type(len(inputs)), cache

    def _merge_vjp(self, cache: Any, grad: Array) -> list[Array]:
        return super()._merge_vjp(cache, grad / grad.dtype.type(len(cache[0])))


def _balanced_vjp(grad: Array, a: Array, b: Array, out: Array) -> tuple[Array, Array]:
    """Gradient of a max or min: to the operand that is the result, halved on ties (as JAX)."""
    a_wins, b_wins = a == out, b == out
    half = grad.dtype.type(0.5)
    share_a = np.where(a_wins, np.where(b_wins, half, 1), 0).astype(grad.dtype)
    share_b = np.where(b_wins, np.where(a_wins, half, 1), 0).astype(grad.dtype)
    return grad * share_a, grad * share_b


class Maximum(_Fold):
    """The elementwise maximum of the inputs."""

    @staticmethod
    def _op(a: Array, b: Array) -> Array:
        return np.maximum(a, b)

    _op_vjp = staticmethod(_balanced_vjp)


class Minimum(_Fold):
    """The elementwise minimum of the inputs."""

    @staticmethod
    def _op(a: Array, b: Array) -> Array:
        return np.minimum(a, b)

    _op_vjp = staticmethod(_balanced_vjp)


class Concatenate(Merge):
    """Joins the inputs along `axis`; every other axis must match."""

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        try:
            self.axis = operator.index(axis)
        except TypeError:
            raise ValueError(
                f"The `axis` of Concatenate must be an int. Received: axis={axis!r}"
            ) from None

    def build(self, input_shape: Any) -> None:
        shapes = self._check_inputs(input_shape, same_batch=False)
        # Joined along the batch axis, the inputs' samples are put side by side.
        self.samples_independent = self.axis % len(shapes[0]) != 0
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Any) -> Shape:
        # The batch axis is checked below like any other (it may differ when it is `axis`).
        shapes = self._check_inputs(input_shape, same_batch=False)
        ndim = len(shapes[0])
        if any(len(s) != ndim for s in shapes) or not -ndim <= self.axis < ndim:
            raise ValueError(
                "A `Concatenate` layer requires inputs of one rank, with `axis` among their "
                f"axes. Received: axis={self.axis}, input_shape={shapes}"
            )
        axis = self.axis % ndim
        output: list[int | None] = list(shapes[0])
        for i in range(ndim):
            sizes = [s[i] for s in shapes]
            if i == axis:
                output[i] = None if None in sizes else sum(d for d in sizes if d is not None)
            elif len({d for d in sizes if d is not None}) > 1:
                raise ValueError(
                    "A `Concatenate` layer requires inputs with matching shapes except for the "
                    f"concatenation axis. Received: input_shape={shapes}"
                )
            else:
                output[i] = next((d for d in sizes if d is not None), None)
        return tuple(output)

    def forward(self, inputs: Any, training: bool = False) -> tuple[Array, Any]:
        self.compute_output_shape(self._input_shapes(inputs))
        sizes = [x.shape[self.axis] for x in inputs]
        return np.concatenate(list(inputs), axis=self.axis), sizes

    def backward(
        self, cache: Any, grad: Array, *, weights: bool = True, inputs: bool = True
    ) -> Gradients:
        if not inputs:
            return Gradients(None, [] if weights else None)
        dxs = np.split(grad, np.cumsum(cache)[:-1], axis=self.axis)
        return Gradients(dxs, [] if weights else None)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


def _functional(cls: type[Merge]) -> Callable[..., Any]:
    def merge(inputs: list[Any], **kwargs: Any) -> Any:
        return cls(**kwargs)(inputs)

    merge.__name__ = cls.__name__.lower()
    merge.__doc__ = (
        f"Functional interface to `{cls.__name__}`: ``{cls.__name__}(**kwargs)(inputs)``."
    )
    return merge


add = _functional(Add)
subtract = _functional(Subtract)
multiply = _functional(Multiply)
average = _functional(Average)
maximum = _functional(Maximum)
minimum = _functional(Minimum)


def concatenate(inputs: list[Any], axis: int = -1, **kwargs: Any) -> Any:
    """Functional interface to `Concatenate`: ``Concatenate(axis=axis, **kwargs)(inputs)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)
