"""Convolution and transposed convolution in 1, 2 and 3 spatial dimensions.

**A transposed convolution is the input-gradient of a convolution, and vice
versa.**  This is the central lesson of the seeds, and this package is built on
it: one convolution geometry (`shapes.ConvGeometry`, a "wide" and a "narrow"
side), and three linear maps over it, each the transpose of another
(`routes.correlate`, `routes.correlate_adjoint`, `routes.correlate_kernel_grad`):

* forward       wide -> narrow   ``y[o] = sum_t x[o*s + t*d - pad] @ w[t]``
* adjoint       narrow -> wide   its transpose in ``x``: the transposed convolution
* kernel_grad   (wide, narrow) -> kernel, its transpose in ``w``

so that ``conv == forward``, ``conv_vjp == (adjoint, kernel_grad)``,
``conv_transpose == adjoint`` and ``conv_transpose_vjp == (forward, kernel_grad)``.

Kernels use Keras layouts: a convolution kernel is ``(*k, in, out)``; a
transposed-convolution kernel is ``(*k, out, in)``, i.e. exactly the kernel of
the convolution whose input-gradient it computes, not flipped.

Start with `reference`: the three maps as a loop over the kernel taps.  The
other modules are faster routes to the same numbers, and `routes` is the table
that picks one per call (``route=`` on every kernel forces one):

* `im2col`       the patches under every tap side by side, a matmul per chunk of rows
                 (the data movement itself is in `gather`);
* `split_rows`   im2col without the taps of the first axis when its stride is 1;
* `phases`       the transposed map without zero insertion, one stride-1
                 correlation per output phase;
* `one_channel`  into one channel, one product and shifted sums;
* `flat_shift`   small stride-1 problems, one matmul per tap on shifted rows.

Chunks run on the worker threads (`upsample.runtime`), temporaries stay
chunk-sized, and large outputs reuse the memory of dead ones.
"""

from upsample.ops.convolution.api import (
    ConvGrads,
    conv,
    conv_transpose,
    conv_transpose_vjp,
    conv_vjp,
)
from upsample.ops.convolution.routes import ROUTES

__all__ = ["ROUTES", "ConvGrads", "conv", "conv_transpose", "conv_transpose_vjp", "conv_vjp"]
