"""Border scores: is there a frame around the images that the inputs do not have?

Zero padding makes every convolution see black beyond the edges, and a learned
layer can answer with a frame: the seeds' Conv2DTranspose autoencoder paints a
grey one (issue 15: mean 0.186 on the 2-pixel border of its reconstructions,
against 0.001 in the input digits).  The band is every position within `width`
pixels of an edge along any spatial axis; the interior is the rest.  Values are
taken as magnitudes (mean ``|Y|``), so that a dark frame on signed outputs
counts as well; for images in [0, 1] this is the mean value.  The excesses are
differences, not ratios: the input's border is ~0 on MNIST, and a ratio to it
would say more about that ~0 than about the frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from upsample.analysis.arguments import check_images, check_non_negative
from upsample.analysis.phase_imbalance import cropped


@dataclass(frozen=True)
class BorderScore:
    """Mean magnitude on the border band and inside it, and the inputs' if given."""

    width: int
    border: float
    interior: float
    reference_border: float | None
    reference_interior: float | None

    @property
    def excess_over_interior(self) -> float:
        return self.border - self.interior

    @property
    def excess_over_reference(self) -> float | None:
        """How much more the outputs' border holds than the inputs' border."""
        return None if self.reference_border is None else self.border - self.reference_border


def border_means(images: Any, *, width: int = 2, name: str = "images") -> tuple[float, float]:
    """``(border, interior)``: the mean ``|Y|`` on the band of `width` pixels and inside it.

    images: ``(batch, *spatial, channels)``; every spatial axis must be longer
    than ``2 * width`` so that there is an interior.
    """
    array = np.abs(check_images(images, name))
    band = check_non_negative(width, "width")
    if band == 0:
        raise ValueError(f"The border `width` must be at least 1 pixel. Received: width={width}")
    inside = cropped(array, band, name=name, argument="width")
    total, interior = array.sum(), inside.sum()
    border_count = array.size - inside.size
    return float((total - interior) / border_count), float(interior / inside.size)


def border_score(outputs: Any, *, width: int = 2, inputs: Any = None) -> BorderScore:
    """The border and interior of `outputs`, and of `inputs` (of any shape) if given."""
    border, interior = border_means(outputs, width=width, name="outputs")
    if inputs is None:
        return BorderScore(int(width), border, interior, None, None)
    return BorderScore(
        int(width), border, interior, *border_means(inputs, width=width, name="inputs")
    )
