"""`BatchNormalization`: normalize each feature with batch (training) or moving statistics.

For a feature ``c`` (the entries of `axis`), with ``inv = gamma / sqrt(var + epsilon)``:
``y = x * inv + (beta - mean * inv)``.  In training `mean` and `var` are the
statistics of the batch over every other axis (the *biased* variance, dividing
by the number of values, as `jnp.var`) and the moving statistics are updated
during the forward pass; in inference the moving statistics are used.
"""

from __future__ import annotations

import math
import numbers
import operator
from typing import Any, NamedTuple

import numpy as np

from upsample import constraints, initializers, regularizers
from upsample.layers.layer import Array, Gradients, Layer
from upsample.ops.reductions import sum_except


class _Cache(NamedTuple):
    """What `BatchNormalization.backward` needs from its forward pass."""

    centered: Array  # x - mean, in the compute dtype
    rsqrt: Array  # 1 / sqrt(var + epsilon), shaped to broadcast against x
    batch_statistics: bool  # whether mean and var were functions of x
    dtype: np.dtype[Any]  # the dtype of the inputs


class BatchNormalization(Layer):
    """Normalize features along `axis` (weights: gamma, beta, moving_mean, moving_variance)."""

    samples_independent = False  # batch statistics

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        moving_mean_initializer: Any = "zeros",
        moving_variance_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        renorm: bool = False,
        renorm_clipping: dict[str, float] | None = None,
        renorm_momentum: float = 0.99,
        synchronized: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if renorm:
            raise NotImplementedError(
                f"upsample does not implement batch renormalization. Received: renorm={renorm!r}"
            )
        if synchronized:
            raise NotImplementedError(
                "upsample runs on one device, so there is nothing to synchronize. "
                f"Received: synchronized={synchronized!r}"
            )
        try:
            self.axis = operator.index(axis)  # an int or a NumPy int, as Keras's int(axis)
        except TypeError:
            raise ValueError(
                f"The `axis` of BatchNormalization must be an int. Received: axis={axis!r}"
            ) from None
        self.momentum = _real(momentum, "momentum")
        self.epsilon = _real(epsilon, "epsilon")
        self.center = bool(center)
        self.scale = bool(scale)
        # Any: whatever `get` accepts (a name, a config, an instance or a callable).
        self.beta_initializer: Any = initializers.get(beta_initializer)
        self.gamma_initializer: Any = initializers.get(gamma_initializer)
        self.moving_mean_initializer: Any = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer: Any = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.renorm = False
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.synchronized = False
        self.gamma: Any = None
        self.beta: Any = None
        self.moving_mean: Any = None
        self.moving_variance: Any = None
        self._ndim: int | None = None

    def check_input_shape(self, input_shape: Any) -> None:
        if isinstance(input_shape, list):
            raise ValueError(f"Layer {self.name!r} expects one input, received {len(input_shape)}.")
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim:
            raise ValueError(
                f"Axis {self.axis} is out of bounds for input shape {tuple(input_shape)}. "
                f"Received: axis={self.axis}"
            )
        if input_shape[self.axis] is None:
            raise ValueError(
                f"The normalized axis {self.axis} of the inputs of {self.name!r} must have a "
                f"known size. Received input shape {tuple(input_shape)}."
            )
        if self.moving_mean is None:
            return
        features = self.moving_mean.shape[0]
        if ndim != self._ndim or input_shape[self.axis] != features:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                f"ndim={self._ndim} and axis {self.axis} of size {features}, but received "
                f"input with shape {tuple(input_shape)}"
            )

    def build(self, input_shape: Any) -> None:
        shape = (int(input_shape[self.axis]),)
        if self.scale:
            self.gamma = self.add_weight(
                shape=shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                name="gamma",
            )
        if self.center:
            self.beta = self.add_weight(
                shape=shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                name="beta",
            )
        self.moving_mean = self.add_weight(
            shape=shape,
            initializer=self.moving_mean_initializer,
            trainable=False,
            name="moving_mean",
        )
        self.moving_variance = self.add_weight(
            shape=shape,
            initializer=self.moving_variance_initializer,
            trainable=False,
            name="moving_variance",
        )
        self._ndim = len(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def _broadcastable(self, values: Array, ndim: int) -> Array:
        """A per-feature vector reshaped to broadcast along `axis` of an `ndim`-array."""
        shape = [1] * ndim
        shape[self.axis] = -1
        return values.reshape(shape)

    def forward(self, inputs: Array, training: bool = False) -> tuple[Array, _Cache]:
        # Keras computes in float32 at least (float16 statistics overflow).
        dtype = np.result_type(inputs.dtype, np.float32)
        x = inputs.astype(dtype, copy=False)
        # A frozen BatchNormalization runs in inference mode, as in Keras.
        batch_statistics = bool(training) and self.trainable
        if batch_statistics:
            count = x.size // max(x.shape[self.axis], 1)
            mean = self._broadcastable(self._sums(x) / dtype.type(count), x.ndim)
            centered = x - mean
            # The biased variance (divided by the count, not count - 1), as `jnp.var`.
            variance = self._sums(np.square(centered)) / dtype.type(count)
            variance = self._broadcastable(variance, x.ndim)
            self._update_moving_statistics(mean.reshape(-1), variance.reshape(-1))
        else:
            mean = self._broadcastable(self.moving_mean.value.astype(dtype), x.ndim)
            variance = self._broadcastable(self.moving_variance.value.astype(dtype), x.ndim)
            centered = x - mean
        # 1/sqrt in float64, rounded once: float32 `1 / np.sqrt` rounds twice and
        # disagrees with XLA's rsqrt more often (it matters: `x * inv` cancels).
        shifted = (variance + dtype.type(self.epsilon)).astype(np.float64)
        rsqrt = (1.0 / np.sqrt(shifted)).astype(dtype)
        # The same order of operations as Keras (`ops.batch_normalization`), so
        # that float32 results round alike.
        inv = rsqrt * self._gamma(dtype, x.ndim) if self.scale else rsqrt
        shift = -mean * inv
        if self.center:
            shift = shift + self._broadcastable(self.beta.value.astype(dtype), x.ndim)
        outputs = (x * inv + shift).astype(inputs.dtype, copy=False)
        return outputs, _Cache(centered, rsqrt, batch_statistics, inputs.dtype)

    def _sums(self, values: Array) -> Array:
        """Per feature, the sum over every other axis (batch and spatial: hundreds of
        thousands of values), added as accurately as in float64 (`ops.reductions`)."""
        return sum_except(np.ascontiguousarray(values), self.axis)

    def _update_moving_statistics(self, mean: Array, variance: Array) -> None:
        """``moving = moving * momentum + batch * (1 - momentum)``, in the forward pass as Keras."""
        for moving, batch in ((self.moving_mean, mean), (self.moving_variance, variance)):
            moving.assign(
                moving.value.astype(batch.dtype) * self.momentum + batch * (1.0 - self.momentum)
            )

    def _gamma(self, dtype: np.dtype[Any], ndim: int) -> Array:
        return self._broadcastable(self.gamma.value.astype(dtype), ndim)

    def backward(
        self, cache: _Cache, grad: Array, *, weights: bool = True, inputs: bool = True
    ) -> Gradients:
        x_centered, rsqrt, batch_statistics, input_dtype = cache
        g = grad.astype(x_centered.dtype, copy=False)
        ndim = g.ndim
        normalized = x_centered * rsqrt
        d_beta = self._sums(g)
        d_gamma = self._sums(g * normalized)
        dx = None
        if inputs:
            scale = rsqrt * self._gamma(g.dtype, ndim) if self.scale else rsqrt
            if batch_statistics:
                # Through the batch mean and variance:
                # dx = gamma * rsqrt * (g - mean(g) - normalized * mean(g * normalized)).
                count = g.size // max(g.shape[self.axis], 1)
                dx = scale * (
                    g
                    - self._broadcastable(d_beta / count, ndim)
                    - normalized * self._broadcastable(d_gamma / count, ndim)
                )
            else:
                dx = g * scale
            dx = dx.astype(input_dtype, copy=False)
        weight_grads = None
        if weights:
            by_weight = {}
            if self.scale:
                by_weight[id(self.gamma)] = d_gamma.astype(self.gamma.dtype, copy=False)
            if self.center:
                by_weight[id(self.beta)] = d_beta.astype(self.beta.dtype, copy=False)
            weight_grads = [by_weight[id(v)] for v in self.trainable_weights]
        return Gradients(dx, weight_grads)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        }


def _real(value: Any, name: str) -> float:
    """`value` as a float; bools, strings and non-finite numbers are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(
            f"The `{name}` argument must be a finite number. Received: {name}={value!r}"
        )
    return float(value)
