"""`Layer`: Keras's layer contract, with a backward pass beside every forward pass.

A layer is configured in `__init__`, creates its weights in `build(input_shape)`
(called lazily on the first call), computes in `forward(inputs, training)` and
differentiates in `backward(cache, grad)`.  `backward` only *computes*
gradients: the optimizer applies them, so a frozen layer still passes gradients
through (a GAN trains its generator through a frozen discriminator).

Custom layers may, as in Keras, implement only `call(inputs)`: they then work
for inference, and training through them raises a clear error.  A layer whose
samples do not interact says so (``samples_independent = True``, as the
built-in layers do), so that a large training batch may run one piece per core.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from upsample import constraints, dtype_policies, initializers, regularizers
from upsample.layers.keras_tensor import KerasTensor, Node, Shape, flatten, is_symbolic
from upsample.runtime import memory
from upsample.utils.naming import auto_name
from upsample.variables import Variable

Array = NDArray[Any]


class Gradients(NamedTuple):
    """What `Layer.backward` returns.

    `inputs`: the gradient for each input (one array, or a list for a layer
    called on a list), or None when not asked for; `weights`: one per
    `layer.trainable_weights`, or None when the weights were not asked for.
    """

    inputs: Any
    weights: list[Any] | None


class Layer:
    """The base class of every layer (and of models)."""

    keras_module = "keras.layers"
    # Where a layer of a class Keras has, given arguments Keras lacks (a coordinate
    # convention), names its class instead: upsample's module, under the registered name
    # ``upsample>ClassName`` (its Keras twin's), so that Keras never reads it as its own
    # class.  None for the classes whose arguments are all Keras's.
    beyond_keras_module: str | None = None
    # Whether, in training, each sample's outputs depend on that sample alone (and no
    # random draws), so that a batch may be trained in pieces with the same result
    # (`upsample.models.pieces`).  A layer says so: by default a layer may mix samples.
    samples_independent = False

    def __init__(
        self,
        *,
        activity_regularizer: Any = None,
        trainable: bool = True,
        dtype: Any = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        input_dim = kwargs.pop("input_dim", None)
        input_shape = (input_dim,) if input_dim is not None else kwargs.pop("input_shape", None)
        if kwargs:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}"
            )
        if not isinstance(trainable, bool):
            raise ValueError(
                f"Expected `trainable` to be a boolean. Received: trainable={trainable!r} "
                f"(of type {type(trainable)})"
            )
        if activity_regularizer is not None:
            raise NotImplementedError(
                "upsample does not implement activity regularization. Received: "
                f"activity_regularizer={activity_regularizer!r}"
            )
        self.name = name if name is not None else auto_name(type(self).__name__)
        self._dtype_policy = dtype_policies.get(dtype)
        self.built = False
        self._trainable = trainable
        self._own_weights: list[Variable] = []
        self._never_trainable: set[int] = set()  # ids of weights created non-trainable
        self._regularized: list[tuple[Variable, Any]] = []
        self._constraints: list[tuple[Variable, Any]] = []
        self._input_shape_arg: tuple[int | None, ...] | None = (
            tuple(input_shape) if input_shape is not None else None
        )
        self._inbound_nodes: list[Node] = []
        self._build_shape: Any = None

    # ----------------------------------------------------------------------- dtype

    @property
    def dtype_policy(self) -> dtype_policies.DTypePolicy:
        """The layer's `DTypePolicy` (from its ``dtype=`` argument): its weights' dtype
        (`dtype`) and that of its computations and outputs (`compute_dtype`)."""
        return self._dtype_policy

    @property
    def dtype(self) -> str:
        return self._dtype_policy.variable_dtype

    @property
    def compute_dtype(self) -> str:
        return self._dtype_policy.compute_dtype

    @property
    def input_dtype(self) -> str | None:
        """The dtype floating inputs are cast to on the way in (Keras's autocast), or None.

        A layer computes and returns its compute dtype whatever float type it is
        given (a ``dtype="float16"`` layer in a float32 model returns float16), as
        Keras's ``Layer.__call__`` does; models override this (each of their
        inputs takes its `Input`'s dtype instead).
        """
        return self.compute_dtype

    # ----------------------------------------------------------------------- weights

    def add_weight(
        self,
        shape: Sequence[int] = (),
        initializer: Any = None,
        dtype: Any = None,
        trainable: bool = True,
        regularizer: Any = None,
        constraint: Any = None,
        name: str | None = None,
    ) -> Variable:
        """Create a weight, as Keras's `add_weight` (default initializer: glorot_uniform)."""
        init: Any = initializers.get(initializer if initializer is not None else "glorot_uniform")
        dtype = dtype or self.dtype
        name = name or f"variable_{len(self._own_weights)}"
        memory.check(
            memory.array_bytes(shape, dtype),
            f"{self.describe()}: its weight {name!r} of shape {tuple(shape)} ({dtype})",
        )
        variable = Variable(
            init(tuple(shape), dtype=dtype),
            name=name,
            path=f"{self.name}/{name}",
            trainable=trainable and self._trainable,
            dtype=dtype,
        )
        if not trainable:
            self._never_trainable.add(id(variable))
        self._own_weights.append(variable)
        if regularizer is not None:
            self._regularized.append((variable, regularizers.get(regularizer)))
        if constraint is not None:
            self._constraints.append((variable, constraints.get(constraint)))
        return variable

    def _sublayers(self) -> list[Layer]:
        """Layers this layer owns (models override this)."""
        return []

    @property
    def weights(self) -> list[Variable]:
        """Own trainable then non-trainable weights, then the sublayers' (deduplicated)."""
        own = [v for v in self._own_weights if v.trainable] + [
            v for v in self._own_weights if not v.trainable
        ]
        seen = {id(v) for v in own}
        for layer in self._sublayers():
            for v in layer.weights:
                if id(v) not in seen:
                    own.append(v)
                    seen.add(id(v))
        return own

    @property
    def trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return []
        return [v for v in self.weights if v.trainable]

    @property
    def non_trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return self.weights
        return [v for v in self.weights if not v.trainable]

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        """Freeze or unfreeze this layer, its weights and its sublayers (as Keras 3)."""
        value = bool(value)
        self._trainable = value
        for v in self._own_weights:
            if id(v) not in self._never_trainable:
                v.trainable = value
        for layer in self._sublayers():
            layer.trainable = value

    def get_weights(self) -> list[Array]:
        """Copies of `layer.weights`, in Keras's order and layouts."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Set `layer.weights` from arrays; a wrong count or shape names the layer and shapes."""
        variables = self.weights
        if len(variables) != len(weights):
            raise ValueError(
                f"You called `set_weights(weights)` on layer '{self.name}' with a weight list "
                f"of length {len(weights)}, but the layer was expecting {len(variables)} "
                f"weights (shapes {[v.shape for v in variables]})."
            )
        arrays = [np.asarray(w) for w in weights]
        for variable, value in zip(variables, arrays, strict=True):
            if variable.shape != value.shape:
                raise ValueError(
                    f"Layer {self.name} weight shape {variable.shape} is not compatible with "
                    f"provided weight shape {value.shape}."
                )
        for variable, value in zip(variables, arrays, strict=True):
            variable.assign(value)

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the layer isn't "
                "built. You can build it manually via: `layer.build(input_shape)`."
            )
        return int(sum(np.prod(v.shape, dtype=np.int64) for v in self.weights))

    def regularization(self) -> tuple[float, dict[int, Array]]:
        """The weight-regularization loss of this layer and its gradient per variable id."""
        total, grads = 0.0, {}
        for layer in [self, *self._all_sublayers()]:
            for variable, regularizer in layer._regularized:
                total += float(regularizer(variable.value))
                grads[id(variable)] = regularizer.gradient(variable.value)
        return total, grads

    def apply_constraints(self) -> None:
        """Project constrained weights after an optimizer step (Keras does it in the optimizer)."""
        for layer in [self, *self._all_sublayers()]:
            for variable, constraint in layer._constraints:
                variable.assign(constraint(variable.value))

    def _all_sublayers(self) -> list[Layer]:
        found: list[Layer] = []
        for layer in self._sublayers():
            found.append(layer)
            found.extend(layer._all_sublayers())
        return found

    # ----------------------------------------------------------------------- the contract

    def build(self, input_shape: Any) -> None:
        """Create the weights for inputs of `input_shape` (batch dimension may be None)."""
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output shape for `input_shape`, without computing anything."""
        return input_shape

    def forward(self, inputs: Any, training: bool = False) -> tuple[Any, Any]:
        """Compute ``(outputs, cache)``; `cache` holds what `backward` needs."""
        if type(self).call is not Layer.call:
            return self.call(inputs, training=training), None
        raise NotImplementedError(
            f"Layer {type(self).__name__} implements neither forward nor call."
        )

    def backward(
        self, cache: Any, grad: Any, *, weights: bool = True, inputs: bool = True
    ) -> Gradients:
        """Gradients of the inputs (if `inputs`) and of `trainable_weights` (if `weights`).

        What is not asked for may be None; a layer skips work it does not need
        (the first layer of a model never computes its input-gradient).
        """
        raise NotImplementedError(
            f"Layer {self.name!r} ({type(self).__name__}) defines no backward pass, so it "
            "cannot be trained through. Implement `forward` and `backward`."
        )

    def call(self, inputs: Any, training: bool = False) -> Any:
        """Keras's `call`: the outputs for `inputs` (inference)."""
        return self.forward(inputs, training=training)[0]

    # ----------------------------------------------------------------------- calling

    def __call__(self, inputs: Any, training: bool | None = None, **kwargs: Any) -> Any:
        if kwargs:
            raise ValueError(f"Layer {self.name!r} got unexpected call arguments: {sorted(kwargs)}")
        if is_symbolic(inputs):
            return self._symbolic_call(inputs)
        arrays = self._to_arrays(inputs)
        self._ensure_built(_shape_of(arrays))
        self.check_call_memory(_concrete_shape(arrays))
        return self.call(arrays, training=bool(training))

    def check_call_memory(self, input_shape: Any) -> None:
        """Refuse a call on inputs of `input_shape` whose output cannot fit in memory.

        Estimated from `compute_output_shape`, before anything is computed (see
        `upsample.runtime.memory`); models check every layer's output instead.
        """
        shapes = self.compute_output_shape(input_shape)
        for shape in shapes if isinstance(shapes, list) else [shapes]:
            memory.check(
                memory.array_bytes(shape, self.compute_dtype),
                f"{self.describe()}: its output of shape {tuple(shape)} ({self.compute_dtype})",
            )

    def describe(self) -> str:
        """``Layer 'conv2d' (Conv2D, filters=64, kernel_size=(3, 3))``: the layer and the
        arguments of its config that set its sizes (those holding integers, one above 1)."""
        try:
            config = self.get_config()
        except NotImplementedError:
            config = {}
        sizes = [
            f"{key}={tuple(value) if isinstance(value, list) else value!r}"
            for key, value in config.items()
            if _is_size(value) and max(_ints(value)) > 1  # not the ones that change nothing
        ]
        return f"Layer {self.name!r} ({', '.join([type(self).__name__, *sizes])})"

    def _to_arrays(self, inputs: Any) -> Any:
        if isinstance(inputs, list | tuple):
            return [self._to_arrays(x) for x in inputs]
        array = np.asarray(inputs)
        refuse_complex(array, f"The input of layer {self.name!r}")
        target = self.input_dtype
        # Integers and booleans too: every layer here computes in floats.
        if target is not None and array.dtype != target and array.dtype.kind in "biuf":
            array = array.astype(target)
        return array

    def _ensure_built(self, input_shape: Any) -> None:
        if not self.built:
            self.check_input_shape(input_shape)
            self.build(input_shape)
            self.built = True
            self._build_shape = input_shape
        else:
            self.check_input_shape(input_shape)

    def check_input_shape(self, input_shape: Any) -> None:
        """Raise a clear error for inputs this layer cannot take (subclasses refine this)."""

    def _symbolic_call(self, inputs: Any) -> Any:
        tensors = flatten(inputs)
        shapes = _shape_of(inputs)
        self._ensure_built(shapes)
        out_shape = self.compute_output_shape(shapes)
        single = not isinstance(inputs, list | tuple)
        node = Node(self, tensors, single_input=single)
        multiple = isinstance(out_shape, list)
        out_shapes = out_shape if multiple else [out_shape]
        outputs = [
            KerasTensor(s, self.compute_dtype, name=self.name, node=node, index=i)
            for i, s in enumerate(out_shapes)
        ]
        node.outputs = outputs
        self._inbound_nodes.append(node)
        return outputs if multiple else outputs[0]

    @property
    def input(self) -> Any:
        """The symbolic input of the layer's first call (functional models)."""
        node = self._first_node()
        return node.inputs[0] if node.single_input else list(node.inputs)

    @property
    def output(self) -> Any:
        node = self._first_node()
        return node.outputs[0] if len(node.outputs) == 1 else list(node.outputs)

    def _first_node(self) -> Node:
        if not self._inbound_nodes:
            raise AttributeError(
                f"Layer {self.name!r} has never been called on a symbolic input, so it has "
                "no defined input or output."
            )
        return self._inbound_nodes[0]

    # ----------------------------------------------------------------------- config

    def get_config(self) -> dict[str, Any]:
        """Keras's base config: name, trainable and the dtype policy."""
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": {
                "module": "keras",
                "class_name": "DTypePolicy",
                "config": self._dtype_policy.get_config(),
                "registered_name": None,
            },
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        return cls(**config)

    def get_build_config(self) -> dict[str, Any] | None:
        if self._build_shape is None:
            return None
        return {"input_shape": _jsonable_shape(self._build_shape)}

    def build_from_config(self, config: dict[str, Any] | None) -> None:
        if config and "input_shape" in config and not self.built:
            shape = _tuple_shape(config["input_shape"])
            self.build(shape)
            self.built = True
            self._build_shape = shape

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def autocast(value: Any, dtype: str | None) -> Any:
    """`value` (an array or a list of arrays) with its floating arrays cast to `dtype`.

    Keras's ``DTypePolicy.convert_input``, which a model applies to the inputs of
    each of its layers: other dtypes pass unchanged, and None means no cast.
    """
    if isinstance(value, list):
        return [autocast(v, dtype) for v in value]
    if dtype is None or value.dtype.kind != "f" or value.dtype == dtype:
        return value
    return value.astype(dtype)


def refuse_complex(array: Array, what: str) -> None:
    """A TypeError for complex numbers, which casting to the layers' float dtype would truncate."""
    if np.iscomplexobj(array):
        raise TypeError(
            f"{what} is complex (dtype={array.dtype}); upsample computes on real numbers, and "
            "casting would silently drop the imaginary part. Pass its real part (.real) or its "
            "magnitude (np.abs) instead."
        )


def _is_size(value: Any) -> bool:
    """Whether a config value is an int or a (nested) sequence of ints: a size argument."""
    if isinstance(value, list | tuple):
        return bool(value) and all(_is_size(v) for v in value)
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _ints(value: Any) -> list[int]:
    if isinstance(value, list | tuple):
        return [n for v in value for n in _ints(v)]
    return [int(value)]


def _concrete_shape(structure: Any) -> Any:
    """The full shapes (batch included) of an array or a list of arrays."""
    if isinstance(structure, list | tuple):
        return [_concrete_shape(s) for s in structure]
    return tuple(np.shape(structure))


def _shape_of(structure: Any) -> Any:
    if isinstance(structure, list | tuple):
        return [_shape_of(s) for s in structure]
    if isinstance(structure, KerasTensor):
        return structure.shape
    return (None, *np.shape(structure)[1:]) if np.ndim(structure) > 0 else ()


def _jsonable_shape(shape: Any) -> Any:
    if isinstance(shape, list):
        return [_jsonable_shape(s) for s in shape]
    return list(shape)


def _tuple_shape(shape: Any) -> Any:
    if shape and isinstance(shape[0], list | tuple):
        return [tuple(s) for s in shape]
    return tuple(shape)


def standardize_shape(shape: Any, name: str = "shape") -> Shape:
    """A shape as a tuple of positive ints or None."""
    try:
        dims = tuple(shape)
    except TypeError:
        dims = (shape,)
    for d in dims:
        if d is not None and (isinstance(d, bool) or not isinstance(d, int | np.integer) or d <= 0):
            raise ValueError(
                f"The `{name}` must be a tuple of positive ints (or None). "
                f"Received: {name}={shape!r}"
            )
    return tuple(None if d is None else int(d) for d in dims)
