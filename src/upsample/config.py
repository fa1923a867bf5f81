"""Global defaults, as `keras.config`: float type, fuzz factor and image data format."""

from __future__ import annotations

from upsample.ops.shapes import DataFormat, normalize_data_format

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT: DataFormat = "channels_last"


def floatx() -> str:
    """The default float type of weights and layer computations ("float32")."""
    return _FLOATX


def set_floatx(value: str) -> None:
    global _FLOATX
    if value not in ("float16", "float32", "float64"):
        raise ValueError(
            f"Unknown `floatx` value: {value!r}. Expected one of 'float16', 'float32', 'float64'."
        )
    _FLOATX = value


def epsilon() -> float:
    """The fuzz factor used by losses (Keras's 1e-7), e.g. to clip probabilities."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> DataFormat:
    """ "channels_last" unless changed with `set_image_data_format`."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format: str) -> None:
    global _IMAGE_DATA_FORMAT
    _IMAGE_DATA_FORMAT = normalize_data_format(data_format)


def standardize_data_format(data_format: str | None) -> DataFormat:
    """`None` means the configured default, as in Keras layers."""
    return _IMAGE_DATA_FORMAT if data_format is None else normalize_data_format(data_format)
