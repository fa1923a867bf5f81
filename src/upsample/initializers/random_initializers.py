"""Random initializers (``keras/src/initializers/random_initializers.py``).

Keras's values depend on its backend's random number generator, so no NumPy
code can reproduce them bit for bit; these draw the same *distributions* from
`upsample.random` generators.  A seed makes every call return the same values
(as Keras 3 documents for seeded initializers); without one, each call draws
from the global generator, which `upsample.utils.set_random_seed` resets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from upsample import random
from upsample.initializers.initializer import Initializer, standardize_dtype, standardize_shape

# The standard deviation of a standard normal truncated to [-2, 2]: dividing by
# it gives the truncated distribution the requested variance (Keras's constant).
TRUNCATED_NORMAL_STDDEV = 0.87962566103423978


class RandomInitializer(Initializer):
    """Holds the `seed`: None (global generator, fresh values) or an int (fixed values)."""

    def __init__(self, seed: int | None = None) -> None:
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0
        ):
            raise ValueError(
                f"The `seed` must be None or a non-negative int. Received: seed={seed!r}"
            )
        self.seed = None if seed is None else int(seed)

    def _generator(self) -> np.random.Generator:
        return random.generator(self.seed)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed}


class RandomNormal(RandomInitializer):
    """Normal distribution with `mean` and `stddev`."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed)

    def __call__(self, shape: int | Sequence[int], dtype: DTypeLike | None = None) -> NDArray[Any]:
        return normal(self._generator(), shape, self.mean, self.stddev, dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomInitializer):
    """Normal distribution with `mean` and `stddev`, redrawn beyond two `stddev`."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed)

    def __call__(self, shape: int | Sequence[int], dtype: DTypeLike | None = None) -> NDArray[Any]:
        return truncated_normal(self._generator(), shape, self.mean, self.stddev, dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class RandomUniform(RandomInitializer):
    """Uniform distribution on ``[minval, maxval)``."""

    def __init__(
        self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None
    ) -> None:
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed)

    def __call__(self, shape: int | Sequence[int], dtype: DTypeLike | None = None) -> NDArray[Any]:
        return uniform(self._generator(), shape, self.minval, self.maxval, dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


# --------------------------------------------------------------------------- samplers


def normal(
    rng: np.random.Generator,
    shape: int | Sequence[int],
    mean: float,
    stddev: float,
    dtype: DTypeLike | None = None,
) -> NDArray[Any]:
    """``mean + stddev * N(0, 1)``, computed in float64 and rounded once to `dtype`."""
    dtype = standardize_dtype(dtype, floating=True)
    sample = rng.standard_normal(standardize_shape(shape))
    return (sample * stddev + mean).astype(dtype)


def truncated_normal(
    rng: np.random.Generator,
    shape: int | Sequence[int],
    mean: float,
    stddev: float,
    dtype: DTypeLike | None = None,
) -> NDArray[Any]:
    """``mean + stddev * z`` with z standard normal conditioned on ``|z| < 2``.

    Rejection sampling is exact (JAX inverts the CDF instead; same distribution):
    95.4% of draws are kept, so a few rounds finish any shape.
    """
    dtype = standardize_dtype(dtype, floating=True)
    sample = rng.standard_normal(standardize_shape(shape))
    flat = sample.reshape(-1)
    rejected = np.flatnonzero(np.abs(flat) >= 2.0)
    while rejected.size:
        flat[rejected] = rng.standard_normal(rejected.size)
        rejected = rejected[np.abs(flat[rejected]) >= 2.0]
    return (sample * stddev + mean).astype(dtype)


def uniform(
    rng: np.random.Generator,
    shape: int | Sequence[int],
    minval: float,
    maxval: float,
    dtype: DTypeLike | None = None,
) -> NDArray[Any]:
    """Uniform on ``[minval, maxval)``, also after rounding to `dtype`."""
    dtype = standardize_dtype(dtype, floating=True)
    sample = rng.uniform(minval, maxval, standardize_shape(shape)).astype(dtype)
    if maxval > minval:
        # Rounding to float32 can reach `maxval`; keep the interval half-open.
        top = np.nextafter(dtype.type(maxval), dtype.type(minval))
        np.minimum(sample, top, out=sample)
    return sample


# --------------------------------------------------------------------------- variance scaling


def compute_fans(
    shape: Sequence[int],
    input_axes: Sequence[int] | None = None,
    output_axes: Sequence[int] | None = None,
) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight shape, as Keras computes them.

    A kernel of rank > 2 is ``(*receptive_field, in, out)``: both fans are
    multiplied by the receptive field.  A `Conv2DTranspose` kernel is ``(kh, kw,
    filters, in)``, so its fan_in is ``kh * kw * filters`` (Keras's convention,
    "swapped" with respect to the data flow).
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return math.prod(shape[a] for a in input_axes), math.prod(shape[a] for a in output_axes)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")


class VarianceScaling(RandomInitializer):
    """Samples with variance ``scale / n``, where n is fan_in, fan_out or their mean."""

    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        seed: int | None = None,
        input_axes: Sequence[int] | None = None,
        output_axes: Sequence[int] | None = None,
    ) -> None:
        if isinstance(scale, bool) or not isinstance(scale, int | float) or not scale > 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale!r}")
        if mode not in _MODES:
            raise ValueError(
                f"Invalid `mode` argument. Use one of {_MODES}. Received: mode={mode!r}"
            )
        normalized = str(distribution).lower()
        normalized = "truncated_normal" if normalized == "normal" else normalized
        if normalized not in _DISTRIBUTIONS:
            raise ValueError(
                f"Invalid `distribution` argument. Use one of {_DISTRIBUTIONS}. "
                f"Received: distribution={distribution!r}"
            )
        self.scale = scale
        self.mode = mode
        self.distribution = normalized
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed)

    def __call__(self, shape: int | Sequence[int], dtype: DTypeLike | None = None) -> NDArray[Any]:
        dims = standardize_shape(shape)
        fan_in, fan_out = compute_fans(dims, self.input_axes, self.output_axes)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}
        scale = self.scale / max(1.0, fan[self.mode])
        rng = self._generator()
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(scale) / TRUNCATED_NORMAL_STDDEV
            return truncated_normal(rng, dims, 0.0, stddev, dtype)
        if self.distribution == "untruncated_normal":
            return normal(rng, dims, 0.0, math.sqrt(scale), dtype)
        limit = math.sqrt(3.0 * scale)
        return uniform(rng, dims, -limit, limit, dtype)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class _FixedVarianceScaling(VarianceScaling):
    """A named `VarianceScaling` preset: only the seed and the fan axes are arguments."""

    SCALE = 1.0
    MODE = "fan_in"
    DISTRIBUTION = "truncated_normal"

    def __init__(
        self,
        seed: int | None = None,
        input_axes: Sequence[int] | None = None,
        output_axes: Sequence[int] | None = None,
    ) -> None:
        super().__init__(
            scale=self.SCALE,
            mode=self.MODE,
            distribution=self.DISTRIBUTION,
            seed=seed,
            input_axes=input_axes,
            output_axes=output_axes,
        )

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


class GlorotUniform(_FixedVarianceScaling):
    """Uniform on ``±sqrt(6 / (fan_in + fan_out))`` (Glorot & Bengio 2010), the default."""

    MODE, DISTRIBUTION = "fan_avg", "uniform"


class GlorotNormal(_FixedVarianceScaling):
    """Truncated normal with ``stddev = sqrt(2 / (fan_in + fan_out)) / 0.8796...``."""

    MODE = "fan_avg"


class HeUniform(_FixedVarianceScaling):
    """Uniform on ``±sqrt(6 / fan_in)`` (He et al. 2015)."""

    SCALE, DISTRIBUTION = 2.0, "uniform"


class HeNormal(_FixedVarianceScaling):
    """Truncated normal with ``stddev = sqrt(2 / fan_in) / 0.8796...``."""

    SCALE = 2.0


class LecunUniform(_FixedVarianceScaling):
    """Uniform on ``±sqrt(3 / fan_in)`` (LeCun et al. 1998)."""

    DISTRIBUTION = "uniform"


class LecunNormal(_FixedVarianceScaling):
    """Truncated normal with ``stddev = sqrt(1 / fan_in) / 0.8796...``."""
