"""Every fast route of every convolution map against the reference route, and the route table.

Random geometries in 1, 2 and 3 dimensions (strides, dilation, 'valid'/'same',
Keras's output_padding crops), float64, through the public kernels with
``route=`` forced; some draws also shrink the chunks (several per item, a
partial last one) and hand them to worker threads, which must not change a
number either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest

from upsample.ops.convolution import (
    ROUTES,
    conv,
    conv_transpose,
    conv_transpose_vjp,
    conv_vjp,
    routes,
)
from upsample.ops.shapes import ConvGeometry, conv_geometry, conv_transpose_geometry

MAPS = ("forward", "adjoint", "kernel_grad")
FAST = [(route, kind) for route in ROUTES[1:] for kind in MAPS if route != "phases"]
FAST.append(("phases", "adjoint"))


class Problem(NamedTuple):
    arguments: dict[str, Any]  # strides, padding, dilation_rate (and output_padding)
    transposed: bool  # the geometry of a conv_transpose (else of a conv)
    geo: ConvGeometry
    batch: int
    a: int  # channels of the wide side
    b: int  # channels of the narrow side
    chunked: bool  # tiny chunks, on worker threads


def random_problem(route: str, kind: str, seed: int) -> Problem:
    """A random problem that `route` can compute `kind` of (unit strides where it needs them)."""
    rng = np.random.default_rng([seed, ROUTES.index(route), MAPS.index(kind)])
    while True:
        ndim = int(rng.integers(2 if route == "split_rows" else 1, 4))
        unit = route in ("flat_shift", "one_channel") or (route != "phases" and kind == "adjoint")
        strides = [1] * ndim if unit else [int(s) for s in rng.integers(1, 4, ndim)]
        if route == "split_rows":
            strides[0] = 1
        a, b = (int(c) for c in rng.integers(1, 5, 2))
        if route == "one_channel":
            a, b = (1, b) if kind == "adjoint" else (a, 1)
        transposed = bool(rng.random() < 0.5)
        arguments: dict[str, Any] = dict(
            strides=tuple(strides),
            padding=str(rng.choice(["valid", "same"])),
            dilation_rate=tuple(int(d) for d in rng.integers(1, 3, ndim)),
        )
        kernel_size = tuple(int(k) for k in rng.integers(1, 5, ndim))
        spatial = tuple(int(n) for n in rng.integers(1, 9 if ndim < 3 else 6, ndim))
        shape_arguments = dict(
            kernel_size=kernel_size,
            strides=arguments["strides"],
            padding=arguments["padding"],
            dilation=arguments["dilation_rate"],
        )
        if transposed and rng.random() < 0.5:
            arguments["output_padding"] = tuple(int(rng.integers(0, s)) for s in strides)
        try:
            if transposed:
                geo = conv_transpose_geometry(
                    spatial, output_padding=arguments.get("output_padding"), **shape_arguments
                )
            else:
                geo = conv_geometry(spatial, **shape_arguments)
        except ValueError:  # an input too small for the window: no output
            continue
        if min(geo.wide) < 1:
            continue
        if routes.cannot(route, kind, geo, a, b) is None:  # type: ignore[arg-type]
            chunked = bool(rng.random() < 0.4)
            return Problem(arguments, transposed, geo, int(rng.integers(1, 4)), a, b, chunked)


def compute(problem: Problem, kind: str, route: str, rng: np.random.Generator) -> np.ndarray:
    """The map `kind` of `problem` through whichever public kernel runs it."""
    geo, batch, a, b = problem.geo, problem.batch, problem.a, problem.b
    wide = rng.standard_normal((batch, *geo.wide, a))
    narrow = rng.standard_normal((batch, *geo.narrow, b))
    kernel = rng.standard_normal((*geo.kernel_size, a, b))
    arguments = {**problem.arguments, "route": route}
    if problem.transposed:  # conv_transpose reads the narrow side (kernel: (*k, out=a, in=b))
        if kind == "adjoint":
            return conv_transpose(narrow, kernel, **arguments)
        grads = conv_transpose_vjp(
            wide,
            narrow,
            kernel,
            need_inputs=kind == "forward",
            need_kernel=kind != "forward",
            **arguments,
        )
        return grads.inputs if kind == "forward" else grads.kernel  # type: ignore[return-value]
    if kind == "forward":
        return conv(wide, kernel, **arguments)
    grads = conv_vjp(
        narrow,
        wide,
        kernel,
        need_inputs=kind == "adjoint",
        need_kernel=kind != "adjoint",
        **arguments,
    )
    return grads.inputs if kind == "adjoint" else grads.kernel  # type: ignore[return-value]


@pytest.mark.parametrize("seed", range(16))
@pytest.mark.parametrize(("route", "kind"), FAST)
def test_every_fast_route_computes_the_reference_map(
    route: str,
    kind: str,
    seed: int,
    tiny_chunks: Callable[[], None],
) -> None:
    problem = random_problem(route, kind, seed)
    expected = compute(problem, kind, "reference", np.random.default_rng(seed))
    if problem.chunked:
        tiny_chunks()
    ours = compute(problem, kind, route, np.random.default_rng(seed))
    assert ours.dtype == np.float64 and ours.flags.c_contiguous
    np.testing.assert_allclose(
        ours, expected, rtol=0, atol=1e-12 * max(1.0, np.abs(expected).max())
    )


# --------------------------------------------------------------------------- the table


def _geometry(spatial: tuple[int, ...], kernel: int, strides: int) -> ConvGeometry:
    ndim = len(spatial)
    return conv_geometry(
        spatial,
        kernel_size=(kernel,) * ndim,
        strides=(strides,) * ndim,
        padding="same",
        dilation=(1,) * ndim,
    )


@pytest.mark.parametrize(
    ("kind", "spatial", "kernel", "strides", "batch", "channels", "expected"),
    [
        # Into one channel with unit strides: one product, then shifted sums.
        ("forward", (28, 28), 3, 1, 1000, (8, 1), "one_channel"),
        ("kernel_grad", (28, 28), 3, 1, 1000, (8, 1), "one_channel"),
        # A transposed convolution into one channel: the same, on the flipped problem.
        ("adjoint", (28, 28), 3, 1, 1000, (1, 8), "one_channel"),
        # Small stride-1 problems with several channels: no gather at all.
        ("forward", (8, 8), 3, 1, 2, (4, 4), "flat_shift"),
        ("adjoint", (8, 8), 3, 1, 2, (4, 4), "flat_shift"),
        ("kernel_grad", (8, 8), 3, 1, 2, (4, 4), "flat_shift"),
        # Large ones, stride 1 along the first axis: the first axis's taps are shifts.
        ("forward", (64, 64), 3, 1, 32, (32, 32), "split_rows"),
        ("adjoint", (64, 64), 3, 1, 32, (32, 32), "split_rows"),
        # One spatial axis, or a one-channel source: plain im2col.
        ("forward", (4096,), 3, 1, 32, (32, 32), "im2col"),
        ("forward", (28, 28), 3, 1, 1000, (1, 8), "im2col"),
        # Strides: im2col forward, the phases backward.
        ("forward", (64, 64), 3, 2, 32, (32, 32), "im2col"),
        ("kernel_grad", (64, 64), 3, 2, 32, (32, 32), "im2col"),
        ("adjoint", (64, 64), 3, 2, 32, (32, 32), "phases"),
    ],
)
def test_the_route_table(
    kind: str,
    spatial: tuple[int, ...],
    kernel: int,
    strides: int,
    batch: int,
    channels: tuple[int, int],
    expected: str,
) -> None:
    geo = _geometry(spatial, kernel, strides)
    assert routes.choose(kind, geo, batch, *channels, 4) == expected  # type: ignore[arg-type]


def test_threads_only_for_large_gathering_routes() -> None:
    large, small = _geometry((64, 64), 3, 1), _geometry((8, 8), 3, 1)
    for route in ("im2col", "split_rows", "phases", "one_channel"):
        assert routes.worth_threads(route, large, 32, 32, 4)
        assert not routes.worth_threads(route, small, 2, 4, 4)
    assert not routes.worth_threads("flat_shift", large, 32, 32, 4)
    assert not routes.worth_threads("reference", large, 32, 32, 4)


# --------------------------------------------------------------------------- forcing a route


def test_an_unknown_route_lists_the_routes() -> None:
    x, kernel = np.zeros((1, 4, 4, 2)), np.zeros((3, 3, 2, 2))
    with pytest.raises(ValueError, match=r"Unknown `route`: 'fast'\. Expected None or one of "):
        conv(x, kernel, route="fast")


@pytest.mark.parametrize(
    ("call", "route", "reason", "able"),
    [
        (
            lambda x, k: conv(x, k, strides=2, route="flat_shift"),
            "flat_shift",
            "it needs unit strides",
            "'reference', 'im2col'.",
        ),
        (
            lambda x, k: conv(x, k, route="phases"),
            "phases",
            "transposed map only",
            "'reference', 'im2col', 'split_rows', 'flat_shift'.",
        ),
        (
            lambda x, k: conv_transpose(x, k, strides=2, route="im2col"),
            "im2col",
            "transposed map with unit strides only",
            "'reference', 'phases'.",
        ),
        (
            lambda x, k: conv_vjp(np.zeros((1, 4, 4, 2)), x, k, padding="same", route="phases"),
            "phases",
            "transposed map only",
            "'reference', 'im2col', 'split_rows', 'flat_shift'.",
        ),
        (
            lambda x, k: conv(x, k, route="one_channel"),
            "one_channel",
            "into one channel",
            "'reference', 'im2col', 'split_rows', 'flat_shift'.",
        ),
    ],
)
def test_a_route_that_cannot_compute_the_call_names_the_ones_that_can(
    call: Callable[[np.ndarray, np.ndarray], Any], route: str, reason: str, able: str
) -> None:
    x, kernel = np.zeros((1, 4, 4, 2)), np.zeros((3, 3, 2, 2))
    with pytest.raises(ValueError, match=rf"`route` '{route}' cannot compute") as error:
        call(x, kernel)
    message = str(error.value)
    assert (
        reason in message
        and f"Routes that can: {able}" in message
        and f"Received: route='{route}'" in message
    )
