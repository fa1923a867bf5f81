"""What `SubPixelConv*D` and `ResizeConv*D` share: a stride-1 convolution inside an upsampler.

Both are Keras-style convolutions (the arguments, weights, bias and activation of
`Conv*D`) with a fixed stride of 1, no groups and "same" padding by default,
combined with an integer enlargement of the spatial axes: after the convolution
(sub-pixel) or before it (resize-convolution).  Neither class exists in Keras:
their configs name the module ``upsample.layers`` and the registered name
``upsample>ClassName``.
"""

from __future__ import annotations

from typing import Any

from upsample.layers.convolutional import Conv
from upsample.ops.shapes import scaled_shape


class UpsamplingConv(Conv):
    """A `Conv` with unit strides and one group, and an upsampling factor per spatial axis."""

    keras_module = "upsample.layers"

    def __init__(self, filters: int, kernel_size: Any, **kwargs: Any) -> None:
        refuse_fixed_arguments(type(self).__name__, kwargs)
        super().__init__(filters, kernel_size, strides=1, groups=1, **kwargs)

    def _scaled(self, shape: Any, factors: tuple[int, ...]) -> tuple[Any, ...]:
        """`shape` with each known spatial length multiplied by its factor."""
        return scaled_shape(shape, factors, self.data_format)

    def _upsampling_config(self) -> dict[str, Any]:
        """The subclass's own arguments, listed after `kernel_size` in its config."""
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["strides"], config["groups"]
        keys = list(config)
        config.update(self._upsampling_config())
        order = [*keys[: keys.index("kernel_size") + 1], *self._upsampling_config()]
        order += [k for k in keys if k not in order]
        return {k: config[k] for k in order}


def refuse_fixed_arguments(class_name: str, kwargs: dict[str, Any]) -> None:
    """`strides` and `groups` are fixed (1) in an upsampling convolution: not arguments."""
    for fixed in ("strides", "groups"):
        if fixed in kwargs:
            raise ValueError(
                f"{class_name} convolves with unit strides and one group; it takes "
                f"no `{fixed}` argument. Received: {fixed}={kwargs[fixed]!r}"
            )
