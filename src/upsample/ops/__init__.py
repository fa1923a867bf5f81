"""The kernels: pure functions on arrays, keyword-only, each with its vector-Jacobian product.

No layers and no hidden state: what the kernels keep between calls to run fast
(worker threads, reusable buffers) lives in `upsample.runtime`.  Shapes and
paddings are computed in `shapes`, the single source of truth for them.

* `convolution`  conv, conv_transpose and their gradients (each the other's),
                 a plain reference route and the fast routes, chosen by a route table;
* `resampling`   upsampling by integer factors and resizing to any size (nearest,
                 bilinear, bicubic, lanczos3/5; three coordinate conventions;
                 antialias) and their transposes, organised the same way;
* `pixel_shuffle`  depth_to_space and space_to_depth (DCR or CRD), each the other's transpose;
* `pooling`      max and average pooling;
* `activations`  Keras's activations as JAX computes them, with their derivatives;
* `linear`       the Dense layer's affine map.
"""

from upsample.ops import activations, shapes
from upsample.ops.convolution import (
    ConvGrads,
    conv,
    conv_transpose,
    conv_transpose_vjp,
    conv_vjp,
)
from upsample.ops.linear import LinearGrads, dense, dense_vjp
from upsample.ops.pixel_shuffle import (
    depth_to_space,
    depth_to_space_vjp,
    space_to_depth,
    space_to_depth_vjp,
)
from upsample.ops.pooling import average_pool, average_pool_vjp, max_pool, max_pool_vjp
from upsample.ops.resampling import (
    check_interpolation,
    resize,
    resize_vjp,
    upsample,
    upsample_vjp,
)

__all__ = [
    "ConvGrads",
    "LinearGrads",
    "activations",
    "average_pool",
    "average_pool_vjp",
    "check_interpolation",
    "conv",
    "conv_transpose",
    "conv_transpose_vjp",
    "conv_vjp",
    "dense",
    "dense_vjp",
    "depth_to_space",
    "depth_to_space_vjp",
    "max_pool",
    "max_pool_vjp",
    "resize",
    "resize_vjp",
    "shapes",
    "space_to_depth",
    "space_to_depth_vjp",
    "upsample",
    "upsample_vjp",
]
