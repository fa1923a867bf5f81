"""The public upsampling kernels: gradients, layouts, dtypes, aliases and bad arguments.

The hand-computed examples and the adjoint identity are in test_reference.py;
every fast route against the reference in test_routes.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from support.gradcheck import assert_vjp_matches_numerical
from upsample.ops.resampling import check_interpolation, upsample, upsample_vjp

METHODS = ["nearest", "bilinear", "bicubic", "lanczos3", "lanczos5"]


def test_nearest_vjp_is_the_block_sum(rng: np.random.Generator) -> None:
    g = rng.standard_normal((2, 6, 8, 3)).astype(np.float32)
    blocks = g.reshape(2, 3, 2, 2, 4, 3).sum(axis=(2, 4))
    np.testing.assert_allclose(upsample_vjp(g, size=(2, 4)), blocks, rtol=1e-6, atol=1e-6)
    g3 = rng.standard_normal((1, 2, 6, 4, 9))
    blocks3 = g3.reshape(1, 2, 2, 3, 2, 2, 3, 3).sum(axis=(3, 5, 7))
    np.testing.assert_allclose(
        upsample_vjp(g3, size=(3, 2, 3), data_format="channels_first"), blocks3, atol=1e-12
    )


@pytest.mark.parametrize("method", ["bilinear", "bicubic", "lanczos3"])
def test_vjp_matches_finite_differences(method: str, rng: np.random.Generator) -> None:
    x = rng.standard_normal((1, 3, 2, 2))
    assert_vjp_matches_numerical(
        lambda a: upsample(a, size=(2, 3), interpolation=method),
        lambda g, a: [upsample_vjp(g, size=(2, 3), interpolation=method)],
        [x],
        rng,
    )


@pytest.mark.parametrize("method", METHODS)
def test_factor_one_is_the_identity(method: str, rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 5, 4, 3)).astype(np.float32)
    out = upsample(x, size=1, interpolation=method)
    np.testing.assert_array_equal(out, x)
    assert out is not x
    np.testing.assert_array_equal(upsample_vjp(x, size=1, interpolation=method), x)


@pytest.mark.parametrize("method", METHODS[1:])
def test_separable_three_dimensional_interpolation(method: str, rng: np.random.Generator) -> None:
    """Trilinear (and tricubic, ...) is the 1-D operator along each axis in turn."""
    x = rng.standard_normal((2, 3, 4, 5, 2))
    full = upsample(x, size=(2, 3, 2), interpolation=method)
    step = x
    for size in [(2, 1, 1), (1, 3, 1), (1, 1, 2)]:
        step = upsample(step, size=size, interpolation=method)
    np.testing.assert_allclose(full, step, rtol=0, atol=1e-12)


def test_channels_first_is_channels_last_transposed(rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 5, 7, 3)).astype(np.float32)
    for method in METHODS:
        last = upsample(x, size=(3, 2), interpolation=method)
        first = upsample(
            np.moveaxis(x, -1, 1), size=(3, 2), interpolation=method, data_format="channels_first"
        )
        np.testing.assert_allclose(np.moveaxis(first, 1, -1), last, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("linear", "bilinear"),
        ("trilinear", "bilinear"),
        ("cubic", "bicubic"),
        ("tricubic", "bicubic"),
        ("BiLinear", "bilinear"),
        ("NEAREST", "nearest"),
    ],
)
def test_interpolation_aliases(alias: str, name: str, rng: np.random.Generator) -> None:
    x = rng.standard_normal((1, 4, 3, 2))
    np.testing.assert_array_equal(
        upsample(x, size=2, interpolation=alias), upsample(x, size=2, interpolation=name)
    )
    np.testing.assert_array_equal(
        upsample_vjp(x, size=1, interpolation=alias), upsample_vjp(x, size=1, interpolation=name)
    )


def test_check_interpolation_returns_the_canonical_name() -> None:
    assert check_interpolation("Trilinear") == "bilinear"
    assert check_interpolation("cubic") == "bicubic"
    assert check_interpolation("lanczos5") == "lanczos5"
    for bad in ["area", "", None, 3, ["nearest"]]:
        with pytest.raises(ValueError, match="Received: interpolation="):
            check_interpolation(bad)  # type: ignore[arg-type]


def test_dtypes(rng: np.random.Generator) -> None:
    x = rng.standard_normal((1, 3, 3, 2))
    for method in METHODS:
        assert upsample(x.astype(np.float32), size=2, interpolation=method).dtype == np.float32
        assert upsample(x, size=2, interpolation=method).dtype == np.float64
        assert upsample_vjp(x.astype(np.float32), size=1, interpolation=method).dtype == np.float32
    ints = np.arange(8).reshape(1, 2, 2, 2)
    out = upsample(ints, size=2)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.repeat(np.repeat(ints, 2, 1), 2, 2))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_bilinear_by_two_keeps_the_dtype(dtype: type, rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 3, 4, 5)).astype(dtype)
    assert upsample(x, size=2, interpolation="bilinear").dtype == dtype
    g = np.zeros((2, 6, 8, 5), dtype)
    assert upsample_vjp(g, size=2, interpolation="bilinear").dtype == dtype


def test_inputs_are_not_modified_and_views_are_accepted(rng: np.random.Generator) -> None:
    base = rng.standard_normal((3, 6, 5, 4)).astype(np.float32)
    view = base[:, ::2, :, 1:]  # not contiguous
    kept = view.copy()
    out = upsample(view, size=(2, 3), interpolation="bicubic")
    np.testing.assert_array_equal(view, kept)
    np.testing.assert_allclose(
        out, upsample(kept, size=(2, 3), interpolation="bicubic"), rtol=0, atol=0
    )


def test_empty_batch() -> None:
    x = np.zeros((0, 3, 4, 2), np.float32)
    assert upsample(x, size=(2, 3), interpolation="bilinear").shape == (0, 6, 12, 2)
    assert upsample_vjp(np.zeros((0, 6, 12, 2)), size=(2, 3)).shape == (0, 3, 4, 2)


# --------------------------------------------------------------------------- errors


def test_unknown_interpolation_lists_the_accepted_names() -> None:
    x = np.zeros((1, 2, 2, 1), np.float32)
    with pytest.raises(ValueError, match=r"Received: interpolation='area'") as error:
        upsample(x, size=2, interpolation="area")
    for name in METHODS:
        assert repr(name) in str(error.value)
    with pytest.raises(ValueError, match="interpolation"):
        upsample_vjp(x, size=2, interpolation=None)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [0, -1, 1.5, 2.0, "2", True, (2,), (2, 2, 2), (2, 0), None])
def test_bad_size_names_the_argument(size: object) -> None:
    x = np.zeros((1, 2, 2, 1), np.float32)
    with pytest.raises(ValueError, match=r"`size`.*Received: size="):
        upsample(x, size=size)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"`size`.*Received: size="):
        upsample_vjp(x, size=size)  # type: ignore[arg-type]


@pytest.mark.parametrize("shape", [(4, 4), (2,), (1, 2, 2, 2, 2, 1)])
def test_wrong_rank_names_the_argument(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"Received: x\.shape="):
        upsample(np.zeros(shape), size=2)
    with pytest.raises(ValueError, match=r"Received: grad\.shape="):
        upsample_vjp(np.zeros(shape), size=2)


def test_bad_data_format_names_the_argument() -> None:
    with pytest.raises(ValueError, match=r"Received: data_format='channels_middle'"):
        upsample(np.zeros((1, 2, 2, 1)), size=2, data_format="channels_middle")


def test_gradient_whose_lengths_are_not_multiples_of_the_factors() -> None:
    with pytest.raises(ValueError, match=r"grad\.shape=\(1, 5, 4, 1\), size=\(2, 2\)"):
        upsample_vjp(np.zeros((1, 5, 4, 1)), size=2)


def test_complex_input_is_rejected() -> None:
    with pytest.raises(TypeError, match="x"):
        upsample(np.zeros((1, 2, 2, 1), np.complex64), size=2)
