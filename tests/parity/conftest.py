"""Parity tests: every test here compares with real Keras 3 and is marked `parity`.

The reference (the `keras_reference` fixture of tests/conftest.py) is part of the test
dependencies; when it cannot start, these tests fail (they are never skipped).
"""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.parity)
