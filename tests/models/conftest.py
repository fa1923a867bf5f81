"""Fixtures for the model tests: fresh automatic names and upsample under Keras's module names."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from support.keras_side_models import upsample_library
from upsample.utils import clear_session


@pytest.fixture(autouse=True)
def fresh_names() -> Iterator[None]:
    """Automatic names start again at ``dense``, ``sequential``… (Keras's clear_session)."""
    clear_session()
    yield
    clear_session()


@pytest.fixture
def lib() -> SimpleNamespace:
    """``lib.layers``, ``lib.models``…: what a Keras listing reaches as ``keras.layers``…"""
    return upsample_library()
