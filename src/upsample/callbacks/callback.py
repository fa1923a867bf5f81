"""`Callback`: the hooks `fit`, `evaluate` and `predict` call, all doing nothing."""

from __future__ import annotations

from typing import Any

Logs = dict[str, Any]


class Callback:
    """Base class for callbacks (`keras.callbacks.Callback`).

    Override the hooks you need. `fit` calls, in this order: `on_train_begin`;
    per epoch `on_epoch_begin`, per batch `on_train_batch_begin` and
    `on_train_batch_end`, then validation (`on_test_*`) and `on_epoch_end`;
    finally `on_train_end`. `evaluate` and `predict` call the `on_test_*` and
    `on_predict_*` hooks.

    Attributes:
        params: Training parameters, ``{"verbose", "epochs", "steps"}``.
        model: The model being trained. It is duck-typed: callbacks here use
            ``stop_training``, ``optimizer.learning_rate``, ``save``,
            ``save_weights``, ``get_weights``, ``set_weights``, ``history`` and
            (optionally) ``metrics``.
    """

    def __init__(self) -> None:
        self.params: dict[str, Any] | None = None
        self._model: Any = None

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def set_model(self, model: Any) -> None:
        self._model = model

    @property
    def model(self) -> Any:
        return self._model

    def on_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        """Alias of `on_train_batch_begin`, kept from Keras 2."""

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """Alias of `on_train_batch_end`, kept from Keras 2."""

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        """Called at the start of epoch `epoch` (0-based) of `fit`."""

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Called at the end of an epoch; `logs` holds its metrics and ``val_*`` results."""

    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        """Called before training batch `batch` (0-based within the epoch)."""
        # Keras 2 code overrides `on_batch_begin`; route to it by default.
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """Called after a training batch; `logs` holds the running epoch averages."""
        self.on_batch_end(batch, logs=logs)

    def reads_weights_after_batch(self) -> bool:
        """Whether the coming `on_train_batch_end` reads the model's weights (not in Keras).

        When Keras trains an upsample model (`upsample.interop.engine`), the
        model holds Keras's weights only at the end of each epoch, and after a
        batch only if a callback says here that it reads them then.
        """
        return False

    def on_test_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        """Called before a batch of `evaluate` (or of validation within `fit`)."""

    def on_test_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """Called after a batch of `evaluate` (or of validation within `fit`)."""

    def on_predict_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        """Called before a batch of `predict`."""

    def on_predict_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """Called after a batch of `predict`."""

    def on_train_begin(self, logs: Logs | None = None) -> None:
        """Called when `fit` starts."""

    def on_train_end(self, logs: Logs | None = None) -> None:
        """Called when `fit` ends; `logs` is the last epoch's."""

    def on_test_begin(self, logs: Logs | None = None) -> None:
        """Called when `evaluate` (or validation) starts."""

    def on_test_end(self, logs: Logs | None = None) -> None:
        """Called when `evaluate` (or validation) ends, with its results."""

    def on_predict_begin(self, logs: Logs | None = None) -> None:
        """Called when `predict` starts."""

    def on_predict_end(self, logs: Logs | None = None) -> None:
        """Called when `predict` ends."""
