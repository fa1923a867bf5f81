"""Every fast route of upsampling and of its transpose against the reference route, and the
route table.

Random problems in 1, 2 and 3 dimensions, both layouts, float64, through the
public kernels with ``route=`` forced; some draws also shrink the chunks (bands
of rows inside an item, a partial last chunk) and hand them to worker threads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from upsample.ops.resampling import (
    COORDINATES,
    ROUTES,
    resize,
    resize_vjp,
    routes,
    segments,
    upsample,
    upsample_vjp,
)
from upsample.ops.resampling.problem import Resampling
from upsample.runtime import tuning

METHODS = ["nearest", "bilinear", "bicubic", "lanczos3", "lanczos5"]
FAST = [
    ("gather", False),
    ("gather", True),
    ("segments", False),
    ("segments", True),
    ("linear_x2", False),
    ("linear_x2", True),
    ("block_sums", True),
]


def random_problem(route: str, transpose: bool, seed: int) -> dict[str, Any]:
    """A random problem `route` can compute: the shapes of the input and the arguments.

    The integer-factor routes get integer upsampling factors in the conventions
    they take; gather also gets any lengths (up or down), align_corners and antialias.
    """
    rng = np.random.default_rng([seed, ROUTES.index(route), transpose])
    ndim = int(rng.integers(1, 4))
    method = {"linear_x2": "bilinear", "block_sums": "nearest"}.get(
        route, METHODS[int(rng.integers(len(METHODS)))]
    )
    conventions = {"linear_x2": ["half_pixel"], "gather": list(COORDINATES)}.get(
        route, ["half_pixel", "asymmetric"]
    )
    if method == "nearest" and "align_corners" in conventions:
        conventions.remove("align_corners")
    spatial = tuple(int(n) for n in rng.integers(1, 13 if ndim < 3 else 7, ndim))
    if route == "gather" and rng.random() < 0.7:
        size = tuple(int(n) for n in rng.integers(1, 16 if ndim < 3 else 8, ndim))
    else:
        factors = [int(f) for f in rng.integers(1, 3 if route == "linear_x2" else 5, ndim)]
        factors[int(rng.integers(ndim))] = 2  # not the identity, which every route copies
        size = tuple(n * f for n, f in zip(spatial, factors))
    return dict(
        method=method,
        coordinates=str(rng.choice(conventions)),
        antialias=route == "gather" and bool(rng.random() < 0.5),
        spatial=spatial,
        size=size,
        data_format=("channels_last", "channels_first")[int(rng.integers(2))],
        batch=int(rng.integers(1, 4)),
        # Pixels narrow enough to be staged, and wider than the staging limit.
        channels=int(rng.choice([1, 2, 3, 5, 8, 33])),
        chunked=bool(rng.random() < 0.4),
    )


def compute(problem: dict[str, Any], transpose: bool, route: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    spatial = problem["size"] if transpose else problem["spatial"]
    channels, batch = problem["channels"], problem["batch"]
    first = problem["data_format"] == "channels_first"
    shape = (batch, channels, *spatial) if first else (batch, *spatial, channels)
    arguments = dict(
        interpolation=problem["method"],
        coordinates=problem["coordinates"],
        antialias=problem["antialias"],
        data_format=problem["data_format"],
        route=route,
    )
    if transpose:
        return resize_vjp(rng.standard_normal(shape), input_size=problem["spatial"], **arguments)
    return resize(rng.standard_normal(shape), size=problem["size"], **arguments)


@pytest.mark.parametrize("seed", range(24))
@pytest.mark.parametrize(("route", "transpose"), FAST)
def test_every_fast_route_computes_the_reference_operator(
    route: str,
    transpose: bool,
    seed: int,
    tiny_chunks: Callable[[], None],
) -> None:
    problem = random_problem(route, transpose, seed)
    expected = compute(problem, transpose, "reference", seed)
    if problem["chunked"]:
        tiny_chunks()
    ours = compute(problem, transpose, route, seed)
    assert ours.dtype == np.float64 and ours.shape == expected.shape
    np.testing.assert_allclose(
        ours, expected, rtol=0, atol=1e-12 * max(1.0, np.abs(expected).max())
    )


@pytest.mark.parametrize("size", [(2, 2), (2, 1), (1, 2), (2, 2, 2)])
def test_linear_x2_chunks_and_threads_do_not_change_a_bit(
    size: tuple[int, ...],
    rng: np.random.Generator,
    monkeypatch: pytest.MonkeyPatch,
    threads: Callable[[int], None],
) -> None:
    """Chunks of batch items and bands of rows (with the rows around them that they read),
    on worker threads, compute each element exactly as one chunk does."""
    x = rng.standard_normal((7, 9, *(6,) * (len(size) - 1), 3)).astype(np.float32)
    arguments = dict(size=size, interpolation="bilinear", route="linear_x2")
    whole = upsample(x, **arguments)  # type: ignore[arg-type]
    g = rng.standard_normal(whole.shape).astype(np.float32)
    whole_vjp = upsample_vjp(g, **arguments)  # type: ignore[arg-type]
    monkeypatch.setattr(tuning, "LINEAR_X2_CHUNK_BYTES", 1 << 10)  # bands of a few rows
    monkeypatch.setattr(tuning, "PARALLEL_BYTES", 0)
    for workers in (1, 2):
        threads(workers)
        np.testing.assert_array_equal(upsample(x, **arguments), whole)  # type: ignore[arg-type]
        np.testing.assert_array_equal(upsample_vjp(g, **arguments), whole_vjp)  # type: ignore[arg-type]


@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("method", METHODS[1:])
def test_segments_use_slices_and_only_small_border_blocks(method: str, transpose: bool) -> None:
    """The interior is weighted sums of slices; dense blocks cover the border rows only."""
    radius = {"bilinear": 1, "bicubic": 2, "lanczos3": 3, "lanczos5": 5}[method]
    shape = (2, 128, 96, 3) if transpose else (2, 64, 48, 3)
    plan = segments._plan(
        transpose, method, "half_pixel", shape, (2, 2), np.dtype(np.float32), 1 << 19
    )
    for chunk in plan:
        for axis_pass, _ in chunk.passes:
            assert len(axis_pass.writes) == (1 if transpose else 2)
            for border in axis_pass.borders:  # a band of width ~ radius at each end
                rows, columns = border.matrix.shape
                assert rows <= 2 * (2 * radius + 1) and columns <= 2 * 2 * (3 * radius + 1)


# --------------------------------------------------------------------------- the table


@pytest.mark.parametrize(
    ("transpose", "method", "coordinates", "lengths", "expected"),
    [
        (False, "bilinear", "half_pixel", ((4, 4), (8, 8)), "linear_x2"),
        (True, "bilinear", "half_pixel", ((4, 4), (4, 8)), "linear_x2"),
        (False, "bilinear", "half_pixel", ((4, 4), (8, 12)), "segments"),
        (False, "bilinear", "asymmetric", ((4, 4), (8, 8)), "segments"),
        (False, "nearest", "half_pixel", ((4, 4), (8, 8)), "segments"),
        (True, "nearest", "half_pixel", ((4, 4), (8, 12)), "block_sums"),
        (True, "nearest", "asymmetric", ((4, 4), (8, 12)), "block_sums"),
        (False, "bicubic", "half_pixel", ((4, 4), (8, 8)), "segments"),
        (True, "lanczos3", "half_pixel", ((4, 4), (8, 8)), "segments"),
        (False, "bilinear", "align_corners", ((4, 4), (8, 8)), "gather"),
        (True, "bicubic", "align_corners", ((4, 4), (8, 12)), "gather"),
        (False, "bilinear", "half_pixel", ((4, 4), (6, 8)), "gather"),
        (True, "nearest", "half_pixel", ((4, 4), (2, 2)), "gather"),
    ],
)
def test_the_route_table(
    transpose: bool,
    method: str,
    coordinates: str,
    lengths: tuple[tuple[int, ...], tuple[int, ...]],
    expected: str,
) -> None:
    problem = Resampling(method, coordinates, False, *lengths)
    assert routes.choose(transpose, problem) == expected


def test_an_unknown_route_lists_the_routes() -> None:
    with pytest.raises(ValueError, match=r"Unknown `route`: 'fast'\. Expected None or one of "):
        upsample(np.zeros((1, 2, 2, 1)), size=2, route="fast")


@pytest.mark.parametrize(
    ("call", "route", "able"),
    [
        (
            lambda x: upsample(x, size=2, interpolation="bicubic", route="linear_x2"),
            "linear_x2",
            "'reference', 'gather', 'segments'.",
        ),
        (
            lambda x: upsample(x, size=3, interpolation="bilinear", route="linear_x2"),
            "linear_x2",
            "'reference', 'gather', 'segments'.",
        ),
        (
            lambda x: upsample(
                x, size=2, interpolation="bilinear", coordinates="asymmetric", route="linear_x2"
            ),
            "linear_x2",
            "'reference', 'gather', 'segments'.",
        ),
        (
            lambda x: upsample(
                x, size=2, interpolation="bilinear", coordinates="align_corners", route="segments"
            ),
            "segments",
            "'reference', 'gather'.",
        ),
        (
            lambda x: resize(x, size=(3, 5), route="segments"),
            "segments",
            "'reference', 'gather'.",
        ),
        (
            lambda x: upsample(x, size=2, route="block_sums"),
            "block_sums",
            "'reference', 'gather', 'segments'.",
        ),
        (
            lambda x: upsample_vjp(x, size=2, interpolation="bilinear", route="block_sums"),
            "block_sums",
            "'reference', 'gather', 'segments', 'linear_x2'.",
        ),
    ],
)
def test_a_route_that_cannot_compute_the_call_names_the_ones_that_can(
    call: Callable[[np.ndarray], Any], route: str, able: str
) -> None:
    with pytest.raises(ValueError, match=rf"`route` '{route}' cannot compute") as error:
        call(np.zeros((1, 4, 4, 1)))
    message = str(error.value)
    assert f"Routes that can: {able}" in message and f"Received: route='{route}'" in message
