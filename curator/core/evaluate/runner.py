"""Evaluating weights fast enough for a slider: signal scores computed once, re-weighted often.

An :class:`Evaluation` fits the signals on the training events and scores the evaluation
users a batch at a time (within a memory budget, see :func:`..recommend.hybrid.batch_size`),
keeping for each user only a pool of candidates: every signal's best ``pool`` unseen
artworks, with each signal's calibrated score there. :meth:`Evaluation.measure` then only
adds weighted pools, selects the top k (with MMR and the artist cap when asked) and computes
the metrics. The memory it keeps grows with users x signals x pool, not with the catalog.

A list chosen from the pool is the list the whole catalog would give whenever its k-th score
is at least what any artwork outside the pool could score (each signal's weight times the
best score it left out): :attr:`Measured.exact` is the share of users for whom that holds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..recommend.explain import ItemInfo
from ..recommend.hybrid import BATCH_BYTES, HybridRecommender, Rules, batch_size
from ..recommend.interactions import Interactions, WeightConfig
from ..recommend.signals import FitData, Signal
from .metrics import all_metrics

POOL = 200            # per signal, the best candidates kept for each evaluated user
SAMPLE_VALUES = 20_000  # per signal, candidate scores kept for distributions


@dataclass(frozen=True)
class Measured:
    metrics: dict[str, float]
    seconds: float
    exact: float = 1.0  # share of users whose list is provably the whole catalog's


class Evaluation:
    """Pooled per-signal scores for the evaluation users of one split.

    Build once (seconds), then call :meth:`measure` from any one thread at a time.
    ``allowed`` (a flag per artwork) limits the candidates, e.g. to new artworks only.
    """

    def __init__(self, interactions: Interactions, train_mask: np.ndarray, *,
                 signals: list[Signal], info: ItemInfo, vectors: np.ndarray | None,
                 config: WeightConfig | None = None, k: int = 10, max_users: int | None = None,
                 seed: int = 0, allowed: np.ndarray | None = None, pool: int = POOL,
                 memory: int = BATCH_BYTES):
        start = time.perf_counter()
        self.k = k
        self.interactions = interactions
        train = interactions.subset(train_mask)
        test = interactions.subset(~train_mask)
        self.data = FitData(train, config or WeightConfig(), vectors)
        self.recommender = HybridRecommender.fit(signals, self.data, info)
        self.fit_seconds = time.perf_counter() - start
        relevant = test.matrix()
        users = np.flatnonzero(np.diff(relevant.indptr) > 0)
        rng = np.random.default_rng(seed)
        if max_users is not None and len(users) > max_users:
            users = np.sort(rng.choice(users, max_users, replace=False))
        self.users = users
        self.relevant = relevant[users]
        start = time.perf_counter()
        self._score(allowed, pool, memory, rng)
        self.score_seconds = time.perf_counter() - start
        self.item_users = np.asarray(self.data.binary.sum(axis=0)).ravel()
        self.n_train_users = int((np.diff(self.data.binary.indptr) > 0).sum())

    def _score(self, allowed, pool: int, memory: int, rng) -> None:
        rec = self.recommender
        names = list(rec.signals)
        n_items = rec.interactions.n_items
        pool = min(pool, n_items)
        self.pool_size = pool
        width = pool * len(names)
        n = len(self.users)
        self.pool = np.full((n, width), -1, dtype=np.int64)      # item index, -1: none
        self.norm = {name: np.zeros((n, width), dtype=np.float32) for name in names}
        self.left_out = {name: np.zeros(n, dtype=np.float32) for name in names}
        samples: dict[str, list[np.ndarray]] = {name: [] for name in names}
        size = batch_size(n_items, len(names), memory)
        for start in range(0, n, size):
            rows = slice(start, min(start + size, n))
            users = self.users[rows]
            cand = rec.candidates(users, Rules())
            if allowed is not None:
                cand &= allowed[None, :]
            norm = rec.normalise(rec.raw_scores(users), cand)
            picks = []
            for name in names:
                values = np.where(cand, norm[name], -np.inf)
                top = np.argpartition(-values, pool - 1, axis=1)[:, :pool]
                picks.append(top)
                if pool < n_items:  # the best score this signal leaves out of the pool
                    rest = np.partition(-values, pool, axis=1)[:, pool]
                    self.left_out[name][rows] = np.maximum(-rest, 0.0)
                cells = rng.integers(0, values.size, size=min(values.size,
                                                              4 * SAMPLE_VALUES * len(users)
                                                              // max(n, 1) + 1))
                cells = cells[cand.ravel()[cells]]
                samples[name].append(norm[name].ravel()[cells])
            items = np.sort(np.concatenate(picks, axis=1), axis=1)
            items[:, 1:][items[:, 1:] == items[:, :-1]] = -1           # once per user
            items[~np.take_along_axis(cand, np.maximum(items, 0), axis=1)] = -1
            self.pool[rows] = items
            at = np.maximum(items, 0)
            for name in names:
                self.norm[name][rows] = np.take_along_axis(norm[name], at, axis=1)
        self._samples = {name: np.concatenate(v) if v else np.zeros(0, np.float32)
                         for name, v in samples.items()}

    @property
    def signals(self) -> list[str]:
        return list(self.norm)

    def _totals(self, weights: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """Each pooled candidate's score (-inf where none) and, per user, the most an
        artwork outside the pool could score."""
        per_item = self.recommender.item_weights(weights)
        at = np.maximum(self.pool, 0)
        total = np.zeros(self.pool.shape, dtype=np.float32)
        bound = np.zeros(len(self.users), dtype=np.float32)
        for name, values in self.norm.items():
            w = per_item.get(name, 0.0)
            if np.isscalar(w):
                if not w:
                    continue
                total += values * np.float32(w)
                bound += self.left_out[name] * np.float32(max(w, 0.0))
            else:
                total += values * w[at]
                bound += self.left_out[name] * np.float32(max(float(w.max()), 0.0))
        total[self.pool < 0] = -np.inf
        return total, bound

    def top_k(self, weights: dict[str, float], rules: Rules | None = None) -> np.ndarray:
        return self._top_k(weights, rules)[0]

    def _top_k(self, weights, rules=None) -> tuple[np.ndarray, np.ndarray]:
        rules = rules or Rules()
        total, bound = self._totals(weights)
        k = self.k
        recs = np.full((len(self.users), k), -1, dtype=np.int64)
        kth = np.full(len(self.users), -np.inf, dtype=np.float32)
        if rules.mmr_lambda >= 1.0 and rules.artist_cap is None and total.shape[1] >= k:
            top = np.argpartition(-total, k - 1, axis=1)[:, :k]
            order = np.argsort(-np.take_along_axis(total, top, axis=1), axis=1, kind="stable")
            at = np.take_along_axis(top, order, axis=1)
            picked = np.take_along_axis(total, at, axis=1)
            recs = np.where(np.isfinite(picked), np.take_along_axis(self.pool, at, axis=1), -1)
            kth = picked[:, -1]
        else:
            # re-ranking draws from the best max(10k, 100): exact when those are
            drawn = k if rules.mmr_lambda >= 1.0 and rules.artist_cap is None \
                else max(10 * k, 100)
            for r in range(len(self.users)):
                ok = np.flatnonzero(self.pool[r] >= 0)
                chosen = self.recommender.select(self.pool[r, ok], total[r, ok], k, rules)
                recs[r, :len(chosen)] = chosen
                if len(ok) >= drawn:
                    kth[r] = np.partition(total[r, ok], len(ok) - drawn)[len(ok) - drawn]
        # a short list is exact when nothing was left out (the pool held every candidate)
        exact = (kth >= bound) | (bound <= 0) & ~np.isfinite(kth)
        return recs, exact

    def measure(self, weights: dict[str, float], rules: Rules | None = None) -> Measured:
        start = time.perf_counter()
        recs, exact = self._top_k(weights, rules)
        metrics = all_metrics(recs, self.relevant, n_items=self.interactions.n_items,
                              vectors=self.data.vectors, item_users=self.item_users,
                              n_users=self.n_train_users)
        return Measured(metrics, time.perf_counter() - start,
                        float(exact.mean()) if len(exact) else 1.0)

    def signal_distribution(self, name: str, sample: int = 20_000, seed: int = 0
                            ) -> np.ndarray:
        """A sample of one signal's normalised scores over candidates (for histograms)."""
        values = self._samples[name]
        if len(values) > sample:
            values = np.random.default_rng(seed).choice(values, sample, replace=False)
        return values
