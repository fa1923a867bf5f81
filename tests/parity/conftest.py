"""Parity tests: every test here compares with real Keras 3 and is marked `parity`.

The reference is part of the test dependencies; when it cannot start, these
tests fail (they are never skipped).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.reference import KerasReference, required_reference

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.parity)


@pytest.fixture(scope="session")
def keras_reference() -> Iterator[KerasReference]:
    yield from required_reference()
