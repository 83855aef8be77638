"""Checks of the numbers a curator types (counts, weights, settings), with a sentence each."""

from __future__ import annotations

import math

from .errors import CuratorError


def count(name: str, value: int) -> int:
    """A count of results: a whole number of at least 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise CuratorError(f"{name} must be a whole number of at least 1, not {value!r}.")
    return value


def number(name: str, value: float, *, low: float = 0.0, high: float = math.inf,
           low_open: bool = False) -> float:
    """A finite number in ``[low, high]`` (``(low, high]`` with ``low_open``)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise CuratorError(f"{name} must be a number, not {value!r}.") from None
    below = value <= low if low_open else value < low
    if not math.isfinite(value) or below or value > high:
        span = (f"above {low:g}" if low_open else f"at least {low:g}") + (
            f" and at most {high:g}" if math.isfinite(high) else "")
        raise CuratorError(f"{name} must be a finite number {span}, not {value!r}.")
    return value


def weights(name: str, values: dict[str, float] | None) -> dict[str, float] | None:
    """Weights: each a finite number of at least 0."""
    if values is None:
        return None
    return {k: number(f"{name} {k!r}", v) for k, v in values.items()}
