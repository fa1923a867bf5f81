"""What the Keras twins share about layouts: the default data format and the spatial axes.

Argument checks and shape arithmetic are upsample's own (`upsample.ops.shapes`,
the layer modules' shape functions), so a bad argument gets the same message in
both libraries; only the default data format differs: a twin follows Keras's
``keras.config.image_data_format()``.
"""

from __future__ import annotations

from upsample.interop.keras_import import import_keras
from upsample.ops.shapes import normalize_data_format

keras = import_keras()


def standardize_data_format(data_format: str | None) -> str:
    """`data_format`, or Keras's global default when None."""
    return normalize_data_format(
        keras.config.image_data_format() if data_format is None else data_format
    )


def spatial_axes(rank: int, data_format: str) -> list[int]:
    """The positions of the `rank` spatial axes in a batch."""
    first = 1 if data_format == "channels_last" else 2
    return list(range(first, first + rank))


def channel_axis(data_format: str) -> int:
    return -1 if data_format == "channels_last" else 1
