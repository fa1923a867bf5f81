"""`ProgbarLogger`: the text `fit`, `evaluate` and `predict` print."""

from __future__ import annotations

import re

import pytest

from callbacks.fake_training import FakeClock, FakeModel, fit
from upsample.callbacks import CallbackList, ProgbarLogger

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def screen(text: str) -> list[str]:
    """What a terminal shows: escapes dropped, each line's last redraw kept."""
    lines = []
    for line in ANSI.sub("", text).split("\n"):
        lines.append(line.split("\r")[-1].rstrip())
    return lines


def test_verbose_1_prints_a_header_and_a_live_bar_per_epoch(
    model: FakeModel, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    epochs = [{"loss": 0.6931, "val_loss": 0.5}, {"loss": 0.25, "val_loss": 0.125}]
    fit(model, epochs, verbose=1, steps=4, clock=clock, step_seconds=0.25)
    assert screen(capsys.readouterr().out) == [
        "Epoch 1/2",
        "4/4 ━━━━━━━━━━━━━━━━━━━━ 1s 250ms/step - loss: 0.6931 - val_loss: 0.5000",
        "Epoch 2/2",
        "4/4 ━━━━━━━━━━━━━━━━━━━━ 1s 250ms/step - loss: 0.2500 - val_loss: 0.1250",
        "",
    ]


def test_the_live_bar_redraws_in_place_with_keras_escapes(
    model: FakeModel, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    fit(model, [{"loss": 0.5}], verbose=1, steps=2, clock=clock, step_seconds=0.1)
    first = (
        "\r\x1b[1m1/2\x1b[0m \x1b[32m━━━━━━━━━━\x1b[0m\x1b[37m━━━━━━━━━━\x1b[0m"
        " \x1b[1m0s\x1b[0m 100ms/step - loss: 0.5000"
    )
    done = (
        "\r\x1b[1m2/2\x1b[0m \x1b[32m━━━━━━━━━━━━━━━━━━━━\x1b[0m\x1b[37m\x1b[0m"
        " \x1b[1m0s\x1b[0m 100ms/step - loss: 0.5000"
    )
    width = len("1/2 ") + 20 + len(" 0s 100ms/step - loss: 0.5000")
    # No "Epoch 1/1" header for a single epoch.
    assert capsys.readouterr().out == first + "\b" * width + done + "\b" * width + done + "\n"


def test_verbose_2_prints_one_line_per_epoch(
    model: FakeModel, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    epochs = [{"loss": 0.6931, "val_loss": 0.5}, {"loss": 0.25, "val_loss": 0.0001}]
    fit(model, epochs, verbose=2, steps=25, clock=clock, step_seconds=0.5)
    assert capsys.readouterr().out == (
        "Epoch 1/2\n"
        "25/25 - 12s - 500ms/step - loss: 0.6931 - val_loss: 0.5000\n"
        "Epoch 2/2\n"
        "25/25 - 12s - 500ms/step - loss: 0.2500 - val_loss: 1.0000e-04\n"
    )


def test_verbose_0_prints_nothing(model: FakeModel, capsys: pytest.CaptureFixture[str]) -> None:
    fit(model, [{"loss": 0.5}, {"loss": 0.4}], verbose=0)
    assert capsys.readouterr().out == ""


def test_verbose_auto_means_1() -> None:
    logger = ProgbarLogger()
    logger.set_params({"verbose": "auto", "epochs": 3, "steps": 10})
    assert (logger.verbose, logger.epochs, logger.target) == (1, 3, 10)


def test_validation_inside_fit_is_silent(
    model: FakeModel, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    fit(model, [{"loss": 0.5, "val_loss": 0.25}], verbose=1, steps=1, validation_steps=3)
    out = capsys.readouterr().out
    # One bar, drawn twice (after the batch, at the epoch's end); none for validation.
    assert out.count("\r") == 2
    assert screen(out) == [
        "1/1 ━━━━━━━━━━━━━━━━━━━━ 0s 0s/step - loss: 0.5000 - val_loss: 0.2500",
        "",
    ]


def test_evaluate_shows_its_own_bar(
    model: FakeModel, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    callback_list = CallbackList(add_progbar=True, model=model, verbose=1, epochs=1, steps=2)
    callback_list.on_test_begin()
    for step in range(2):
        callback_list.on_test_batch_begin(step)
        clock.advance(0.01)
        callback_list.on_test_batch_end(step, {"loss": 0.5})
    callback_list.on_test_end({"loss": 0.5})
    assert screen(capsys.readouterr().out) == [
        "2/2 ━━━━━━━━━━━━━━━━━━━━ 0s 10ms/step - loss: 0.5000",
        "",
    ]


def test_predict_shows_steps_without_values(
    model: FakeModel, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    callback_list = CallbackList(add_progbar=True, model=model, verbose=2, epochs=1, steps=3)
    callback_list.on_predict_begin()
    for step in range(3):
        clock.advance(0.002)
        callback_list.on_predict_batch_end(step, {"outputs": [[1.0]]})
    callback_list.on_predict_end()
    assert capsys.readouterr().out == "3/3 - 0s - 2ms/step\n"


def test_an_unknown_number_of_steps_is_learned_at_the_end(
    model: FakeModel, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    callback_list = CallbackList(add_progbar=True, model=model, verbose=1, epochs=1, steps=None)
    callback_list.on_train_begin()
    callback_list.on_epoch_begin(0)
    for step in range(3):
        clock.advance(1.0)
        callback_list.on_train_batch_end(step, {"loss": 0.5})
    callback_list.on_epoch_end(0, {"loss": 0.5})
    out = capsys.readouterr().out
    assert "\r      1/Unknown 1s 1s/step - loss: 0.5000" in ANSI.sub("", out)
    assert screen(out) == ["3/3 ━━━━━━━━━━━━━━━━━━━━ 3s 1s/step - loss: 0.5000", ""]
