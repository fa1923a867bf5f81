"""Whether training and inference run planned steps (`upsample.models.plan`).

On by default; the tests switch it off to compare a planned step with the
unplanned one, layer by layer through `Layer.forward` and `Layer.backward`.
"""

from __future__ import annotations

_planned = True


def planned_steps() -> bool:
    return _planned


def set_planned_steps(enabled: bool) -> None:
    global _planned
    if not isinstance(enabled, bool):
        raise ValueError(f"`enabled` must be True or False. Received: enabled={enabled!r}")
    _planned = enabled
