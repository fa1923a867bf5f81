"""`Progbar`: Keras 3's progress bar, character for character."""

from __future__ import annotations

import inspect
import io
import json
import math
import os
import re
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from upsample.utils import progbar as progbar_module
from upsample.utils.progbar import Progbar, _format_eta, _format_time, print_msg

ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 0.0
        monkeypatch.setattr(progbar_module, "time", types.SimpleNamespace(time=lambda: self.now))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def draws(text: str) -> list[str]:
    """The successive drawings of a live bar, escapes and erasing removed."""
    return [part.rstrip("\b \n") for part in ANSI.sub("", text).split("\r")[1:]]


# ------------------------------------------------------------------ verbose=2


def test_verbose_2_prints_one_line_when_finished(
    clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    bar = Progbar(3, verbose=2)
    for step, loss in enumerate([0.5, 0.25, 0.125], start=1):
        clock.now += 0.5
        bar.update(step, [("loss", loss)])
        assert capsys.readouterr().out == (
            "" if step < 3 else "3/3 - 2s - 500ms/step - loss: 0.1250\n"
        )


def test_verbose_2_formats_small_and_negative_values_in_scientific_notation(
    clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    bar = Progbar(12, verbose=2, stateful_metrics=["a", "b", "c"])
    clock.now = 61.0
    bar.update(12, [("a", 0.0001), ("b", -0.5), ("c", math.nan)])
    # Keras tests `value > 1e-3` here, not `abs(value)`.
    assert capsys.readouterr().out == (
        "12/12 - 61s - 5s/step - a: 1.0000e-04 - b: -5.0000e-01 - c: nan\n"
    )


def test_verbose_0_prints_nothing(clock: Clock, capsys: pytest.CaptureFixture[str]) -> None:
    bar = Progbar(2, verbose=0)
    bar.update(1, [("loss", 1.0)])
    bar.update(2, [("loss", 1.0)])
    assert capsys.readouterr().out == ""


# ------------------------------------------------------------------ verbose=1


def test_the_live_bar_with_keras_escapes(clock: Clock, capsys: pytest.CaptureFixture[str]) -> None:
    bar = Progbar(4)
    clock.now = 1.0
    bar.update(1, [("loss", 1.0)])
    assert capsys.readouterr().out == (
        "\r\x1b[1m1/4\x1b[0m \x1b[32m━━━━━\x1b[0m\x1b[37m━━━━━━━━━━━━━━━\x1b[0m"
        " \x1b[1m3s\x1b[0m 1s/step - loss: 1.0000"
    )
    clock.now = 4.0
    bar.update(4, [("loss", 0.5)])
    width = len("1/4 ") + 20 + len(" 3s 1s/step - loss: 1.0000")
    assert capsys.readouterr().out == (
        "\b" * width + "\r\x1b[1m4/4\x1b[0m \x1b[32m━━━━━━━━━━━━━━━━━━━━\x1b[0m\x1b[37m\x1b[0m"
        " \x1b[1m4s\x1b[0m 1s/step - loss: 0.5000\n"
    )


def test_values_are_averaged_over_steps_until_the_final_update(
    clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    bar = Progbar(10, interval=0)
    clock.now = 1.0
    bar.update(1, [("loss", 1.0)])
    clock.now = 2.0
    bar.update(3, [("loss", 4.0)])  # covers 2 steps: (1 + 2 * 4) / 3
    clock.now = 3.0
    bar.add(2, [("loss", 0.0)])  # (9 + 0) / 5
    clock.now = 4.0
    bar.update(10, [("loss", 0.25)])  # the final value is shown as given
    assert draws(capsys.readouterr().out) == [
        " 1/10 ━━━━━━━━━━━━━━━━━━━━ 9s 1s/step - loss: 1.0000",
        " 3/10 ━━━━━━━━━━━━━━━━━━━━ 3s 500ms/step - loss: 3.0000",
        " 5/10 ━━━━━━━━━━━━━━━━━━━━ 2s 500ms/step - loss: 1.8000",
        "10/10 ━━━━━━━━━━━━━━━━━━━━ 4s 333ms/step - loss: 0.2500",
    ]


def test_stateful_values_are_shown_as_given(
    clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    bar = Progbar(4, interval=0, stateful_metrics=["acc"])
    bar.update(1, [("loss", 1.0), ("acc", 0.5)])
    bar.update(2, [("loss", 0.0), ("acc", 0.75)])
    assert draws(capsys.readouterr().out)[-1].endswith("- loss: 0.5000 - acc: 0.7500")


def test_stateless_metrics_average_only_those(
    clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    bar = Progbar(4, interval=0, stateless_metrics=["loss"])
    bar.update(1, [("loss", 1.0), ("acc", 0.5)])
    bar.update(2, [("loss", 0.0), ("acc", 0.75)])
    assert draws(capsys.readouterr().out)[-1].endswith("- loss: 0.5000 - acc: 0.7500")


def test_redraws_wait_for_the_interval(clock: Clock, capsys: pytest.CaptureFixture[str]) -> None:
    bar = Progbar(10)
    clock.now = 1.0
    bar.update(1)
    clock.now = 1.04
    bar.update(2)  # too soon: skipped
    clock.now = 1.06
    bar.update(3)
    assert [d.split()[0] for d in draws(capsys.readouterr().out)] == ["1/10", "3/10"]


def test_an_unknown_target(clock: Clock, capsys: pytest.CaptureFixture[str]) -> None:
    bar = Progbar(None, interval=0)
    clock.now = 2.0
    bar.update(1, [("loss", 1.0)])
    bar.update(2, [("loss", 1.0)], finalize=True)
    assert draws(capsys.readouterr().out) == [
        "      1/Unknown 2s 2s/step - loss: 1.0000",
        "      2/Unknown 2s 0s/step - loss: 1.0000",
    ]


def test_without_a_dynamic_display_each_draw_is_a_new_line(
    clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    bar = Progbar(2, interval=0)
    bar._dynamic_display = False
    bar.update(1)
    bar.update(2)
    assert ANSI.sub("", capsys.readouterr().out) == (
        "\n1/2 ━━━━━━━━━━━━━━━━━━━━ 0s 0s/step\n2/2 ━━━━━━━━━━━━━━━━━━━━ 0s 0s/step\n"
    )


def test_width_and_unit_name(clock: Clock, capsys: pytest.CaptureFixture[str]) -> None:
    bar = Progbar(60000, width=10, unit_name="sample")
    clock.now = 3.0
    bar.update(30000)
    assert draws(capsys.readouterr().out) == ["30000/60000 ━━━━━━━━━━ 3s 100us/sample"]


# ------------------------------------------------------------------ pieces


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (59.9, "59s"), (60, "60s"), (61, "1:01"), (3600, "60:00"), (3725.5, "1:02:05")],
)
def test_eta_format(seconds: float, text: str) -> None:
    assert _format_eta(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, " 0s/step"),
        (2.4, " 2s/step"),
        (1, " 1s/step"),
        (0.0164, " 16ms/step"),
        (0.00085, " 850us/step"),
    ],
)
def test_time_per_step_format(seconds: float, text: str) -> None:
    assert _format_time(seconds, "step") == text


def test_stateful_and_stateless_together_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"Only one of `stateful_metrics` or `stateless_metrics`"):
        Progbar(10, stateful_metrics=["a"], stateless_metrics=["b"])


def test_print_msg_flushes_a_line(capsys: pytest.CaptureFixture[str]) -> None:
    print_msg("Epoch 1/2")
    print_msg("x", line_break=False)
    assert capsys.readouterr().out == "Epoch 1/2\nx"


def test_a_console_without_the_bar_character_gets_equals_signs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    raw = io.BytesIO()
    console = io.TextIOWrapper(raw, encoding="cp1252", write_through=True)
    monkeypatch.setattr(sys, "stdout", console)
    print_msg("3/3 ━━━ 1s ✓")
    assert raw.getvalue() == b"3/3 === 1s \n"


# ------------------------------------------------------------------ against Keras


def _run_ops(module: Any, ops: list[list[Any]]) -> str:
    """Drive `module.Progbar` through `ops` under a fake clock; return what it printed.

    Shipped as source to the Keras process, so it imports what it needs.
    """
    import contextlib
    import io
    import types

    clock = {"now": 0.0}
    saved = module.time
    module.time = types.SimpleNamespace(time=lambda: clock["now"])
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            bar: Any = None
            for op in ops:
                kind, clock["now"] = op[0], op[1]
                if kind == "init":
                    bar = module.Progbar(**op[2])
                    if len(op) > 3:
                        bar._dynamic_display = op[3]
                    continue
                values = None if op[3] is None else [tuple(pair) for pair in op[3]]
                if kind == "update":
                    bar.update(op[2], values, finalize=op[4])
                else:
                    bar.add(op[2], values)
    finally:
        module.time = saved
    return out.getvalue()


def _epoch(verbose: int, **kwargs: Any) -> list[list[Any]]:
    """Ten steps with a slow first one, values that change, one skipped redraw."""
    return [
        ["init", 0.0, {"target": 10, "verbose": verbose, **kwargs}],
        ["update", 2.0, 1, [["loss", 1.0], ["acc", 0.5]], None],
        ["update", 2.02, 2, [["loss", 0.8], ["acc", 0.6]], None],
        ["update", 2.5, 5, [["loss", 0.6], ["acc", 0.7]], None],
        ["add", 3.0, 3, [["loss", 0.4], ["acc", 0.8]]],
        ["update", 3.1, 9, [["loss", 0.3]], False],
        ["update", 3.5, 10, [["loss", 0.2], ["acc", 0.9], ["val_loss", 0.25]], None],
    ]


PROGBAR_SCENARIOS: dict[str, list[list[Any]]] = {
    "verbose1": _epoch(1),
    "verbose2": _epoch(2),
    "verbose0": _epoch(0),
    "stateful": _epoch(1, stateful_metrics=["acc"]),
    "stateless": _epoch(2, stateless_metrics=["loss"]),
    "width_unit_interval": _epoch(1, width=7, unit_name="sample", interval=0.0),
    "no_dynamic_display": [["init", 0.0, {"target": 3}, False]]
    + [["update", 0.1 * s, s, [["loss", 1.0 / s]], None] for s in (1, 2, 3)],
    "unknown_target": [["init", 0.0, {"target": None, "interval": 0}]]
    + [["update", 0.5 * s, s, [["loss", 0.5]], None] for s in (1, 2, 3)]
    + [["update", 1.5, 3, [["loss", 0.5]], True]],
    "hours_minutes_seconds_eta": [["init", 0.0, {"target": 100000, "interval": 0}]]
    + [["update", t, s, None, None] for t, s in ((1.0, 1), (2.0, 11), (3.0, 90000), (4.0, 99990))],
    "fast_steps_tiny_negative_nan": [
        ["init", 0.0, {"target": 1000, "interval": 0}],
        ["update", 0.0004, 1, [["a", 1e-5], ["b", -0.5], ["c", math.nan], ["d", 0]], None],
        ["update", 0.002, 999, [["a", 2e-5], ["b", -0.25], ["c", 1.0], ["d", 1]], None],
        ["update", 0.003, 1000, [["a", 2e-5], ["b", -0.25], ["c", 1.0], ["d", 1]], None],
    ],
    "fast_steps_verbose2": [
        ["init", 0.0, {"target": 1000, "verbose": 2}],
        ["update", 0.5, 1000, [["a", 1e-5], ["b", -0.5], ["c", math.nan], ["d", 2]], None],
    ],
    "past_target_and_unfinalized": [
        ["init", 0.0, {"target": 5, "interval": 0}],
        ["update", 1.0, 5, [["loss", 1.0]], False],
        ["update", 2.0, 7, [["loss", 1.0]], None],
    ],
    "shrinking_line_is_blanked": [
        ["init", 0.0, {"target": 3, "interval": 0}],
        ["update", 1.0, 1, [["a_long_metric_name", 123.456]], None],
        ["update", 1.5, 2, None, None],
        ["update", 1.6, 3, None, True],
    ],
}

_KERAS_SCRIPT = """
import json, sys
from typing import Any
from keras.src.utils import progbar
{source}
scenarios = json.load(sys.stdin)
print("RESULTS " + json.dumps({{name: _run_ops(progbar, ops) for name, ops in scenarios.items()}}))
"""


@pytest.fixture(scope="module")
def keras_outputs() -> dict[str, str]:
    script = _KERAS_SCRIPT.format(source=inspect.getsource(_run_ops))
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(PROGBAR_SCENARIOS),
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent,
        env={**os.environ, "KERAS_BACKEND": "numpy"},
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"The Keras reference failed:\n{done.stderr}")
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULTS "))
    outputs: dict[str, str] = json.loads(line.removeprefix("RESULTS "))
    return outputs


@pytest.mark.parity
@pytest.mark.parametrize("name", sorted(PROGBAR_SCENARIOS))
def test_output_matches_keras_byte_for_byte(name: str, keras_outputs: dict[str, str]) -> None:
    ours = _run_ops(progbar_module, json.loads(json.dumps(PROGBAR_SCENARIOS[name])))
    assert ours == keras_outputs[name]
    assert name == "verbose0" or ours  # every other scenario prints something
