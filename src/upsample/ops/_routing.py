"""Forcing a route: the check shared by the kernels that take ``route=``."""

from __future__ import annotations

from collections.abc import Callable


def check_route(
    route: str | None, names: tuple[str, ...], cannot: Callable[[str], str | None]
) -> None:
    """A forced `route` must be one of `names` and able to compute the call.

    `cannot(name)` says why a route cannot compute the call, or None when it can;
    the error names the route and the ones that can.
    """
    if route is None:
        return
    if route not in names:
        raise ValueError(
            f"Unknown `route`: {route!r}. Expected None or one of "
            f"{', '.join(repr(name) for name in names)}."
        )
    reason = cannot(route)
    if reason is not None:
        able = ", ".join(repr(name) for name in names if cannot(name) is None)
        raise ValueError(
            f"The `route` {route!r} cannot compute this call: {reason}. Routes that can: "
            f"{able}. Received: route={route!r}"
        )
