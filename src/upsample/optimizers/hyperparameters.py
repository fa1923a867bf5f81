"""Checks of optimizer and schedule arguments: a NaN, an infinity or a value out of range
would not fail, it would silently turn the weights into NaN at the first step.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any


def check_hyperparameter(
    name: str,
    value: Any,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    high_open: bool = False,
) -> None:
    """Refuse `value` unless it is a finite number in ``[low, high]``.

    With `high_open`, in ``[low, high)``.
    """
    # A bool is an int to Python, but never a rate; a string is not a number at all.
    number = float(value) if not isinstance(value, bool) and isinstance(value, Real) else math.nan
    above_low = number >= low
    below_high = number < high if high_open else number <= high
    if not (math.isfinite(number) and above_low and below_high):
        raise ValueError(
            f"Argument `{name}` must be a finite number{_interval(low, high, high_open)}. "
            f"Received: {name}={value!r}"
        )


def _interval(low: float, high: float, high_open: bool) -> str:
    if math.isinf(low) and math.isinf(high):
        return ""
    if math.isinf(high):
        return f" >= {low:g}"
    return f" in [{low:g}, {high:g}{')' if high_open else ']'}"
