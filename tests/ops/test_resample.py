"""Upsampling: the seeds' examples, an independent dense reference, adjointness, errors."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pytest

from support.gradcheck import assert_adjoint, assert_vjp_matches_numerical
from support.resample_reference import reference, reference_vjp, shape_of
from upsample.ops import resample as resample_ops
from upsample.ops._resample_weights import forward_segments, phase_taps
from upsample.ops.resample import upsample, upsample_vjp
from upsample.runtime import tuning

METHODS = ["nearest", "bilinear", "bicubic", "lanczos3", "lanczos5"]
FORMATS = ["channels_last", "channels_first"]


# --------------------------------------------------------------------------- the seeds' examples


def test_nearest_repeats_each_pixel_of_the_seed_image() -> None:
    """Seed: UpSampling2D() turns [[1, 2], [3, 4]] into 2x2 blocks."""
    x = np.array([[1, 2], [3, 4]], np.float32).reshape(1, 2, 2, 1)
    expected = [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]
    np.testing.assert_array_equal(upsample(x, size=2)[0, :, :, 0], expected)


def test_nearest_with_a_different_factor_per_axis() -> None:
    """Seed: size=(2, 3) turns a 2x2 image into 4x6."""
    x = np.array([[1, 2], [3, 4]], np.float32).reshape(1, 2, 2, 1)
    out = upsample(x, size=(2, 3))[0, :, :, 0]
    assert out.shape == (4, 6)
    np.testing.assert_array_equal(out, np.repeat(np.repeat(x[0, :, :, 0], 2, 0), 3, 1))


def test_bilinear_seed_image_by_hand() -> None:
    """Seed: [[0, 0.5], [1, 1.5]] by (32, 32), bilinear, gives 64x64.

    The image is linear, ``v(r, c) = r + c / 2``, so bilinear interpolation at the
    half-pixel sample ``s = (i + 0.5) / 32 - 0.5`` is ``v`` at ``s`` clamped to the
    input range: the edges are flat (dropped taps renormalise to the edge pixel).
    """
    x = np.array([[0.0, 0.5], [1.0, 1.5]], np.float32).reshape(1, 2, 2, 1)
    out = upsample(x, size=(32, 32), interpolation="bilinear")[0, :, :, 0]
    assert out.shape == (64, 64)
    assert out[0, 0] == 0.0 and out[0, -1] == 0.5 and out[-1, 0] == 1.0 and out[-1, -1] == 1.5
    assert out[16, 16] == pytest.approx(0.015625 + 0.5 * 0.015625)  # s = 16.5 / 32 - 0.5
    assert out[32, 0] == pytest.approx(0.515625)  # s = 32.5 / 32 - 0.5
    assert out[40, 50] == pytest.approx(0.765625 + 0.5 * 1.0)  # column 50 is past the last centre
    s = np.clip((np.arange(64) + 0.5) / 32 - 0.5, 0.0, 1.0)
    np.testing.assert_allclose(out, s[:, None] + 0.5 * s[None, :], rtol=0, atol=1e-7)


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("bilinear", [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3]),
        ("bicubic", [-0.0882, 0.1679, 0.7099, 1.25, 1.75, 2.2901, 2.8321, 3.0882]),
    ],
)
def test_one_dimensional_worked_example(method: str, expected: list[float]) -> None:
    """keras-semantics.md 1.3: [0, 1, 2, 3] by 2 (bicubic as JAX: dropped taps, renormalised)."""
    x = np.arange(4, dtype=np.float32).reshape(1, 4, 1)
    out = upsample(x, size=2, interpolation=method).ravel()
    np.testing.assert_allclose(out, expected, rtol=0, atol=5e-5)


def test_bicubic_border_weights_are_renormalised_not_clamped() -> None:
    """Output 0 samples at -0.25: Keys taps at -2 and -1 are dropped, the rest sum to 1."""
    (k_a, a), (k_b, b), (k_c, c), (k_d, d) = phase_taps("bicubic", 2)[0]
    assert (k_a, k_b, k_c, k_d) == (-2, -1, 0, 1)
    assert (a, b, c, d) == (-0.0234375, 0.2265625, 0.8671875, -0.0703125)
    x = np.array([1.0, 0.0, 0.0, 0.0]).reshape(1, 4, 1)
    assert upsample(x, size=2, interpolation="bicubic")[0, 0, 0] == pytest.approx(c / (c + d))


# ----------------------------------------------------------------- against the dense reference


def random_configs(count: int, seed: int) -> list[dict[str, object]]:
    rng = np.random.default_rng(seed)
    configs = []
    for _ in range(count):
        ndim = int(rng.integers(1, 4))
        configs.append(
            dict(
                method=METHODS[int(rng.integers(len(METHODS)))],
                data_format=FORMATS[int(rng.integers(2))],
                factors=tuple(int(f) for f in rng.integers(1, 5, ndim)),
                spatial=tuple(int(n) for n in rng.integers(1, 13 if ndim < 3 else 7, ndim)),
                batch=int(rng.integers(1, 4)),
                channels=int(rng.integers(1, 5)),
            )
        )
    return configs


@pytest.mark.parametrize("config", random_configs(120, seed=3), ids=str)
def test_matches_dense_jax_weights(config: dict[str, object], rng: np.random.Generator) -> None:
    """Polyphase segments and border rows reproduce jax.image.resize's weight matrices."""
    fmt, factors, method = config["data_format"], config["factors"], config["method"]
    x = rng.standard_normal(shape_of(config["batch"], config["spatial"], config["channels"], fmt))  # type: ignore[arg-type]
    out = upsample(x, size=factors, interpolation=method, data_format=fmt)  # type: ignore[arg-type]
    np.testing.assert_allclose(out, reference(x, factors, method, fmt), rtol=0, atol=1e-12)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the transpose


ADJOINT_CASES = [
    (method, fmt, spatial, factors)
    for method in METHODS
    for fmt in FORMATS
    for spatial, factors in [
        ((5,), (3,)),
        ((1,), (4,)),
        ((6, 5), (1, 3)),
        ((4, 7), (2, 2)),
        ((2, 3), (4, 1)),
        ((3, 4, 2), (2, 3, 1)),
        ((2, 1, 3), (1, 1, 1)),
    ]
]


@pytest.mark.parametrize(("method", "data_format", "spatial", "factors"), ADJOINT_CASES)
def test_vjp_is_the_adjoint(
    method: str,
    data_format: str,
    spatial: tuple[int, ...],
    factors: tuple[int, ...],
    rng: np.random.Generator,
) -> None:
    """``<up(x), y> == <x, up_vjp(y)>``: the backward pass is the transposed operator."""
    arguments = dict(size=factors, interpolation=method, data_format=data_format)
    assert_adjoint(
        lambda x: upsample(x, **arguments),  # type: ignore[arg-type]
        lambda y: upsample_vjp(y, **arguments),  # type: ignore[arg-type]
        shape_of(2, spatial, 3, data_format),
        rng,
    )


@pytest.mark.parametrize("config", random_configs(60, seed=4), ids=str)
def test_vjp_is_the_transposed_dense_operator(
    config: dict[str, object], rng: np.random.Generator
) -> None:
    fmt, factors, method = config["data_format"], config["factors"], config["method"]
    narrow = shape_of(config["batch"], config["spatial"], config["channels"], fmt)  # type: ignore[arg-type]
    wide = upsample(np.zeros(narrow), size=factors, interpolation=method, data_format=fmt)  # type: ignore[arg-type]
    g = rng.standard_normal(wide.shape)
    ours = upsample_vjp(g, size=factors, interpolation=method, data_format=fmt)  # type: ignore[arg-type]
    expected = reference_vjp(g, config["spatial"], factors, method, fmt)  # type: ignore[arg-type]
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-12)


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


# --------------------------------------------------------------------------- properties


def test_operator_is_polyphase_with_one_interior_segment_per_phase() -> None:
    """Each phase is one run of identical rows, plus a few border rows."""
    for method, radius in [("bilinear", 1), ("bicubic", 2), ("lanczos5", 5)]:
        segments = forward_segments(method, 40, 3)
        for phase in range(3):
            runs = [s for s in segments if s.phase == phase]
            longest = max(runs, key=lambda s: s.stop - s.start)
            assert longest.stop - longest.start >= 40 - 2 * radius
            assert len(runs) <= 2 * radius + 1


@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("method", METHODS[1:])
def test_large_axes_use_slices_and_only_small_border_blocks(method: str, transpose: bool) -> None:
    """The interior is weighted sums of slices; dense blocks cover the border rows only."""
    radius = {"bilinear": 1, "bicubic": 2, "lanczos3": 3, "lanczos5": 5}[method]
    shape = (2, 128, 96, 3) if transpose else (2, 64, 48, 3)
    for chunk in resample_ops._plan(transpose, method, shape, (2, 2), np.dtype(np.float32)):
        for axis_pass, _ in chunk.passes:
            assert len(axis_pass.writes) == (1 if transpose else 2)
            for border in axis_pass.borders:  # a band of width ~ radius at each end
                rows, columns = border.matrix.shape
                assert rows <= 2 * (2 * radius + 1) and columns <= 2 * 2 * (3 * radius + 1)


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
    assert resample_ops.check_interpolation("Trilinear") == "bilinear"
    assert resample_ops.check_interpolation("cubic") == "bicubic"
    assert resample_ops.check_interpolation("lanczos5") == "lanczos5"
    for bad in ["area", "", None, 3, ["nearest"]]:
        with pytest.raises(ValueError, match="Received: interpolation="):
            resample_ops.check_interpolation(bad)  # type: ignore[arg-type]


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


def test_chunks_and_threads_do_not_change_the_numbers(
    rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch, threads: Callable[[int], None]
) -> None:
    """Chunking by batch items and rows (with halos) must not change the numbers."""
    x = rng.standard_normal((3, 21, 10, 5)).astype(np.float32)
    g = rng.standard_normal((3, 42, 30, 5)).astype(np.float32)

    def run() -> list[np.ndarray]:
        return [
            array
            for method in METHODS
            for array in (
                upsample(x, size=(2, 3), interpolation=method),
                upsample_vjp(g, size=(2, 3), interpolation=method),
            )
        ]

    whole = run()
    monkeypatch.setattr(tuning, "PARALLEL_BYTES", 0)
    try:
        for chunk_bytes, workers in itertools.product([1 << 10, 1 << 14], [1, 2]):
            monkeypatch.setattr(tuning, "RESAMPLE_CHUNK_BYTES", chunk_bytes)
            resample_ops._plan.cache_clear()
            threads(workers)
            for a, b in zip(run(), whole, strict=True):
                # Border rows are a small matmul, whose BLAS blocking follows the chunk.
                np.testing.assert_allclose(a, b, rtol=0, atol=1e-6 * np.abs(b).max())
    finally:
        resample_ops._plan.cache_clear()


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
