"""Callbacks with Keras's names: `keras.callbacks` → `upsample.callbacks`."""

from upsample.callbacks.callback import Callback
from upsample.callbacks.callback_list import CallbackList
from upsample.callbacks.csv_logger import CSVLogger
from upsample.callbacks.early_stopping import EarlyStopping
from upsample.callbacks.history import History
from upsample.callbacks.lambda_callback import LambdaCallback
from upsample.callbacks.model_checkpoint import ModelCheckpoint
from upsample.callbacks.monitor_callback import MonitorCallback
from upsample.callbacks.progbar_logger import ProgbarLogger
from upsample.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from upsample.callbacks.terminate_on_divergence import DivergenceError, TerminateOnDivergence
from upsample.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = [
    "CSVLogger",
    "Callback",
    "CallbackList",
    "DivergenceError",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "ModelCheckpoint",
    "MonitorCallback",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "TerminateOnDivergence",
    "TerminateOnNaN",
]
