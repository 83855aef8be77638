"""Ways to hold out part of each history for testing. Each returns a boolean train mask
over the events of an :class:`~curator.core.recommend.interactions.Interactions`."""

from __future__ import annotations

import numpy as np

from ..recommend.interactions import Interactions


def _rank_within_user(users: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each event's 0-based rank within its user by ``key``, and its user's event count."""
    order = np.lexsort((key, users))
    sorted_users = users[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_users)) + 1]
    counts_sorted = np.diff(np.r_[starts, len(users)])
    rank_sorted = np.arange(len(users)) - np.repeat(starts, counts_sorted)
    rank = np.empty(len(users), dtype=np.int64)
    rank[order] = rank_sorted
    count = np.empty(len(users), dtype=np.int64)
    count[order] = np.repeat(counts_sorted, counts_sorted)
    return rank, count


def stratified_split(data: Interactions, ratio: float = 0.75, seed: int = 42) -> np.ndarray:
    """Per user, a random ``ratio`` of their events for training (rounded), the rest for test."""
    rng = np.random.default_rng(seed)
    rank, count = _rank_within_user(data.users, rng.random(len(data.users)))
    return rank < np.round(ratio * count)


def temporal_split(data: Interactions, *, last_n: int | None = None,
                   fraction: float | None = None) -> np.ndarray:
    """Per user, the last ``last_n`` events (or last ``fraction``) are held out."""
    if (last_n is None) == (fraction is None):
        raise ValueError("give exactly one of last_n and fraction")
    rank, count = _rank_within_user(data.users, data.ts)
    held = np.full(len(count), last_n) if last_n is not None else np.round(fraction * count)
    held = np.minimum(held, count - 1)  # every user keeps at least one event to learn from
    return rank < count - held


def time_cut_split(data: Interactions, cut: float) -> np.ndarray:
    """Events before the epoch-seconds ``cut`` train; the rest test."""
    return data.ts < cut
