"""Resampling in 1, 2 and 3 dimensions: Keras's UpSampling1D/2D/3D and Resizing.

`upsample` computes ``UpSampling*D(size, interpolation)`` exactly as Keras 3 does:
"nearest" repeats every pixel (`ops.repeat`, exact on every backend); the other
interpolations are `keras.ops.image.resize` on the JAX backend, i.e.
`jax.image.resize` with half-pixel centres, taps outside the input dropped and
the remaining weights renormalised (see `weights`).  `resize` resamples to any
lengths, up or down, with `antialias` (``keras.ops.image.resize``, hence
``Resizing``).  `upsample_vjp` and `resize_vjp` are their exact transposes: the
ops are linear, so their gradients are the transposed operators.

Interpolations: "nearest", "bilinear", "bicubic" (Keys, a = -0.5), "lanczos3",
"lanczos5".  "linear" and "trilinear" are aliases of "bilinear", "cubic" and
"tricubic" of "bicubic" (as in `jax.image.resize`), so that 1-D and 3-D read
naturally; Keras itself only interpolates in 2-D.  Beyond Keras, ``coordinates=``
picks the convention that places the samples: "half_pixel" (Keras's, the
default), "align_corners" or "asymmetric" (`coordinates` has the formulas and
their PyTorch, TensorFlow and ONNX names).

Resampling is separable: one 1-D operator per axis.  Start with `reference`,
where each axis is a small dense interpolation matrix and the backward pass
its transpose.  The other modules are faster routes to the same numbers, and
`routes` is the table that picks one per call (``route=`` forces one):

* `segments`    integer upsampling as polyphase tap tables (`weights`): per phase,
                a weighted sum of strided slices over the interior rows, and a
                small matrix at the borders; every interpolation, both ways;
* `linear_x2`   half-pixel bilinear by factors of 2 in a few passes (the seeds' layer);
* `block_sums`  the transpose of nearest, the sum of each block.

Chunks run on the worker threads (`upsample.runtime`), temporaries stay
chunk-sized, and large outputs reuse the memory of dead ones.
"""

from upsample.ops.resampling.api import (
    ALIASES,
    INTERPOLATIONS,
    check_coordinates,
    check_interpolation,
    resize,
    resize_vjp,
    upsample,
    upsample_vjp,
)
from upsample.ops.resampling.coordinates import (
    ALIGN_CORNERS,
    ASYMMETRIC,
    COORDINATES,
    HALF_PIXEL,
)
from upsample.ops.resampling.routes import ROUTES

__all__ = [
    "ALIASES",
    "ALIGN_CORNERS",
    "ASYMMETRIC",
    "COORDINATES",
    "HALF_PIXEL",
    "INTERPOLATIONS",
    "ROUTES",
    "check_coordinates",
    "check_interpolation",
    "resize",
    "resize_vjp",
    "upsample",
    "upsample_vjp",
]
