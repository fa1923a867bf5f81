"""Max and average pooling: hand-checked examples, ties, gradients, adjointness, errors."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from support.gradcheck import assert_adjoint, assert_vjp_matches_numerical
from upsample.ops.pooling import average_pool, average_pool_vjp, max_pool, max_pool_vjp
from upsample.runtime import tuning


def image(rows: list[list[float]], dtype: type = np.float32) -> np.ndarray:
    """A one-item, one-channel channels-last batch from a 2-D list."""
    return np.array(rows, dtype).reshape(1, len(rows), len(rows[0]), 1)


def plane(batch: np.ndarray) -> np.ndarray:
    return batch[0, :, :, 0]


def distinct(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Values at least 0.1 apart, so that no window has a tie (finite differences need that)."""
    size = int(np.prod(shape))
    return rng.permutation(size).reshape(shape) * 0.1 - size * 0.05


# --------------------------------------------------------------------------- small exact examples


FOUR_BY_FOUR = [
    [1.0, 3.0, 2.0, 0.0],
    [4.0, 2.0, 1.0, 5.0],
    [0.0, -1.0, 7.0, 8.0],
    [6.0, 2.0, 3.0, 1.0],
]


def test_two_by_two_max_pool_of_a_four_by_four() -> None:
    out = max_pool(image(FOUR_BY_FOUR), pool_size=(2, 2))
    np.testing.assert_array_equal(plane(out), [[4.0, 5.0], [6.0, 8.0]])


def test_two_by_two_max_pool_gradient_goes_to_each_maximum() -> None:
    grad = image([[10.0, 20.0], [30.0, 40.0]])
    dx = max_pool_vjp(grad, image(FOUR_BY_FOUR), pool_size=(2, 2))
    expected = [
        [0.0, 0.0, 0.0, 0.0],
        [10.0, 0.0, 0.0, 20.0],
        [0.0, 0.0, 0.0, 40.0],
        [30.0, 0.0, 0.0, 0.0],
    ]
    np.testing.assert_array_equal(plane(dx), expected)


def test_two_by_two_average_pool_of_a_four_by_four() -> None:
    out = average_pool(image(FOUR_BY_FOUR), pool_size=(2, 2))
    np.testing.assert_array_equal(plane(out), [[2.5, 2.0], [1.75, 4.75]])


def test_same_padding_follows_the_seed_autoencoder_28_14_7_4() -> None:
    """MaxPooling2D((2, 2), padding='same') three times: 28 -> 14 -> 7 -> 4."""
    x = np.random.default_rng(0).standard_normal((2, 28, 28, 3)).astype(np.float32)
    shapes = []
    for _ in range(3):
        x = max_pool(x, pool_size=(2, 2), padding="same")
        shapes.append(x.shape)
    assert shapes == [(2, 14, 14, 3), (2, 7, 7, 3), (2, 4, 4, 3)]


def test_same_padding_on_an_odd_size_pads_at_the_end_with_minus_infinity() -> None:
    """7 -> 4: the last windows hold one real row/column; padding never wins over negatives."""
    x = -1.0 - np.arange(49, dtype=np.float32).reshape(7, 7)  # all negative, decreasing
    out = plane(max_pool(x.reshape(1, 7, 7, 1), pool_size=(2, 2), padding="same"))
    rows = [slice(0, 2), slice(2, 4), slice(4, 6), slice(6, 7)]
    expected = [[x[r, c].max() for c in rows] for r in rows]
    np.testing.assert_array_equal(out, expected)
    assert out[3, 3] == x[6, 6]  # the corner window is the single last pixel


def test_same_padding_puts_the_extra_cell_at_the_end() -> None:
    """pool 3, stride 1 on 4 cells pads (1, 1); pool 4 pads (1, 2): windows start one cell early."""
    x = np.array([1.0, 2.0, 3.0, 4.0], np.float32).reshape(1, 4, 1)
    out = average_pool(x, pool_size=4, strides=1, padding="same")
    # Windows over [pad, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, pad], [3, 4, pad, pad].
    np.testing.assert_allclose(out.ravel(), [2.0, 2.5, 3.0, 3.5])


def test_average_pool_excludes_padded_cells_from_the_count() -> None:
    x = image([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    out = plane(average_pool(x, pool_size=(2, 2), padding="same"))
    # Windows: a full 2x2, a 2x1 column, a 1x2 row and the lone corner cell.
    np.testing.assert_allclose(out, [[3.0, 4.5], [7.5, 9.0]])


def test_average_pool_same_padding_gradient_divides_by_the_real_count() -> None:
    dx = average_pool_vjp(
        np.ones((1, 2, 2, 1), np.float32), input_shape=(1, 3, 3, 1), pool_size=2, padding="same"
    )
    np.testing.assert_allclose(plane(dx), [[0.25, 0.25, 0.5], [0.25, 0.25, 0.5], [0.5, 0.5, 1.0]])


def test_valid_padding_drops_the_remainder_and_gives_it_no_gradient() -> None:
    x = np.arange(5, dtype=np.float32).reshape(1, 5, 1)
    assert max_pool(x, pool_size=2).ravel().tolist() == [1.0, 3.0]
    dx = max_pool_vjp(np.ones((1, 2, 1), np.float32), x, pool_size=2)
    assert dx.ravel().tolist() == [0.0, 1.0, 0.0, 1.0, 0.0]
    da = average_pool_vjp(np.ones((1, 2, 1), np.float32), input_shape=(1, 5, 1), pool_size=2)
    assert da.ravel().tolist() == [0.5, 0.5, 0.5, 0.5, 0.0]


def test_strides_larger_than_the_pool_skip_cells() -> None:
    x = np.arange(7, dtype=np.float32).reshape(1, 7, 1)
    assert max_pool(x, pool_size=2, strides=3).ravel().tolist() == [1.0, 4.0]
    dx = max_pool_vjp(np.array([[[1.0], [2.0]]], np.float32), x, pool_size=2, strides=3)
    assert dx.ravel().tolist() == [0.0, 1.0, 0.0, 0.0, 2.0, 0.0, 0.0]


def test_strides_default_to_the_pool_size() -> None:
    x = np.random.default_rng(1).standard_normal((2, 6, 9, 3)).astype(np.float32)
    for op in (max_pool, average_pool):
        np.testing.assert_array_equal(
            op(x, pool_size=(2, 3)), op(x, pool_size=(2, 3), strides=(2, 3))
        )
        np.testing.assert_array_equal(op(x, pool_size=3), op(x, pool_size=(3, 3)))


def test_one_and_three_spatial_dimensions() -> None:
    x1 = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0], np.float32).reshape(1, 6, 1)
    assert max_pool(x1, pool_size=3).ravel().tolist() == [4.0, 9.0]
    x3 = np.arange(64, dtype=np.float32).reshape(1, 4, 4, 4, 1)
    out = max_pool(x3, pool_size=2)
    assert out.shape == (1, 2, 2, 2, 1)
    np.testing.assert_array_equal(out[0, :, :, :, 0], x3[0, 1::2, 1::2, 1::2, 0])
    np.testing.assert_array_equal(average_pool(x3, pool_size=4).ravel(), [31.5])


# --------------------------------------------------------------------------- ties, NaN, infinity


def test_a_tied_window_sends_its_gradient_to_its_first_cell() -> None:
    """All-zero windows (after a ReLU) route to the top-left cell, as JAX does."""
    dx = max_pool_vjp(np.ones((1, 2, 2, 1), np.float32), np.zeros((1, 4, 4, 1)), pool_size=2)
    np.testing.assert_array_equal(plane(dx), [[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0] * 4])


def test_ties_are_broken_in_row_major_order() -> None:
    """[[0, 1], [1, 0]]: the first maximum scanning rows is (0, 1), not the column-major (1, 0)."""
    dx = max_pool_vjp(np.ones((1, 1, 1, 1)), image([[0.0, 1.0], [1.0, 0.0]]), pool_size=2)
    np.testing.assert_array_equal(plane(dx), [[0.0, 1.0], [0.0, 0.0]])
    x3 = np.zeros((1, 2, 2, 2, 1))
    x3[0, 1, 0, 0, 0] = x3[0, 0, 1, 1, 0] = x3[0, 0, 1, 0, 0] = 1.0
    dx3 = max_pool_vjp(np.ones((1, 1, 1, 1, 1)), x3, pool_size=2)
    assert np.argwhere(dx3[0, ..., 0]).tolist() == [[0, 1, 0]]


def test_ties_per_channel_and_in_channels_first_layout() -> None:
    x = np.zeros((1, 2, 2, 2))
    x[0, 1, 1, 1] = 5.0  # channel 1 has a clear maximum, channel 0 is all tied
    dx = max_pool_vjp(np.ones((1, 1, 1, 2)), x, pool_size=2)
    assert np.argwhere(dx[0]).tolist() == [[0, 0, 0], [1, 1, 1]]
    dx_first = max_pool_vjp(
        np.ones((1, 2, 1, 1)), np.moveaxis(x, -1, 1), pool_size=2, data_format="channels_first"
    )
    np.testing.assert_array_equal(dx_first, np.moveaxis(dx, -1, 1))


def test_overlapping_tied_windows_accumulate_on_their_first_cells() -> None:
    """Zeros, pool 3, stride 1, "same": each window picks its first real cell (padding is -inf)."""
    dx = max_pool_vjp(
        np.ones((1, 5, 1)), np.zeros((1, 5, 1)), pool_size=3, strides=1, padding="same"
    )
    assert dx.ravel().tolist() == [2.0, 1.0, 1.0, 1.0, 0.0]
    dx2 = max_pool_vjp(
        np.ones((1, 5, 5, 1)), np.zeros((1, 5, 5, 1)), pool_size=3, strides=1, padding="same"
    )
    expected = np.outer([2, 1, 1, 1, 0], [2, 1, 1, 1, 0])
    np.testing.assert_array_equal(plane(dx2), expected)


def test_overlapping_windows_accumulate() -> None:
    x = np.array([0.0, 5.0, 1.0, 2.0]).reshape(1, 4, 1)
    dx = max_pool_vjp(np.array([1.0, 10.0]).reshape(1, 2, 1), x, pool_size=3, strides=1)
    assert dx.ravel().tolist() == [0.0, 11.0, 0.0, 0.0]


def test_nan_propagates_forward_and_routes_as_xla_scans() -> None:
    """XLA replaces a selected NaN by the next cell whatever its value (checked against JAX)."""
    x = np.array([1.0, np.nan, 2.0, 3.0, np.nan, np.nan], np.float32).reshape(1, 6, 1)
    out = max_pool(x, pool_size=2).ravel()
    assert np.isnan(out[0]) and out[1] == 3.0 and np.isnan(out[2])
    ones = np.ones((1, 3, 1), np.float32)
    assert max_pool_vjp(ones, x, pool_size=2).ravel().tolist() == [0, 1, 0, 1, 0, 1]
    dx = max_pool_vjp(np.ones((1, 4, 1), np.float32), x, pool_size=3, strides=1)
    assert dx.ravel().tolist() == [0, 0, 1, 1, 1, 1]


def test_all_minus_infinity_windows_keep_their_first_cell_even_if_padded() -> None:
    """JAX on CPU pads with -inf and selects the first cell: a padded one drops the gradient."""
    x = np.full((1, 3, 1), -np.inf, np.float32)
    out = max_pool(x, pool_size=3, strides=1, padding="same")
    assert out.ravel().tolist() == [-np.inf] * 3
    dx = max_pool_vjp(np.ones((1, 3, 1), np.float32), x, pool_size=3, strides=1, padding="same")
    assert dx.ravel().tolist() == [1.0, 1.0, 0.0]


def test_infinite_gradients_are_routed_without_making_nans() -> None:
    x = image(FOUR_BY_FOUR)
    grad = np.full((1, 2, 2, 1), np.inf, np.float32)
    dx = plane(max_pool_vjp(grad, x, pool_size=2))
    assert not np.isnan(dx).any()
    assert int(np.isinf(dx).sum()) == 4 and dx[~np.isinf(dx)].tolist() == [0.0] * 12


# --------------------------------------------------------------------------- gradients


GEOMETRIES = [
    dict(zip(("pool_size", "strides", "padding", "data_format", "spatial"), row))
    for row in [
        (2, None, "valid", "channels_last", (5,)),
        (3, 1, "same", "channels_first", (6,)),
        ((2, 2), None, "same", "channels_last", (5, 7)),
        ((3, 2), (2, 1), "same", "channels_last", (6, 5)),
        ((2, 3), (3, 2), "valid", "channels_first", (7, 6)),
        ((2, 2, 2), 1, "same", "channels_last", (3, 4, 3)),
        ((3, 1, 2), (2, 2, 2), "valid", "channels_first", (5, 3, 4)),
    ]
]


def _shape(case: dict[str, object], channels: int = 2) -> tuple[int, ...]:
    spatial = case["spatial"]
    if case["data_format"] == "channels_first":
        return (2, channels, *spatial)  # type: ignore[misc]
    return (2, *spatial, channels)  # type: ignore[misc]


def _pool_args(case: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in case.items() if k != "spatial"}


@pytest.mark.parametrize("case", GEOMETRIES)
def test_max_pool_vjp_matches_finite_differences(
    case: dict[str, object], rng: np.random.Generator
) -> None:
    kwargs = _pool_args(case)
    assert_vjp_matches_numerical(
        lambda x: max_pool(x, **kwargs),  # type: ignore[arg-type]
        lambda g, x: [max_pool_vjp(g, x, **kwargs)],  # type: ignore[arg-type]
        [distinct(_shape(case), rng)],
        rng,
    )


@pytest.mark.parametrize("case", GEOMETRIES)
def test_average_pool_vjp_matches_finite_differences(
    case: dict[str, object], rng: np.random.Generator
) -> None:
    kwargs = _pool_args(case)
    shape = _shape(case)
    assert_vjp_matches_numerical(
        lambda x: average_pool(x, **kwargs),  # type: ignore[arg-type]
        lambda g, x: [average_pool_vjp(g, input_shape=shape, **kwargs)],  # type: ignore[arg-type]
        [rng.standard_normal(shape)],
        rng,
    )


def random_geometries(rng: np.random.Generator, count: int) -> list[dict[str, object]]:
    cases = []
    for _ in range(count):
        ndim = int(rng.integers(1, 4))
        pool = tuple(int(k) for k in rng.integers(1, 4, ndim))
        cases.append(
            dict(
                pool_size=pool,
                strides=tuple(int(s) for s in rng.integers(1, 4, ndim)),
                padding=str(rng.choice(["valid", "same"])),
                data_format=str(rng.choice(["channels_last", "channels_first"])),
                spatial=tuple(int(k + n) for k, n in zip(pool, rng.integers(0, 5, ndim))),
            )
        )
    return cases


@pytest.mark.parametrize("case", random_geometries(np.random.default_rng(11), 40))
def test_average_pool_vjp_is_its_adjoint(case: dict[str, object], rng: np.random.Generator) -> None:
    """Average pooling is linear: <pool(x), y> == <x, pool_vjp(y)>."""
    kwargs = _pool_args(case)
    shape = _shape(case, channels=3)
    assert_adjoint(
        lambda x: average_pool(x, **kwargs),  # type: ignore[arg-type]
        lambda y: average_pool_vjp(y, input_shape=shape, **kwargs),  # type: ignore[arg-type]
        shape,
        rng,
    )


@pytest.mark.parametrize("case", random_geometries(np.random.default_rng(12), 40))
def test_max_pool_vjp_is_the_adjoint_of_its_selection(
    case: dict[str, object], rng: np.random.Generator
) -> None:
    """For fixed x, max pooling picks one cell per window: a linear map whose transpose is the VJP.

    The selection is read off by pooling x + t * e for a tiny t (no ties in x).
    """
    kwargs = _pool_args(case)
    x = distinct(_shape(case), rng)
    y = max_pool(x, **kwargs)  # type: ignore[arg-type]
    cotangent = rng.standard_normal(y.shape)
    dx = max_pool_vjp(cotangent, x, **kwargs)  # type: ignore[arg-type]
    direction = rng.standard_normal(x.shape)
    moved = max_pool(x + 1e-6 * direction, **kwargs)  # type: ignore[arg-type]
    np.testing.assert_allclose(
        np.sum((moved - y) / 1e-6 * cotangent), np.sum(direction * dx), rtol=1e-6
    )


def test_channels_first_is_channels_last_transposed(rng: np.random.Generator) -> None:
    x = np.round(rng.standard_normal((3, 9, 8, 4))).astype(np.float32)  # ties included
    first = np.ascontiguousarray(np.moveaxis(x, -1, 1))
    kwargs = dict(pool_size=(3, 2), strides=(2, 2), padding="same")
    for op in (max_pool, average_pool):
        last_out = op(x, **kwargs)  # type: ignore[arg-type]
        first_out = op(first, data_format="channels_first", **kwargs)  # type: ignore[arg-type]
        np.testing.assert_array_equal(first_out, np.moveaxis(last_out, -1, 1))
    g = rng.standard_normal(last_out.shape).astype(np.float32)
    g_first = np.moveaxis(g, -1, 1)
    np.testing.assert_array_equal(
        max_pool_vjp(g_first, first, data_format="channels_first", **kwargs),  # type: ignore[arg-type]
        np.moveaxis(max_pool_vjp(g, x, **kwargs), -1, 1),  # type: ignore[arg-type]
    )
    np.testing.assert_array_equal(
        average_pool_vjp(
            g_first,
            input_shape=first.shape,
            data_format="channels_first",
            **kwargs,  # type: ignore[arg-type]
        ),
        np.moveaxis(average_pool_vjp(g, input_shape=x.shape, **kwargs), -1, 1),  # type: ignore[arg-type]
    )


# --------------------------------------------------------------------------- dtypes, chunks


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtype_is_kept(dtype: type, rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 5, 5, 3)).astype(dtype)
    for op in (max_pool, average_pool):
        y = op(x, pool_size=2, padding="same")
        assert y.dtype == dtype
    assert max_pool_vjp(y, x, pool_size=2, padding="same").dtype == dtype
    assert average_pool_vjp(y, input_shape=x.shape, pool_size=2, padding="same").dtype == dtype


def test_integer_inputs_pool_as_float32() -> None:
    x = np.arange(16).reshape(1, 4, 4, 1)
    out = max_pool(x, pool_size=2)
    assert out.dtype == np.float32 and plane(out).tolist() == [[5, 7], [13, 15]]


def test_empty_batch() -> None:
    x = np.zeros((0, 4, 4, 2), np.float32)
    assert max_pool(x, pool_size=2).shape == (0, 2, 2, 2)
    assert max_pool_vjp(np.zeros((0, 2, 2, 2)), x, pool_size=2).shape == x.shape


def test_the_inputs_are_not_modified(rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 5, 5, 3)).astype(np.float32)
    g = rng.standard_normal((2, 3, 3, 3)).astype(np.float32)
    x0, g0 = x.copy(), g.copy()
    max_pool_vjp(g, x, pool_size=2, padding="same")
    average_pool_vjp(g, input_shape=x.shape, pool_size=2, padding="same")
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(g, g0)


def _every_map(x: np.ndarray, g: np.ndarray, **kwargs: object) -> list[np.ndarray]:
    return [
        max_pool(x, **kwargs),  # type: ignore[arg-type]
        average_pool(x, **kwargs),  # type: ignore[arg-type]
        max_pool_vjp(g, x, **kwargs),  # type: ignore[arg-type]
        average_pool_vjp(g, input_shape=x.shape, **kwargs),  # type: ignore[arg-type]
    ]


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(pool_size=2, padding="same"),
        dict(pool_size=3, strides=1, padding="same"),
        dict(pool_size=(2, 3), strides=(3, 2), padding="valid"),
    ],
)
def test_chunks_and_threads_do_not_change_the_numbers(
    kwargs: dict[str, object],
    rng: np.random.Generator,
    monkeypatch: pytest.MonkeyPatch,
    threads: Callable[[int], None],
) -> None:
    x = np.round(rng.standard_normal((7, 11, 10, 3)), 1).astype(np.float32)  # with ties
    y = max_pool(x, **kwargs)  # type: ignore[arg-type]
    g = rng.standard_normal(y.shape).astype(np.float32)
    whole = _every_map(x, g, **kwargs)
    monkeypatch.setattr(tuning, "POOLING_CHUNK_BYTES", 1)
    monkeypatch.setattr(tuning, "PARALLEL_BYTES", 0)
    threads(3)
    chunked = _every_map(x, g, **kwargs)
    for a, b in zip(chunked, whole, strict=True):
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------- bad arguments


X = np.zeros((1, 4, 4, 1), np.float32)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(pool_size=0), r"`pool_size`.*Received: pool_size=0"),
        (dict(pool_size=(2, -1)), r"`pool_size`.*pool_size=\(2, -1\)"),
        (dict(pool_size=(2, 2, 2)), r"`pool_size`.*pool_size=\(2, 2, 2\)"),
        (dict(pool_size=2.0), r"`pool_size`.*pool_size=2.0"),
        (dict(pool_size=True), r"`pool_size`.*pool_size=True"),
        (dict(pool_size=2, strides=0), r"`strides`.*strides=0"),
        (dict(pool_size=2, strides=(1,)), r"`strides`.*strides=\(1,\)"),
        (dict(pool_size=2, padding="full"), r"`padding`.*padding='full'"),
        (dict(pool_size=2, data_format="NHWC"), r"`data_format`.*data_format='NHWC'"),
        (dict(pool_size=5), r"too small for pool_size=\(5, 5\).*inputs.shape=\(1, 4, 4, 1\)"),
    ],
)
def test_bad_arguments_are_named_with_their_value(kwargs: dict[str, object], match: str) -> None:
    g = np.zeros((1, 2, 2, 1), np.float32)
    for call in (
        lambda: max_pool(X, **kwargs),  # type: ignore[arg-type]
        lambda: average_pool(X, **kwargs),  # type: ignore[arg-type]
        lambda: max_pool_vjp(g, X, **kwargs),  # type: ignore[arg-type]
        lambda: average_pool_vjp(g, input_shape=X.shape, **kwargs),  # type: ignore[arg-type]
    ):
        with pytest.raises(ValueError, match=match):
            call()


def test_padding_and_data_format_are_case_insensitive() -> None:
    out = max_pool(X, pool_size=2, padding="SAME", data_format="Channels_Last")
    assert out.shape == (1, 2, 2, 1)


@pytest.mark.parametrize("shape", [(4, 4), (1, 2, 2, 2, 2, 1), ()])
def test_inputs_of_the_wrong_rank_are_refused(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"`inputs` must have 3, 4 or 5 dimensions"):
        max_pool(np.zeros(shape), pool_size=2)


def test_a_gradient_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(ValueError, match=r"`grad`.*\(1, 2, 2, 1\).*grad.shape=\(1, 4, 4, 1\)"):
        max_pool_vjp(X, X, pool_size=2)
    first = np.zeros((1, 1, 4, 4))
    with pytest.raises(ValueError, match=r"`grad`.*\(1, 1, 2, 2\).*grad.shape=\(1, 2, 2, 1\)"):
        max_pool_vjp(np.zeros((1, 2, 2, 1)), first, pool_size=2, data_format="channels_first")


@pytest.mark.parametrize("input_shape", [(4, 4), (1, -1, 4, 1), "1441", None, (1, 4.0, 4, 1)])
def test_a_bad_input_shape_is_refused(input_shape: object) -> None:
    with pytest.raises(ValueError, match=r"`input_shape`.*Received: input_shape="):
        average_pool_vjp(np.zeros((1, 2, 2, 1)), input_shape=input_shape, pool_size=2)  # type: ignore[arg-type]


def test_complex_inputs_are_refused() -> None:
    with pytest.raises(TypeError, match=r"`inputs` must be a real-valued array"):
        max_pool(np.zeros((1, 4, 4, 1), np.complex64), pool_size=2)
