"""Keras 3's progress bar, character for character.

`Progbar` draws what `model.fit` prints::

    Epoch 1/2
    750/750 ━━━━━━━━━━━━━━━━━━━━ 12s 16ms/step - loss: 0.1534 - val_loss: 0.0998

with ANSI bold/colour codes around the count, the bar and the time, and one
plain line per epoch at ``verbose=2``::

    750/750 - 12s - 16ms/step - loss: 0.1534 - val_loss: 0.0998

`print_msg` is how every callback talks to the user: straight to `sys.stdout`,
flushed, so that a partly drawn bar shows up at once.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Iterable
from typing import Any

import numpy as np

# ANSI escapes Keras wraps around the step count, the bar halves and the time.
_BOLD = "\x1b[1m"
_GREEN = "\x1b[32m"
_WHITE = "\x1b[37m"
_RESET = "\x1b[0m"
_BAR_CHAR = "━"


def print_msg(message: str, line_break: bool = True) -> None:
    """Write `message` to stdout and flush (Keras's `io_utils.print_msg`).

    A console whose encoding cannot show ``━`` (e.g. cp1252) gets ``=`` instead,
    and anything else it cannot encode is dropped, rather than crashing a run.
    """
    message = f"{message}\n" if line_break else str(message)
    try:
        sys.stdout.write(message)
    except UnicodeEncodeError:
        encoding = sys.stdout.encoding or "utf-8"
        message = message.replace(_BAR_CHAR, "=")
        sys.stdout.write(message.encode(encoding, errors="ignore").decode(encoding))
    sys.stdout.flush()


class Progbar:
    """Displays a progress bar (`keras.utils.Progbar`).

    Args:
        target: Total number of steps expected, None if unknown.
        width: Progress bar width on screen, in characters.
        verbose: 0 (silent), 1 (live bar), 2 (one line when finished).
        interval: Minimum time between two redraws, in seconds.
        stateful_metrics: Names of values shown as given; all others are
            averaged over the steps seen. Exclusive with `stateless_metrics`.
        stateless_metrics: Names of values that are averaged; all others are
            shown as given. Exclusive with `stateful_metrics`.
        unit_name: What a step is called in ``"6ms/step"``.
    """

    def __init__(
        self,
        target: int | None,
        width: int = 20,
        verbose: int = 1,
        interval: float = 0.05,
        stateful_metrics: Iterable[str] | None = None,
        stateless_metrics: Iterable[str] | None = None,
        unit_name: str = "step",
    ) -> None:
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Only one of `stateful_metrics` or `stateless_metrics` can be provided. "
                f"Received: stateful_metrics={stateful_metrics}, "
                f"stateless_metrics={stateless_metrics}"
            )
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        # Exactly one of the two sets is used: the other is None.
        self.stateful_metrics: set[str] | None
        self.stateless_metrics: set[str] | None
        if stateless_metrics is not None:
            self.stateful_metrics = None
            self.stateless_metrics = set(stateless_metrics)
        else:
            self.stateful_metrics = set(stateful_metrics or ())
            self.stateless_metrics = None

        # Keras's test, kept as is: "posix" is always imported on Linux and
        # macOS, so there the bar redraws in place even when stdout is a file.
        self._dynamic_display = (
            (hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
            or "ipykernel" in sys.modules
            or "posix" in sys.modules
            or "PYCHARM_HOSTED" in os.environ
        )
        self._seen_so_far = 0
        # name -> [sum of value * steps, steps]; shown as sum / steps.
        self._values: dict[str, list[Any]] = {}
        self._values_order: list[str] = []
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step: float | None = None
        self._prev_total_width = 0

    def update(
        self,
        current: int,
        values: Iterable[tuple[str, Any]] | None = None,
        finalize: bool | None = None,
    ) -> None:
        """Moves the bar to step `current`.

        Args:
            current: Index of the current step (1-based count of steps done).
            values: ``(name, value_for_last_step)`` pairs.
            finalize: Whether this is the last update; defaults to
                ``current >= target``.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or ():
            self._record(name, value, current, finalize)
        self._seen_so_far = current

        now = time.time()
        time_per_unit = self._estimate_step_duration(current, now)
        if self.verbose == 1:
            # Redrawing costs more than a fast step: skip until `interval` passed.
            if now - self._last_update < self.interval and not finalize:
                return
            print_msg(self._live_message(current, finalize, now, time_per_unit), line_break=False)
        elif self.verbose == 2 and finalize and self.target is not None and self.target > 0:
            print_msg(self._final_line(current, now, time_per_unit), line_break=False)
        self._last_update = now

    def add(self, n: int, values: Iterable[tuple[str, Any]] | None = None) -> None:
        """Advances the bar by `n` steps."""
        self.update(self._seen_so_far + n, values)

    # ------------------------------------------------------------------ values

    def _is_stateless(self, name: str) -> bool:
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        assert self.stateless_metrics is not None
        return name in self.stateless_metrics

    def _record(self, name: str, value: Any, current: int, finalize: bool) -> None:
        if name not in self._values_order:
            self._values_order.append(name)
        if not self._is_stateless(name) or finalize:
            # A final value is already the epoch's own figure: show it as given.
            self._values[name] = [value, 1]
            return
        # Weight by the steps this value covers, so `add(5, ...)` counts 5 times;
        # at least 1, because fit may report the same step twice at an epoch's end.
        steps = max(current - self._seen_so_far, 1)
        if name in self._values:
            self._values[name][0] += value * steps
            self._values[name][1] += steps
        else:
            self._values[name] = [value * steps, steps]

    def _average(self, name: str) -> Any:
        total, count = self._values[name]
        if not isinstance(total, float):
            total = np.mean(total)
        return total / max(1, count)

    def _metrics_text(self, signed: bool) -> str:
        """`` - loss: 0.1234 - val_loss: 1.2346e-04``: 4 decimals, or 4 significant
        digits in scientific notation for values down to 1e-3.

        Keras compares ``abs(value)`` on the live bar but ``value`` on the
        ``verbose=2`` line (`signed=False`), so negative values print in
        scientific notation there; kept for identical logs.
        """
        text = ""
        for name in self._values_order:
            average = self._average(name)
            magnitude = abs(average) if signed else average
            text += f" - {name}: {average:.4f}" if magnitude > 1e-3 else f" - {name}: {average:.4e}"
        return text

    # ----------------------------------------------------------------- drawing

    def _count(self, current: int) -> str:
        """``" 7/25"``: the step count padded to the target's width."""
        assert self.target is not None
        digits = int(math.log10(self.target)) + 1
        return f"{int(current):{digits}d}/{int(self.target)}"

    def _live_message(self, current: int, finalize: bool, now: float, time_per_unit: float) -> str:
        # Erase the previous draw: backspaces then carriage return redraw in
        # place; without a dynamic display, each draw goes on a new line.
        message = "\b" * self._prev_total_width + "\r" if self._dynamic_display else "\n"
        # Escape codes take no room on screen; count them to measure the line.
        invisible = 0
        has_target = self.target is not None and self.target > 0
        if has_target:
            assert self.target is not None
            bar = f"{_BOLD}{self._count(current)}{_RESET} "
            invisible += len(_BOLD) + len(_RESET)
            filled = int(self.width * (float(current) / self.target))
            if filled > 0:
                bar += f"{_GREEN}{_BAR_CHAR * filled}{_RESET}"
                invisible += len(_GREEN) + len(_RESET)
            bar += f"{_WHITE}{_BAR_CHAR * (self.width - filled)}{_RESET}"
            invisible += len(_WHITE) + len(_RESET)
        else:
            bar = f"{int(current):7d}/Unknown"

        if has_target and not finalize:
            assert self.target is not None
            clock = _format_eta(time_per_unit * (self.target - current))
        else:
            clock = f"{now - self._start:.0f}s"  # time elapsed
        info = f" {_BOLD}{clock}{_RESET}"
        invisible += len(_BOLD) + len(_RESET)
        info += _format_time(time_per_unit, self.unit_name)
        info += self._metrics_text(signed=True)

        total_width = len(bar) + len(info) - invisible
        # Blank out what is left of a longer previous line.
        padding = " " * max(self._prev_total_width - total_width, 0)
        self._prev_total_width = total_width
        return message + bar + info + padding + ("\n" if finalize else "")

    def _final_line(self, current: int, now: float, time_per_unit: float) -> str:
        line = f"{self._count(current)} - {now - self._start:.0f}s -"
        line += _format_time(time_per_unit, self.unit_name)
        return line + self._metrics_text(signed=False) + "\n"

    def _estimate_step_duration(self, current: int, now: float) -> float:
        """Seconds per step, leaving out the first step (compilation, warm caches)."""
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            time_per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            time_per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return time_per_unit


def _format_eta(seconds: float) -> str:
    """``"1:02:03"``, ``"2:03"`` or ``"45s"``."""
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def _format_time(time_per_unit: float, unit_name: str) -> str:
    """``" 2s/step"``, ``" 16ms/step"`` or ``" 850us/step"`` (0 reads ``" 0s/step"``)."""
    if time_per_unit >= 1 or time_per_unit == 0:
        return f" {time_per_unit:.0f}s/{unit_name}"
    if time_per_unit >= 1e-3:
        return f" {time_per_unit * 1e3:.0f}ms/{unit_name}"
    return f" {time_per_unit * 1e6:.0f}us/{unit_name}"
