"""Keras's training API: `compile`, `fit`, `evaluate`, `predict` and the `*_on_batch` methods.

One training step is: forward (keeping caches), the loss and its gradient with
respect to the predictions, backward through the graph, then the optimizer
applies the gradients.  The reported "loss" of an epoch is, as in Keras, the
mean of the batch losses weighted by batch size, regularization included.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from upsample import losses as losses_module
from upsample import metrics as metrics_module
from upsample import optimizers, runtime
from upsample.callbacks import CallbackList, History
from upsample.layers.layer import Gradients
from upsample.models import data as data_utils
from upsample.models import pieces
from upsample.models.plan import forget_plans, plan_for
from upsample.random import global_generator
from upsample.variables import Variable

Array = np.ndarray


@dataclass(frozen=True)
class FitData:
    """The checked arrays `fit` trains and validates on, and its batch sizes."""

    xs: list[Array]
    ys: list[Array]
    sample_weights: list[Array] | None
    validation: tuple[list[Array], list[Array], list[Array] | None] | None
    batch_size: int
    validation_batch_size: int


class TrainedModel(Protocol):
    """What the trainer needs from the model it is mixed into (`Model` provides it)."""

    def forward(self, inputs: Any, training: bool = False) -> tuple[Any, Any]: ...

    def backward(
        self, cache: Any, grad: Any, *, weights: bool = True, inputs: bool = True
    ) -> Gradients: ...

    @property
    def trainable_weights(self) -> list[Variable]: ...

    def regularization(self) -> tuple[float, dict[int, Array]]: ...

    def apply_constraints(self) -> None: ...

    def check_input_shape(self, input_shape: Any) -> None: ...

    @property
    def output_names(self) -> list[str]: ...

    @property
    def output_shapes(self) -> list[tuple[int | None, ...]]: ...

    @property
    def samples_independent(self) -> bool: ...

    def activation_bytes_per_sample(self) -> int: ...

    def check_batch_memory(self, input_shape: Any, what: str) -> None: ...


# For the type checker the trainer is such a model, so that its calls are checked and
# `Model` must provide every member; at run time it is a plain mixin, after `Layer`
# in `Model`'s bases (a Protocol base would give every model Protocol's metaclass).
if TYPE_CHECKING:
    _TrainerBase = TrainedModel
else:
    _TrainerBase = object


class _Compiled:
    """What `compile` resolved: one loss (and weight) and metrics per model output."""

    def __init__(self, model: TrainedModel, loss: Any, loss_weights: Any, metrics: Any) -> None:
        outputs = model.output_names
        self.output_names = outputs
        self.losses: list[Any] = [
            losses_module.compile_loss(item, output_shape=shape)
            for item, shape in zip(
                _per_output(loss, outputs, "loss"), model.output_shapes, strict=True
            )
        ]
        weights = _per_output(loss_weights, outputs, "loss_weights") if loss_weights else None
        self.loss_weights = [
            1.0 if w is None else float(w) for w in (weights or [None] * len(outputs))
        ]
        self.metric_specs = metrics
        self.metrics: list[list[Any]] = []
        per_output_metrics = _per_output_metrics(metrics, outputs)
        for loss_object, specs, shape in zip(
            self.losses, per_output_metrics, model.output_shapes, strict=True
        ):
            self.metrics.append(
                [metrics_module.get(spec, loss=loss_object, output_shape=shape) for spec in specs]
            )
        # Training a batch in pieces needs samples that do not interact and mean losses.
        self.bytes_per_sample = (
            model.activation_bytes_per_sample()
            if model.samples_independent and pieces.losses_decompose(self.losses)
            else 0
        )
        self.loss_tracker = metrics_module.Mean(name="loss")
        self.output_loss_trackers = (
            [metrics_module.Mean(name=f"{name}_loss") for name in outputs]
            if len(outputs) > 1
            else []
        )

    def all_metrics(self) -> list[Any]:
        flat = [m for group in self.metrics for m in group]
        return [self.loss_tracker, *self.output_loss_trackers, *flat]

    def reset(self) -> None:
        for metric in self.all_metrics():
            metric.reset_state()

    def metric_names(self) -> list[str]:
        names = []
        for output, group in zip(self.output_names, self.metrics, strict=True):
            for metric in group:
                prefix = f"{output}_" if len(self.output_names) > 1 else ""
                names.append(prefix + metric.name)
        return names

    def logs(self) -> dict[str, float]:
        logs = {"loss": float(self.loss_tracker.result())}
        for tracker in self.output_loss_trackers:
            logs[tracker.name] = float(tracker.result())
        for name, metric in zip(
            self.metric_names(), [m for group in self.metrics for m in group], strict=True
        ):
            logs[name] = float(metric.result())
        return logs


def _per_output(spec: Any, outputs: list[str], what: str) -> list[Any]:
    if isinstance(spec, dict):
        unknown = set(spec) - set(outputs)
        if unknown:
            raise ValueError(
                f"`{what}` names outputs that do not exist: {sorted(unknown)}. "
                f"The model's outputs are {outputs}."
            )
        return [spec.get(name) for name in outputs]
    if isinstance(spec, list | tuple) and what != "metrics":
        if len(spec) != len(outputs):
            raise ValueError(
                f"`{what}` has {len(spec)} entries but the model has {len(outputs)} outputs."
            )
        return list(spec)
    return [spec] * len(outputs)


def _per_output_metrics(metrics: Any, outputs: list[str]) -> list[list[Any]]:
    if metrics is None:
        return [[] for _ in outputs]
    if isinstance(metrics, dict):
        return [list(_as_list(metrics.get(name))) for name in outputs]
    items = list(_as_list(metrics))
    if len(outputs) > 1 and items and all(isinstance(m, list | tuple) for m in items):
        return [list(m) for m in items]
    return [items for _ in outputs]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


class Trainer(_TrainerBase):
    """Keras's training API, mixed into `Model`; what it needs from the model: `TrainedModel`."""

    optimizer: Any = None
    compiled: bool = False
    stop_training: bool = False
    history: Any = None
    _compiled: _Compiled | None = None
    _compile_config: dict[str, Any] | None = None

    # ----------------------------------------------------------------------- compile

    def compile(
        self,
        optimizer: Any = "rmsprop",
        loss: Any = None,
        loss_weights: Any = None,
        metrics: Any = None,
        weighted_metrics: Any = None,
        run_eagerly: bool = False,
        steps_per_execution: int = 1,
        jit_compile: Any = "auto",
        auto_scale_loss: bool = True,
    ) -> None:
        """Choose the optimizer, loss and metrics (names or objects), as Keras."""
        if weighted_metrics:
            raise NotImplementedError("upsample does not support `weighted_metrics`.")
        if loss is None:
            raise ValueError(
                "upsample needs a `loss` in compile(); models without a loss cannot be trained."
            )
        self.optimizer = optimizers.get(optimizer)
        self._compile_config = {
            "optimizer": optimizer,
            "loss": loss,
            "loss_weights": loss_weights,
            "metrics": metrics,
        }
        self._compiled = None
        forget_plans(self)
        if self._graph_ready():
            self._compiled = _Compiled(self, loss, loss_weights, metrics)
        else:
            # A Sequential model without an input shape compiles too (as in Keras): names are
            # checked now, and what depends on the output shapes once the data builds it.
            _check_identifiers(loss, metrics)
        self.compiled = True

    @property
    def metrics_names(self) -> list[str]:
        if self._compiled is None:
            return []
        names = ["loss", *(t.name for t in self._compiled.output_loss_trackers)]
        return names + self._compiled.metric_names()

    @property
    def loss(self) -> Any:
        return None if self._compile_config is None else self._compile_config["loss"]

    def _require_compiled(self, method: str) -> _Compiled:
        if not self.compiled or self._compile_config is None:
            raise ValueError(f"You must call `compile()` before using the model ({method}).")
        if self._compiled is None:
            config = self._compile_config
            self._ensure_graph_built()
            self._compiled = _Compiled(
                self, config["loss"], config["loss_weights"], config["metrics"]
            )
        return self._compiled

    def _require_compile_called(self, method: str) -> None:
        """Fail before looking at the data when `compile` was never called."""
        if not self.compiled:
            raise ValueError(f"You must call `compile()` before using the model ({method}).")

    def _graph_ready(self) -> bool:
        """Whether the inputs and outputs are known (a Sequential model may wait for data)."""
        return True

    # ----------------------------------------------------------------------- one step

    def _run(self, x: list[Array], training: bool) -> tuple[Any, Any]:
        """Forward on a batch: through its plan (see `Model.plan`), else layer by layer.

        Returns the outputs and what `backward` of the same runner takes: ``(runner, cache)``.
        """
        runner = plan_for(self, [np.shape(a) for a in x])
        outputs, cache = runner.forward(x if len(x) > 1 else x[0], training=training)
        return outputs, (runner, cache)

    def _predictions(self, outputs: Any) -> list[Array]:
        return list(outputs) if isinstance(outputs, list) else [outputs]

    def _loss_and_grads(
        self, y: list[Array], outputs: list[Array], sample_weight: list[Array] | None
    ) -> tuple[float, list[float], list[Array]]:
        compiled = self._require_compiled("training")
        if len(y) != len(outputs):
            raise ValueError(
                f"The model has {len(outputs)} output(s) but received {len(y)} target array(s)."
            )
        total, per_output, grads = 0.0, [], []
        for i, (loss, weight, target, prediction) in enumerate(
            zip(compiled.losses, compiled.loss_weights, y, outputs, strict=True)
        ):
            sw = sample_weight[i if len(sample_weight) > 1 else 0] if sample_weight else None
            value, grad = loss.value_and_grad(target, prediction, sample_weight=sw)
            per_output.append(float(value))
            total += weight * float(value)
            grads.append(grad * weight if weight != 1.0 else grad)
        return total, per_output, grads

    def _gradients(
        self,
        x: list[Array],
        y: list[Array],
        sample_weight: list[Array] | None,
        share: float = 1.0,
    ) -> pieces.PieceResult:
        """Forward, loss and backward on a batch, or on a piece weighing `share` of one.

        A piece's loss and gradients are scaled by its share, so that the pieces'
        results add up to the batch's (see `pieces`).
        """
        outputs, (runner, cache) = self._run(x, training=True)
        predictions = self._predictions(outputs)
        loss, per_output, grads = self._loss_and_grads(y, predictions, sample_weight)
        if share != 1.0:
            grads = [g * np.asarray(share, g.dtype) for g in grads]
            loss, per_output = loss * share, [v * share for v in per_output]
        result = runner.backward(
            cache, grads if len(grads) > 1 else grads[0], weights=True, inputs=False
        )
        return pieces.PieceResult(loss, per_output, predictions, result.weights or [])

    @runtime.single_threaded_blas()  # the kernels want it so; switched once per step
    def _train_step(
        self, x: list[Array], y: list[Array], sample_weight: list[Array] | None
    ) -> None:
        compiled = self._require_compiled("fit")
        slices = pieces.piece_slices(len(x[0]), compiled.bytes_per_sample, runtime.num_threads())
        if slices is None:
            step = self._gradients(x, y, sample_weight)
        else:
            step = pieces.train_in_pieces(
                lambda piece, share: self._gradients(
                    data_utils.take(x, piece),
                    data_utils.take(y, piece),
                    data_utils.take(sample_weight, piece),
                    share,
                ),
                slices,
                len(x[0]),
            )
        loss, per_output, predictions, weight_grads = step
        regularization = apply_gradients(self, weight_grads)
        self._update_metrics(compiled, y, predictions, loss + regularization, per_output, len(x[0]))

    def _test_step(self, x: list[Array], y: list[Array], sample_weight: list[Array] | None) -> None:
        compiled = self._require_compiled("evaluate")
        outputs, _ = self._run(x, training=False)
        predictions = self._predictions(outputs)
        loss, per_output, _ = self._loss_and_grads(y, predictions, sample_weight)
        regularization, _ = self.regularization()
        self._update_metrics(compiled, y, predictions, loss + regularization, per_output, len(x[0]))

    @staticmethod
    def _update_metrics(
        compiled: _Compiled,
        y: list[Array],
        predictions: list[Array],
        loss: float,
        per_output: list[float],
        batch: int,
    ) -> None:
        compiled.loss_tracker.update_state(loss, sample_weight=batch)
        for tracker, value in zip(compiled.output_loss_trackers, per_output, strict=False):
            tracker.update_state(value, sample_weight=batch)
        for group, target, prediction in zip(compiled.metrics, y, predictions, strict=True):
            for metric in group:
                metric.update_state(target, prediction)

    # ----------------------------------------------------------------------- fit

    def fit(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: Any = "auto",
        callbacks: Any = None,
        validation_split: float = 0.0,
        validation_data: Any = None,
        shuffle: bool | data_utils.EpochShuffle = True,
        class_weight: Any = None,
        sample_weight: Any = None,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
        validation_steps: int | None = None,
        validation_batch_size: int | None = None,
        validation_freq: int = 1,
    ) -> History:
        """Train for `epochs` epochs; returns the `History` (as Keras).

        Every argument and array is checked before the first step. As Keras,
        `validation_split` holds out the LAST fraction of the data, before any
        shuffling, and validation runs through the callbacks' ``on_test_*`` hooks.
        Beyond Keras, ``shuffle=EpochShuffle(seed)`` makes each epoch's order a
        function of the seed and the epoch (the order the Keras engine uses too).
        """
        self._require_compile_called("fit")
        if class_weight is not None:
            raise NotImplementedError("upsample does not support `class_weight`.")
        if steps_per_epoch is not None or validation_steps is not None:
            raise NotImplementedError("upsample trains on arrays: use batch_size, not steps.")
        _check_validation_freq(validation_freq)
        data = self._fit_data(
            x,
            y,
            sample_weight,
            verbose=verbose,
            batch_size=batch_size,
            epochs=epochs,
            initial_epoch=initial_epoch,
            validation_split=validation_split,
            validation_data=validation_data,
            validation_batch_size=validation_batch_size,
        )
        xs, ys, sws, val = data.xs, data.ys, data.sample_weights, data.validation
        batch_size, validation_batch_size = data.batch_size, data.validation_batch_size
        compiled = self._require_compiled("fit")
        count = len(xs[0])
        callback_list = self._callback_list(
            callbacks, verbose, epochs, -(-count // batch_size), add_history=True
        )
        self.stop_training = False
        callback_list.on_train_begin()
        rng = global_generator()
        logs: dict[str, float] = {}
        for epoch in range(initial_epoch, epochs):
            compiled.reset()
            callback_list.on_epoch_begin(epoch)
            order = _epoch_order(shuffle, rng, epoch, count)
            for step, index in enumerate(data_utils.batch_slices(count, batch_size, order)):
                callback_list.on_train_batch_begin(step)
                self._train_step(
                    data_utils.take(xs, index),
                    data_utils.take(ys, index),
                    data_utils.take(sws, index),
                )
                callback_list.on_train_batch_end(step, compiled.logs())
                if self.stop_training:
                    break
            logs = compiled.logs()
            if val is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._run_test(*val, validation_batch_size, callback_list)
                logs.update({f"val_{key}": value for key, value in val_logs.items()})
            callback_list.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        callback_list.on_train_end(logs)
        return self.history

    def _fit_data(
        self,
        x: Any,
        y: Any,
        sample_weight: Any,
        *,
        verbose: Any,
        batch_size: int | None,
        epochs: int,
        initial_epoch: int,
        validation_split: float,
        validation_data: Any,
        validation_batch_size: int | None,
    ) -> FitData:
        """What `fit` checks before any work, and the arrays it trains on (split as Keras).

        Also the checks of the Keras engine (`upsample.interop.engine`), which
        trains on the same arrays.
        """
        self._require_compile_called("fit")
        checked_batch_size = data_utils.check_batch_size(batch_size)
        checked_validation_batch_size = data_utils.check_batch_size(
            validation_batch_size or checked_batch_size, "validation_batch_size"
        )
        _check_epochs(epochs, initial_epoch)
        _verbosity(verbose)
        if validation_data is None and validation_split:
            data_utils.check_validation_split(validation_split)
        xs, ys, sws = self._data_arrays(x, y, sample_weight, "fit")
        val: tuple[list[Array], list[Array], list[Array] | None] | None = None
        if validation_data is not None:
            val = self._validation_arrays(validation_data)
        elif validation_split:
            train, held_out = data_utils.split_validation([xs, ys, sws], validation_split)
            xs, ys, sws = train[0] or [], train[1] or [], train[2]
            vx, vy, vsw = held_out
            assert vx is not None and vy is not None
            val = (vx, vy, vsw)
        self._check_inputs(xs, checked_batch_size)
        if val is not None:
            self._check_inputs(val[0], checked_validation_batch_size)
        self._require_compiled("fit")
        self._check_targets(ys, "y")
        if val is not None:
            self._check_targets(val[1], "validation targets")
        return FitData(xs, ys, sws, val, checked_batch_size, checked_validation_batch_size)

    def _callback_list(
        self, callbacks: Any, verbose: Any, epochs: int, steps: int, add_history: bool = False
    ) -> Any:
        """A `CallbackList` for one call; one the user made is used as it is (as Keras)."""
        if isinstance(callbacks, CallbackList):
            return callbacks
        # `verbose` goes unresolved: Keras's `history.params` shows "auto".
        return CallbackList(
            callbacks,
            add_history=add_history,
            add_progbar=verbose != 0,
            model=self,
            verbose=verbose,
            epochs=epochs,
            steps=steps,
        )

    def _data_arrays(
        self, x: Any, y: Any, sample_weight: Any, method: str
    ) -> tuple[list[Array], list[Array], list[Array] | None]:
        """`x`, `y` and `sample_weight` as lists of arrays, checked (not yet against the model).

        Float arrays become `floatx` in the methods that go through Keras's data
        adapter (`fit`, `evaluate`, `predict`), not in the ``*_on_batch`` ones.
        """
        if x is None:
            raise ValueError(f"`{method}` needs input data `x`.")
        if y is None:
            raise ValueError(f"`{method}` needs targets `y` (for an autoencoder, pass x as y).")
        xs = data_utils.as_array_list(x, "x")
        ys = data_utils.as_array_list(y, "y")
        sws = data_utils.as_array_list(sample_weight, "sample_weight")
        assert xs is not None and ys is not None
        data_utils.check_lengths(("x", xs), ("y", ys), ("sample_weight", sws))
        if not method.endswith("_on_batch"):
            xs, ys = data_utils.floats_to_floatx(xs, "x"), data_utils.floats_to_floatx(ys, "y")
            sws = data_utils.floats_to_floatx(sws, "sample_weight")
            assert xs is not None and ys is not None
        data_utils.check_finite(xs, "x")
        data_utils.check_finite(ys, "y")
        data_utils.check_finite(sws, "sample_weight")
        return xs, ys, sws

    def _check_inputs(self, xs: list[Array], batch_size: int) -> None:
        """Build from the first batch if needed (as Keras), then check every layer's input shape.

        Done once per call, so that a bad shape fails before any work and the
        batches then run unchecked.
        """
        self._ensure_graph_built([x[:batch_size] for x in xs])
        shapes = [(None, *np.shape(x)[1:]) for x in xs]
        self.check_input_shape(shapes[0] if len(shapes) == 1 else shapes)
        batch = min(batch_size, len(xs[0]))
        batches = [(batch, *np.shape(x)[1:]) for x in xs]
        self.check_batch_memory(
            batches[0] if len(batches) == 1 else batches, f"A batch of {batch} samples"
        )

    def _check_targets(self, ys: list[Array], what: str) -> None:
        """Try each loss on one target against an output of the model's shape.

        Targets of the wrong shape then fail before any work, with both shapes in
        the message, whatever the loss accepts (sparse labels, a missing last axis).
        """
        compiled = self._require_compiled("training")
        if len(ys) != len(compiled.losses):
            raise ValueError(
                f"The model has {len(compiled.losses)} output(s) but received {len(ys)} "
                f"target array(s) in `{what}`."
            )
        for loss, target, shape, name in zip(
            compiled.losses,
            ys,
            self.output_shapes,
            compiled.output_names,
            strict=True,
        ):
            dims = [d for d in shape[1:] if d is not None]
            if len(dims) < len(shape) - 1 or len(target) == 0:
                continue
            probe = np.full((1, *dims), 0.5, dtype=np.float32)
            try:
                loss.value_and_grad(target[:1], probe)
            except ValueError as error:
                raise ValueError(
                    f"The targets `{what}` (shape {np.shape(target)}) do not fit the model's "
                    f"output {name!r} (shape {shape}): {error}"
                ) from None

    def _validation_arrays(
        self, validation_data: Any
    ) -> tuple[list[Array], list[Array], list[Array] | None]:
        if not isinstance(validation_data, list | tuple) or len(validation_data) not in (2, 3):
            raise ValueError(
                "`validation_data` must be a tuple (x_val, y_val) or (x_val, y_val, "
                f"val_sample_weight). Received: {type(validation_data).__name__}"
            )
        vx, vy, *rest = validation_data
        return self._data_arrays(vx, vy, rest[0] if rest else None, "validation_data")

    def _run_test(
        self,
        xs: list[Array],
        ys: list[Array],
        sws: list[Array] | None,
        batch_size: int,
        callback_list: Any,
    ) -> dict[str, float]:
        """The evaluation loop of `evaluate` and of validation in `fit` (checked arrays)."""
        compiled = self._require_compiled("evaluate")
        callback_list.on_test_begin()
        compiled.reset()
        for step, index in enumerate(data_utils.batch_slices(len(xs[0]), batch_size)):
            callback_list.on_test_batch_begin(step)
            self._test_step(
                data_utils.take(xs, index),
                data_utils.take(ys, index),
                data_utils.take(sws, index),
            )
            callback_list.on_test_batch_end(step, compiled.logs())
        logs = compiled.logs()
        callback_list.on_test_end(logs)
        return logs

    # ----------------------------------------------------------------------- evaluate / predict

    def evaluate(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        verbose: Any = "auto",
        sample_weight: Any = None,
        steps: int | None = None,
        callbacks: Any = None,
        return_dict: bool = False,
    ) -> Any:
        """The loss (and metrics) on `x`, `y`, batch by batch."""
        self._require_compile_called("evaluate")
        if steps is not None:
            raise NotImplementedError("upsample evaluates arrays: use batch_size, not steps.")
        batch_size = data_utils.check_batch_size(batch_size)
        _verbosity(verbose)
        xs, ys, sws = self._data_arrays(x, y, sample_weight, "evaluate")
        self._check_inputs(xs, batch_size)
        self._check_targets(ys, "y")
        callback_list = self._callback_list(callbacks, verbose, 1, -(-len(xs[0]) // batch_size))
        logs = self._run_test(xs, ys, sws, batch_size, callback_list)
        return logs if return_dict else _flatten_logs(logs, self.metrics_names)

    def predict(
        self,
        x: Any,
        batch_size: int | None = None,
        verbose: Any = "auto",
        steps: int | None = None,
        callbacks: Any = None,
    ) -> Any:
        """Outputs for `x`, computed batch by batch (default batch size 32)."""
        if steps is not None:
            raise NotImplementedError("upsample predicts on arrays: use batch_size, not steps.")
        batch_size = data_utils.check_batch_size(batch_size)
        _verbosity(verbose)
        xs = data_utils.floats_to_floatx(data_utils.as_array_list(x, "x"), "x")
        if xs is None:
            raise ValueError("`predict` needs input data `x`.")
        count = data_utils.check_lengths(("x", xs))
        self._check_inputs(xs, batch_size)
        callback_list = self._callback_list(callbacks, verbose, 1, -(-count // batch_size))
        callback_list.on_predict_begin()
        outputs_per_batch: list[list[Array]] = []
        for step, index in enumerate(data_utils.batch_slices(count, batch_size)):
            callback_list.on_predict_batch_begin(step)
            batch = data_utils.take(xs, index)
            assert batch is not None
            outputs, _ = self._run(batch, training=False)
            outputs_per_batch.append(self._predictions(outputs))
            callback_list.on_predict_batch_end(step, {"outputs": outputs})
        callback_list.on_predict_end()
        joined = [np.concatenate(parts) for parts in zip(*outputs_per_batch, strict=True)]
        return joined[0] if len(joined) == 1 else joined

    # ----------------------------------------------------------------------- one batch

    def train_on_batch(
        self,
        x: Any,
        y: Any = None,
        sample_weight: Any = None,
        class_weight: Any = None,
        return_dict: bool = False,
    ) -> Any:
        """One gradient step on one batch; returns its loss (and metrics)."""
        self._require_compile_called("train_on_batch")
        if class_weight is not None:
            raise NotImplementedError("upsample does not support `class_weight`.")
        xs, ys, sws = self._data_arrays(x, y, sample_weight, "train_on_batch")
        self._check_inputs(xs, len(xs[0]))
        compiled = self._require_compiled("train_on_batch")
        self._check_targets(ys, "y")
        compiled.reset()
        self._train_step(xs, ys, sws)
        logs = compiled.logs()
        return logs if return_dict else _flatten_logs(logs, self.metrics_names)

    def test_on_batch(
        self, x: Any, y: Any = None, sample_weight: Any = None, return_dict: bool = False
    ) -> Any:
        """The loss (and metrics) on one batch, without training."""
        self._require_compile_called("test_on_batch")
        xs, ys, sws = self._data_arrays(x, y, sample_weight, "test_on_batch")
        self._check_inputs(xs, len(xs[0]))
        compiled = self._require_compiled("test_on_batch")
        self._check_targets(ys, "y")
        compiled.reset()
        self._test_step(xs, ys, sws)
        logs = compiled.logs()
        return logs if return_dict else _flatten_logs(logs, self.metrics_names)

    def predict_on_batch(self, x: Any) -> Any:
        """The outputs for one batch."""
        xs = data_utils.as_array_list(x, "x")
        if xs is None:
            raise ValueError("`predict_on_batch` needs input data `x`.")
        data_utils.check_lengths(("x", xs))
        self._check_inputs(xs, len(xs[0]))
        outputs, _ = self._run(xs, training=False)
        return outputs

    def _ensure_graph_built(self, xs: list[Array] | None = None) -> None:
        """Models whose input shape is only known from data build here (Sequential)."""


def apply_gradients(model: Any, grads: list[Array] | None) -> float:
    """Add the weight-regularization gradients to `grads` (as Keras's `train_step` adds
    ``model.losses``), apply `model`'s optimizer and constraints; return the penalty."""
    penalty, penalty_grads = model.regularization()
    variables = model.trainable_weights
    grads = list(grads or [])
    for i, variable in enumerate(variables):
        extra = penalty_grads.get(id(variable))
        if extra is not None:
            grads[i] = grads[i] + extra
    if variables:
        model.optimizer.apply(grads, variables)
        model.apply_constraints()
    return penalty


def _check_identifiers(loss: Any, metrics: Any) -> None:
    """Resolve loss and metric names that need no shapes, so that a typo fails in `compile`."""
    items = loss.values() if isinstance(loss, dict) else _as_list(loss)
    for item in items:
        if not (isinstance(item, str) and item.lower() in ("crossentropy", "ce")):
            losses_module.get(item)
    specs = metrics.values() if isinstance(metrics, dict) else _as_list(metrics)
    for spec in (s for group in specs for s in _as_list(group)):
        if not (
            isinstance(spec, str) and spec.lower() in ("accuracy", "acc", "crossentropy", "ce")
        ):
            metrics_module.get(spec)


def _flatten_logs(logs: dict[str, float], names: list[str]) -> Any:
    values = [logs[name] for name in names]
    return values[0] if len(values) == 1 else values


def _verbosity(verbose: Any) -> int:
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2) or (isinstance(verbose, bool) and verbose not in (0, 1)):
        raise ValueError(f"`verbose` must be 0, 1, 2 or 'auto'. Received: verbose={verbose!r}")
    return int(verbose)


def _check_validation_freq(validation_freq: Any) -> None:
    if (
        isinstance(validation_freq, bool)
        or not isinstance(validation_freq, int | np.integer)
        or validation_freq < 1
    ):
        raise ValueError(
            "`validation_freq` must be a positive int. Received: "
            f"validation_freq={validation_freq!r}"
        )


def _epoch_order(
    shuffle: bool | data_utils.EpochShuffle, rng: np.random.Generator, epoch: int, count: int
) -> Array | None:
    """The samples' order in `epoch` (None: as they come)."""
    if isinstance(shuffle, data_utils.EpochShuffle):
        return shuffle.order(epoch, count)
    return rng.permutation(count) if shuffle else None


def _check_epochs(epochs: Any, initial_epoch: Any) -> None:
    for name, value in (("epochs", epochs), ("initial_epoch", initial_epoch)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            raise ValueError(f"`{name}` must be a non-negative int. Received: {name}={value!r}")
