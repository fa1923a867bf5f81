"""`MaxPooling1D/2D/3D` and `AveragePooling1D/2D/3D`."""

from __future__ import annotations

from typing import Any

from upsample import config as upsample_config
from upsample.layers.layer import Array, Gradients, Layer
from upsample.ops import pooling as pooling_ops
from upsample.ops.shapes import normalize_padding, normalize_tuple


class Pooling(Layer):
    """Windowed max or mean over each spatial axis (rank 1, 2 or 3)."""

    samples_independent = True

    rank: int
    mode: str  # "max" or "average"
    # Keras's MaxPoolingND default to 2 per axis; AveragePoolingND require `pool_size`.
    default_pool_size: Any = None

    def __init__(
        self,
        pool_size: Any = None,
        strides: Any = None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        # As in Keras, weightless layers like this one are built on construction
        # (so their saved configs carry no build_config).
        self.built = True
        if pool_size is None:
            pool_size = self.default_pool_size
        if pool_size is None:
            raise TypeError(f"{type(self).__name__} requires a `pool_size` argument.")
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size")
        self.strides = (
            self.pool_size if strides is None else normalize_tuple(strides, self.rank, "strides")
        )
        self.padding = normalize_padding(padding)
        self.data_format = upsample_config.standardize_data_format(data_format)

    def check_input_shape(self, input_shape: Any) -> None:
        if isinstance(input_shape, list) or len(input_shape) != self.rank + 2:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                f"ndim={self.rank + 2}, found shape {input_shape}"
            )

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        shape = list(input_shape)
        first = 1 if self.data_format == "channels_last" else 2
        spatial = slice(first, first + len(self.pool_size))
        shape[spatial] = pooling_ops.pooled_shape(
            tuple(shape[spatial]),
            pool_size=self.pool_size,
            strides=self.strides,
            padding=self.padding,
        )
        return tuple(shape)

    def _arguments(self) -> dict[str, Any]:
        return {
            "pool_size": self.pool_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
        }

    def forward(self, inputs: Array, training: bool = False) -> tuple[Array, Any]:
        if self.mode == "max":
            return pooling_ops.max_pool(inputs, **self._arguments()), inputs
        return pooling_ops.average_pool(inputs, **self._arguments()), inputs.shape

    def backward(
        self, cache: Any, grad: Array, *, weights: bool = True, inputs: bool = True
    ) -> Gradients:
        if not inputs:
            return Gradients(None, [] if weights else None)
        if self.mode == "max":
            dx = pooling_ops.max_pool_vjp(grad, cache, **self._arguments())
        else:
            dx = pooling_ops.average_pool_vjp(grad, input_shape=cache, **self._arguments())
        return Gradients(dx, [] if weights else None)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "pool_size": tuple(self.pool_size),
            "padding": self.padding,
            "strides": tuple(self.strides),
            "data_format": self.data_format,
        }


class MaxPooling1D(Pooling):
    """Max over windows of `pool_size` steps (default 2)."""

    rank, mode, default_pool_size = 1, "max", 2


class MaxPooling2D(Pooling):
    """Max over `pool_size` windows (default (2, 2)); "same" pads with -inf at the end."""

    rank, mode, default_pool_size = 2, "max", (2, 2)


class MaxPooling3D(Pooling):
    rank, mode, default_pool_size = 3, "max", (2, 2, 2)


class AveragePooling1D(Pooling):
    """Mean over windows; with "same" padding, padded cells are not counted (as Keras)."""

    rank, mode = 1, "average"


class AveragePooling2D(Pooling):
    rank, mode = 2, "average"


class AveragePooling3D(Pooling):
    rank, mode = 3, "average"
