"""The ``import keras``-style listing (tests/seeds/keras_style) on both sides.

Ours runs with ``import upsample as keras``; Keras runs the text as it is.  Both
start from Keras's seeded initial weights and train one epoch on the same
stand-in images: what they print (the summary) and the history must agree.
"""

from __future__ import annotations

import numpy as np

import upsample
from seeds import keras_style_listing
from support.reference import KerasReference

MODULE = "support.keras_side_models"


def test_the_keras_style_listing_matches_keras(keras_reference: KerasReference) -> None:
    weights = keras_reference(f"{MODULE}:keras_weights", "seed_004", 7).output
    scale = {**keras_style_listing.SCALE, "weights": list(weights)}
    theirs = keras_reference(
        f"{MODULE}:keras_run_listing",
        [keras_style_listing.text()],
        keras_style_listing.COLUMNS,
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


def test_keras_has_every_name_of_the_api(keras_reference: KerasReference) -> None:
    """``upsample.X`` exists only where ``keras.X`` does (and then means the same thing)."""
    keras_names = set(keras_reference("keras.__dir__").output)
    assert set(upsample.__all__) <= keras_names
