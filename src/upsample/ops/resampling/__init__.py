"""Upsampling by integer factors (Keras's UpSampling1D/2D/3D) in 1, 2 and 3 dimensions.

`upsample` computes ``UpSampling*D(size, interpolation)`` exactly as Keras 3 does:
"nearest" repeats every pixel (`ops.repeat`, exact on every backend); the other
interpolations are `keras.ops.image.resize` on the JAX backend, i.e.
`jax.image.resize` with half-pixel centres, taps outside the input dropped and
the remaining weights renormalised (see `weights`).  `upsample_vjp` is its exact
transpose: the op is linear, so its gradient is the transposed operator.

Interpolations: "nearest", "bilinear", "bicubic" (Keys, a = -0.5), "lanczos3",
"lanczos5".  "linear" and "trilinear" are aliases of "bilinear", "cubic" and
"tricubic" of "bicubic" (as in `jax.image.resize`), so that 1-D and 3-D read
naturally; Keras itself only interpolates in 2-D.

Resampling is separable: one 1-D operator per axis.  Start with `reference`,
where each axis is a small dense interpolation matrix and the backward pass
its transpose.  The other modules are faster routes to the same numbers, and
`routes` is the table that picks one per call (``route=`` forces one):

* `segments`    the operator as polyphase tap tables (`weights`): per phase, a
                weighted sum of strided slices over the interior rows, and a
                small matrix at the borders; every interpolation, both ways;
* `linear_x2`   bilinear by factors of 2 in a few passes (the seeds' layer);
* `block_sums`  the transpose of nearest, the sum of each block.

Chunks run on the worker threads (`upsample.runtime`), temporaries stay
chunk-sized, and large outputs reuse the memory of dead ones.
"""

from upsample.ops.resampling.api import (
    ALIASES,
    INTERPOLATIONS,
    check_interpolation,
    upsample,
    upsample_vjp,
)
from upsample.ops.resampling.routes import ROUTES

__all__ = ["ALIASES", "INTERPOLATIONS", "ROUTES", "check_interpolation", "upsample", "upsample_vjp"]
