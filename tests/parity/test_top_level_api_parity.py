"""The ``import keras``-style listing (tests/seeds/keras_style) on both sides.

Ours runs with ``import upsample as keras``; Keras runs the text as it is.  Both
start from Keras's seeded initial weights and train one epoch on the same
stand-in images: what they print (the summary) and the history must agree.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from seeds import keras_style_listing
from support.reference import KerasReference
from upsample.utils import clear_session

MODULE = "support.keras_side_models"


@pytest.fixture
def fresh_names(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("COLUMNS", "100")
    clear_session()
    yield
    clear_session()


def test_the_keras_style_listing_matches_keras(
    fresh_names: None, keras_reference: KerasReference
) -> None:
    weights = keras_reference(f"{MODULE}:keras_weights", "seed_004", 7).output
    scale = {**keras_style_listing.SCALE, "weights": list(weights)}
    theirs = keras_reference(
        f"{MODULE}:keras_run_listing",
        [keras_style_listing.text()],
        100,
        scale,
        keras_style_listing.KEEP,
    ).output
    ours = keras_style_listing.run_ours(scale)
    assert [c["error"] for c in ours["cells"]] == [c["error"] for c in theirs["cells"]] == [None]
    assert ours["cells"][0]["printed"] == theirs["cells"][0]["printed"]
    [history], [keras_history] = ours["histories"], theirs["histories"]
    assert set(history) == set(keras_history)
    for key, values in keras_history.items():
        np.testing.assert_allclose(history[key], values, rtol=2e-5, err_msg=key)
    np.testing.assert_allclose(
        ours["kept"]["reconstructions"], theirs["kept"]["reconstructions"], atol=1e-4
    )
