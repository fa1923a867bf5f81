"""Fixtures for the saving tests: fresh automatic names, the shared model builders."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from support.keras_side_saving import BUILDERS, upsample_library


@pytest.fixture(autouse=True)
def fresh_names() -> Iterator[None]:
    """Automatic names start again at ``conv2d``, ``dense``… (Keras's clear_session)."""
    from upsample.utils.naming import clear_session

    clear_session()
    yield
    clear_session()


@pytest.fixture
def build() -> Callable[[str], Any]:
    """``build("seed_000")``: one of the models described in support/keras_side_saving.py."""
    library = upsample_library()
    return lambda name: BUILDERS[name](library)
