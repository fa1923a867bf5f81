"""Coordinate conventions: where output ``o`` of an axis samples the input.

An axis of ``n`` input pixels is resampled to ``m`` output pixels.  Pixel ``j``
of the input is centred at position ``j``; output ``o`` reads the input around
its *sample position* ``s_o``, which the convention defines (the names are
ONNX's ``Resize`` ``coordinate_transformation_mode``):

    half_pixel     s_o = (o + 0.5) * n / m - 0.5   Keras 3, TF 2, JAX; PyTorch align_corners=False
    align_corners  s_o = o * (n - 1) / (m - 1)     PyTorch align_corners=True; TF 1 align_corners
                   (s_o = 0 when m = 1)
    asymmetric     s_o = o * n / m                 TF 1 and Keras <= 2.3 resize_bilinear

half_pixel treats pixels as unit squares and lines up the edges of the first
and last pixels; align_corners lines up their centres (the corner values are
kept, and the spacing of the samples depends on the length); asymmetric lines up
the first centre and the ends, which shifts the image by up to half an input
pixel towards the start.

Nearest neighbour copies one input:

    half_pixel     floor((o + 0.5) * n / m)   Keras/JAX, PyTorch mode="nearest-exact", TF 2;
                                              ONNX half_pixel + nearest_mode="round_prefer_ceil"
    asymmetric     floor(o * n / m)           PyTorch mode="nearest" (legacy), TF 1,
                                              ONNX asymmetric + nearest_mode="floor"
    align_corners  refused: PyTorch refuses align_corners for nearest, and TF 1 and
                   ONNX's default round the ties o * (n - 1) / (m - 1) = k + 1/2 apart

For integer upsampling factors both nearest rules repeat every pixel (Keras's
`ops.repeat`).  Precision: `jax.image.resize` evaluates the half-pixel rule in
float32 under `jax.jit`, where XLA turns ``(o + 0.5) * n / m`` into
``(o + 0.5) * c`` with ``c = float32(n * float32(1 / m))``; `nearest_indices` does
the same, so that indices agree with Keras for every size (checked against JAX
for all lengths up to 64 and a range of image sizes; a plain float32 division
picks another pixel in about 2% of those).  For integer factors the result is
exactly ``o // f`` (checked for factors below 300).  The asymmetric rule is
evaluated exactly, ``(o * n) // m``: PyTorch on float32 tensors and TF 1 compute
``floor(float32(o) * float32(n / m))``, which agrees for every integer factor up
to 40 but not always beyond (factors 41 and 47 drop a pixel at the start of some
blocks), nor for every other ratio.

PyTorch's ``F.interpolate`` / ``nn.Upsample`` in these terms (measured with
PyTorch 2.13 in float64: equal to 1e-14 on random sizes up and down, 1-, 2- and 3-D):

    mode="nearest"                            interpolation="nearest", coordinates="asymmetric"
    mode="nearest-exact"                      interpolation="nearest", coordinates="half_pixel"
    mode="(bi|tri)linear", align_corners=False  interpolation="bilinear", "half_pixel"
    mode="(bi|tri)linear", align_corners=True   interpolation="bilinear", "align_corners"
    antialias=True, align_corners=False       the same with antialias=True (bilinear, and
                                              bicubic, which is Keys a = -0.5 there as here;
                                              but PyTorch's one-call 2-D resize to a width of
                                              1 differs from its own two 1-D calls)
    mode="bicubic", antialias=False           no equivalent: Keys a = -0.75 with the border
                                              pixels replicated, where Keras (and "bicubic"
                                              here) uses a = -0.5 and renormalises
    antialias=True, align_corners=True        no equivalent: PyTorch widens the kernel by
                                              (n - 1) / (m - 1) but keeps half-pixel centres

Outside the input nothing exists: the taps that fall there are dropped and the
others renormalised, as `jax.image.resize` does.  Samples beyond the last
centre therefore read the last pixel (with linear interpolation that is TF 1's
clamped edge); the asymmetric convention has some when enlarging by more than 2
(``s_o`` up to ``n - n / m``), where `jax.image.scale_and_translate` would zero
the outputs whose ``s_o`` exceeds ``n - 0.5`` instead.

The interpolating kernels weigh input ``j`` by ``kernel(|s_o - j| / width)``
(`reference`), where ``width = max(spacing, 1)`` with `antialias` and 1 without:
the spacing of the samples (``n / m``, or ``(n - 1) / (m - 1)`` for align_corners)
widens the kernel only when downsampling, as `jax.image.scale_and_translate`
does (Keras 3's ``antialias=True``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

HALF_PIXEL = "half_pixel"
ALIGN_CORNERS = "align_corners"
ASYMMETRIC = "asymmetric"
COORDINATES: tuple[str, ...] = (HALF_PIXEL, ALIGN_CORNERS, ASYMMETRIC)


def sample_positions(
    coordinates: str, input_length: int, output_length: int
) -> NDArray[np.float64]:
    """``s_o`` for ``o`` in ``range(output_length)``: ``(output_length,)`` float64."""
    o = np.arange(output_length, dtype=np.float64)
    n, m = input_length, output_length
    if coordinates == HALF_PIXEL:
        return ((2 * o + 1) * n - m) / (2 * m)
    if coordinates == ALIGN_CORNERS:
        return o * (n - 1) / (m - 1) if m > 1 else np.zeros(m)
    return o * n / m


def spacing(coordinates: str, input_length: int, output_length: int) -> float:
    """The distance between consecutive sample positions, in input pixels."""
    if coordinates == ALIGN_CORNERS:
        return (input_length - 1) / (output_length - 1) if output_length > 1 else 0.0
    return input_length / output_length


def nearest_indices(coordinates: str, input_length: int, output_length: int) -> NDArray[np.int64]:
    """The input each output copies with nearest neighbour: ``(output_length,)`` int64."""
    n, m = input_length, output_length
    if coordinates == HALF_PIXEL:
        # JAX's `_resize_nearest` as XLA compiles it (see above); out-of-range gathers clamp.
        step = np.float32(n) * (np.float32(1) / np.float32(m))
        found = np.floor((np.arange(m, dtype=np.float32) + np.float32(0.5)) * step)
        return np.minimum(found.astype(np.int64), n - 1)
    return np.arange(m, dtype=np.int64) * n // m
