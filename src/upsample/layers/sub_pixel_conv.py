"""`SubPixelConv1D/2D/3D`: a convolution to ``filters * prod(scale)`` channels, then a shuffle.

Shi et al. 2016 ("Real-time single image and video super-resolution using an
efficient sub-pixel convolutional neural network", ESPCN): the convolution runs
at the low resolution and `depth_to_space` interleaves its ``prod(scale)``
groups of `filters` channels into the output pixels.  It is a reparametrisation
of a transposed convolution (Shi et al. 2016, arXiv:1609.07009).

The kernel initializer defaults to `ICNR` for the layer's scale and order
(Aitken et al. 2017): at initialisation the layer is then a low-resolution
convolution followed by nearest-neighbour upsampling, free of checkerboards.
The bias has one entry per convolution output channel (``filters * prod(scale)``).
"""

from __future__ import annotations

import math
from typing import Any

from upsample.initializers import ICNR
from upsample.layers.layer import Array
from upsample.layers.upsampling_conv import UpsamplingConv
from upsample.ops.pixel_shuffle import check_order, depth_to_space, space_to_depth
from upsample.ops.shapes import normalize_tuple


class SubPixelConv(UpsamplingConv):
    """A convolution, kernel ``(*k, in, filters * prod(scale))``, then `depth_to_space`."""

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        scale: Any = 2,
        order: str = "DCR",
        padding: str = "same",
        data_format: str | None = None,
        dilation_rate: Any = 1,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = None,
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        self.scale = normalize_tuple(scale, self.rank, "scale")
        self.order = check_order(order)
        super().__init__(
            filters,
            kernel_size,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=(
                ICNR(self.scale, self.order) if kernel_initializer is None else kernel_initializer
            ),
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )
        check_icnr_fits(self, ICNR)

    @property
    def phases(self) -> int:
        """Output pixels per input pixel: ``prod(scale)``."""
        return math.prod(self.scale)

    def _kernel_shape(self, channels: int) -> tuple[int, ...]:
        return (*self.kernel_size, channels, self.filters * self.phases)

    def build(self, input_shape: Any) -> None:
        channels = int(input_shape[self.channel_axis])
        self._build_weights(self._kernel_shape(channels), self.filters * self.phases)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return self._scaled(super().compute_output_shape(input_shape), self.scale)

    def _shuffle(self) -> dict[str, Any]:
        return {"block_size": self.scale, "order": self.order, "data_format": self.data_format}

    def _affine(self, inputs: Array) -> Array:
        return depth_to_space(super()._affine(inputs), **self._shuffle())

    def _affine_vjp(
        self, grad: Array, inputs: Array, *, need_inputs: bool, need_kernel: bool
    ) -> tuple[Array | None, Array | None, Array | None]:
        # The shuffle is a permutation: its gradient is the inverse permutation.
        return super()._affine_vjp(
            space_to_depth(grad, **self._shuffle()),
            inputs,
            need_inputs=need_inputs,
            need_kernel=need_kernel,
        )

    def _upsampling_config(self) -> dict[str, Any]:
        return {"scale": tuple(self.scale), "order": self.order}


class SubPixelConv1D(SubPixelConv):
    """1-D: ``(batch, steps, channels)`` -> ``(batch, steps * scale, filters)``."""

    rank = 1


class SubPixelConv2D(SubPixelConv):
    """2-D sub-pixel convolution (ESPCN's upsampling layer)."""

    rank = 2


class SubPixelConv3D(SubPixelConv):
    """3-D sub-pixel convolution."""

    rank = 3


def check_icnr_fits(layer: Any, icnr_class: Any) -> None:
    """An ICNR kernel initializer must be for `layer`'s kernel: its scale, its order.

    `layer` has `kernel_initializer`, `rank`, `scale` and `order`; `icnr_class`
    is upsample's `ICNR` or its Keras twin.
    """
    icnr = layer.kernel_initializer
    if not isinstance(icnr, icnr_class):
        return
    fits = not icnr.transposed and icnr.order == layer.order
    try:
        fits = fits and normalize_tuple(icnr.scale, layer.rank, "scale") == layer.scale
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"The `kernel_initializer` {icnr!r} does not fit this layer: a sub-pixel "
            f"convolution with scale={layer.scale} and order={layer.order!r} needs "
            f"ICNR(scale={layer.scale}, order={layer.order!r}, transposed=False)."
        )
