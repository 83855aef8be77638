"""Histories as matrices: who did what to which artwork, how much it counts, and when.

Each event's weight is its kind's weight (a purchase or favourite counts more than a view;
a rating counts by its value) times a time decay with a configurable half-life, measured
back from the newest event in the data (so an old data set does not fade to nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ..store import Store

DEFAULT_KIND_WEIGHTS = {"view": 1.0, "click": 1.0, "like": 2.0, "share": 2.0,
                        "favourite": 3.0, "rating": 1.0, "purchase": 5.0}
SECONDS_PER_DAY = 86_400.0
# Last month outweighs last year: a visitor whose taste moved on is shown the new taste.
DEFAULT_HALF_LIFE_DAYS = 90.0


@dataclass(frozen=True)
class WeightConfig:
    """How events become interaction strengths."""

    kind_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_KIND_WEIGHTS))
    half_life_days: float | None = DEFAULT_HALF_LIFE_DAYS
    # A rating's weight is kind weight x value / rating_scale (5 stars -> x1 at 5 stars).
    rating_scale: float = 5.0

    def to_json(self) -> dict:
        return {"kind_weights": self.kind_weights, "half_life_days": self.half_life_days,
                "rating_scale": self.rating_scale}


@dataclass
class Interactions:
    """Events with users and artworks numbered 0..n-1.

    ``user_ids``/``item_ids`` give the external id of each index; items cover the whole
    catalog (also artworks nobody has touched), so content can recommend them.
    """

    user_ids: np.ndarray
    item_ids: np.ndarray
    users: np.ndarray      # event -> user index
    items: np.ndarray      # event -> item index
    kinds: np.ndarray      # event -> kind (str)
    values: np.ndarray     # event -> value (nan when none)
    ts: np.ndarray         # event -> epoch seconds (float64)

    def __post_init__(self) -> None:
        self._user_pos = {u: i for i, u in enumerate(self.user_ids)}
        self._item_pos = {a: i for i, a in enumerate(self.item_ids)}

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def user_index(self, user_id: str) -> int | None:
        return self._user_pos.get(user_id)

    def item_index(self, item_id: str) -> int | None:
        return self._item_pos.get(item_id)

    @classmethod
    def from_store(cls, store: Store) -> Interactions:
        cur = store.cursor()
        try:
            items = cur.sql("SELECT id FROM artworks ORDER BY id").to_arrow_table()
            users = cur.sql("SELECT id FROM users ORDER BY id").to_arrow_table()
            ev = cur.sql(
                "SELECT u.pos AS u, a.pos AS i, e.kind, e.value, epoch(e.ts) AS t FROM events e "
                "JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS pos FROM users) u "
                "  ON u.id = e.user_id "
                "JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS pos FROM artworks) a "
                "  ON a.id = e.artwork_id").to_arrow_table()
        finally:
            cur.close()
        return cls(
            user_ids=np.asarray(users.column("id").to_pylist(), dtype=object),
            item_ids=np.asarray(items.column("id").to_pylist(), dtype=object),
            users=ev.column("u").to_numpy().astype(np.int64),
            items=ev.column("i").to_numpy().astype(np.int64),
            kinds=np.asarray(ev.column("kind").to_pylist(), dtype=object),
            values=ev.column("value").to_numpy(zero_copy_only=False).astype(np.float64),
            ts=ev.column("t").to_numpy(zero_copy_only=False).astype(np.float64),
        )

    def subset(self, mask: np.ndarray) -> Interactions:
        """The same users and items with only the events where ``mask`` is true."""
        return Interactions(self.user_ids, self.item_ids, self.users[mask], self.items[mask],
                            self.kinds[mask], self.values[mask], self.ts[mask])

    def event_weights(self, config: WeightConfig, now: float | None = None) -> np.ndarray:
        """Each event's strength: kind weight (rating by value) x time decay."""
        kinds = self.kinds
        weights = np.ones(len(kinds), dtype=np.float64)
        for kind, w in config.kind_weights.items():
            weights[kinds == kind] = w
        rated = (kinds == "rating") & np.isfinite(self.values)
        weights[rated] *= self.values[rated] / config.rating_scale
        if config.half_life_days and len(self.ts):
            reference = self.ts.max() if now is None else now
            age_days = np.maximum(0.0, reference - self.ts) / SECONDS_PER_DAY
            weights *= np.power(0.5, age_days / config.half_life_days)
        return weights

    def matrix(self, weights: np.ndarray | None = None, dtype=np.float32) -> sp.csr_matrix:
        """Users x items; repeated events add up. Binary (1 per pair) when no weights."""
        if weights is None:
            m = sp.csr_matrix((np.ones(len(self.users), dtype=np.float32),
                               (self.users, self.items)), shape=(self.n_users, self.n_items))
            m.sum_duplicates()
            m.data[:] = 1.0
            return m
        m = sp.csr_matrix((weights.astype(dtype), (self.users, self.items)),
                          shape=(self.n_users, self.n_items))
        m.sum_duplicates()
        return m
