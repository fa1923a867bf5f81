"""Arrays in, batches out: validation of `fit` data, Keras's validation split, batching.

It also holds the data order that two engines share (`EpochShuffle`): the
NumPy engine (`Model.fit`) and the Keras engine (`upsample.interop.engine`) feed
the same samples in the same batches when given the same seed, so that a run
can stop on one engine and resume on the other.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
from numpy.typing import NDArray

from upsample import config
from upsample.layers.layer import refuse_complex

Array = NDArray[Any]


def as_array_list(data: Any, name: str) -> list[Array] | None:
    """`x` / `y` / `sample_weight` as a list of arrays (several for multi-input models)."""
    if data is None:
        return None
    if isinstance(data, dict):
        raise TypeError(f"upsample takes `{name}` as an array or a list of arrays, not a dict.")
    items = list(data) if isinstance(data, list | tuple) else [data]
    arrays = []
    for item in items:
        array = np.asarray(item)
        if array.dtype == object:
            raise TypeError(f"`{name}` must hold numbers. Received an array of dtype=object.")
        refuse_complex(array, f"`{name}`")
        if array.ndim == 0:
            raise ValueError(f"`{name}` must have a batch dimension. Received a scalar: {item!r}")
        arrays.append(array)
    return arrays


def floats_to_floatx(arrays: list[Array] | None, name: str) -> list[Array] | None:
    """Floating arrays cast to `config.floatx()`, as Keras's `fit`/`evaluate`/`predict` do
    with array data (its array adapter); other dtypes as they are.

    Finite values beyond floatx's range are refused, rather than becoming infinite.
    """
    if arrays is None:
        return None
    floatx = np.dtype(config.floatx())
    cast = []
    for i, array in enumerate(arrays):
        if array.dtype.kind == "f" and array.dtype != floatx:
            with np.errstate(over="ignore"):
                narrowed = array.astype(floatx)
            if not np.isfinite(narrowed).all() and np.isfinite(array).all():
                where = f"{name}[{i}]" if len(arrays) > 1 else name
                raise ValueError(
                    f"`{where}` has values beyond the range of {floatx} (largest magnitude "
                    f"{float(np.abs(array).max()):.3g}, {floatx}'s largest "
                    f"{float(np.finfo(floatx).max):.3g}); fit, evaluate and predict cast float "
                    f"data to floatx ({floatx}), as Keras does. Rescale the data."
                )
            array = narrowed
        cast.append(array)
    return cast


def check_lengths(*groups: tuple[str, list[Array] | None]) -> int:
    """All arrays must have the same number of samples; return it."""
    lengths = {
        (name, i): len(array)
        for name, arrays in groups
        if arrays is not None
        for i, array in enumerate(arrays)
    }
    values = set(lengths.values())
    if len(values) > 1:
        described = ", ".join(
            f"{name}[{i}]: {n}" if _many(groups, name) else f"{name}: {n}"
            for (name, i), n in lengths.items()
        )
        raise ValueError(
            f"Data cardinality is ambiguous: all arrays must have the same number of samples. "
            f"Received {described}."
        )
    count = values.pop() if values else 0
    if count == 0:
        raise ValueError("`fit`/`evaluate`/`predict` received empty arrays (0 samples).")
    return count


def _many(groups: tuple[tuple[str, list[Array] | None], ...], name: str) -> bool:
    return any(n == name and arrays is not None and len(arrays) > 1 for n, arrays in groups)


def check_finite(arrays: list[Array] | None, name: str) -> None:
    """Refuse NaN or infinite values before training (they would silently poison the weights)."""
    if arrays is None:
        return
    for i, array in enumerate(arrays):
        if np.issubdtype(array.dtype, np.floating) and not np.isfinite(array).all():
            bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
            where = f"{name}[{i}]" if len(arrays) > 1 else name
            raise ValueError(
                f"`{where}` contains {bad} non-finite value(s) (NaN or infinity); "
                "clean the data before training."
            )


def split_validation(
    arrays: list[list[Array] | None], validation_split: float
) -> tuple[list[list[Array] | None], list[list[Array] | None]]:
    """Keras's split: the LAST fraction is validation, taken before any shuffling."""
    check_validation_split(validation_split)
    count = next(len(group[0]) for group in arrays if group)
    split_at = math.floor(count * (1.0 - validation_split))
    if split_at == 0 or split_at == count:
        raise ValueError(
            f"Training data contains {count} samples, which is not sufficient to split it into "
            f"a validation and training set as specified by `validation_split={validation_split}`."
            " Either provide more data, or a different value for the `validation_split` argument."
        )
    train = [None if g is None else [a[:split_at] for a in g] for g in arrays]
    val = [None if g is None else [a[split_at:] for a in g] for g in arrays]
    return train, val


@dataclass(frozen=True)
class EpochShuffle:
    """Shuffle by epoch: ``fit(..., shuffle=EpochShuffle(seed))`` (an upsample extension).

    Keras's ``shuffle=True`` (and upsample's) draws each epoch's order from a
    generator whose state depends on everything drawn before, so a run resumed
    at epoch ``k`` sees other orders than a run that went through.  Here the
    order of epoch ``e`` is a function of ``(seed, e)`` and the number of
    samples alone (`epoch_order`): any engine, process or resumption that
    starts epoch ``e`` feeds the same batches.
    """

    seed: int

    def __post_init__(self) -> None:
        seed = self.seed
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"The `seed` must be a non-negative int. Received: seed={seed!r}")

    def order(self, epoch: int, count: int) -> NDArray[np.intp]:
        """The order of the `count` samples in `epoch`: `epoch_order` of this seed."""
        return epoch_order(self.seed, epoch, count)


def epoch_order(seed: int, epoch: int, count: int) -> NDArray[np.intp]:
    """A permutation of ``range(count)`` that depends on `seed`, `epoch` and `count` only.

    It sorts ``count`` raw 64-bit outputs of PCG64 seeded by
    ``SeedSequence([seed, epoch])`` (ties, which are practically impossible, keep
    index order).  NumPy promises that a bit generator's stream never changes
    across versions (NEP 19), which it does not promise for
    ``Generator.permutation``, so every machine computes the same order.
    """
    keys = np.random.PCG64(np.random.SeedSequence([seed, epoch])).random_raw(count)
    return np.argsort(keys, kind="stable")


def batch_slices(
    count: int, batch_size: int, order: Array | None = None
) -> Iterator[slice | Array]:
    """Batches of `batch_size` samples (the last one may be smaller), in `order` if given."""
    for start in range(0, count, batch_size):
        stop = min(start + batch_size, count)
        yield slice(start, stop) if order is None else order[start:stop]


@overload
def take(arrays: list[Array], index: slice | Array) -> list[Array]: ...


@overload
def take(arrays: list[Array] | None, index: slice | Array) -> list[Array] | None: ...


def take(arrays: list[Array] | None, index: slice | Array) -> list[Array] | None:
    """The samples at `index` of every array (None stays None)."""
    if arrays is None:
        return None
    return [a[index] for a in arrays]


def check_validation_split(validation_split: Any) -> None:
    if (
        isinstance(validation_split, bool)
        or not isinstance(validation_split, int | float | np.integer | np.floating)
        or not 0.0 < validation_split < 1.0
    ):
        raise ValueError(
            "`validation_split` must be a float between 0 and 1 (exclusive). "
            f"Received: validation_split={validation_split!r}"
        )


def check_batch_size(batch_size: Any, name: str = "batch_size") -> int:
    """`batch_size` as an int (None: Keras's default, 32)."""
    if batch_size is None:
        return 32
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, int | np.integer)
        or batch_size < 1
    ):
        raise ValueError(f"`{name}` must be a positive int. Received: {name}={batch_size!r}")
    return int(batch_size)
