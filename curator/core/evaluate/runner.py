"""Evaluating weights fast enough for a slider: signal scores computed once, re-weighted often.

An :class:`Evaluation` fits the signals on the training events, scores every evaluation
user once per signal (on each signal's calibrated scale) and keeps those
matrices. :meth:`Evaluation.measure` then only adds weighted scores, selects the top k
(with MMR and the artist cap when asked) and computes the metrics.

Adding whole matrices (visitors x artworks) on each slider move would cost seconds on a
large catalog, so each visitor's *pool* is kept too: the best :data:`POOL_DEPTH`
candidates by each signal. With weights of at least 0, an artwork outside the pool scores
at most the weighted sum of the signals' thresholds (the lowest score that made each
signal's pool), so a ranking drawn from pooled artworks that all score above that bound is
exactly the ranking over the whole catalog; the rare visitor for whom it is not is ranked
over the whole catalog instead.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..recommend.explain import ItemInfo
from ..recommend.hybrid import HybridRecommender, Rules
from ..recommend.interactions import Interactions, WeightConfig
from ..recommend.signals import FitData, Signal
from .metrics import all_metrics

POOL_DEPTH = 1000  # per signal; MMR draws from the best 100, so the bound rarely falls short


@dataclass(frozen=True)
class Measured:
    metrics: dict[str, float]
    seconds: float


class Evaluation:
    """Cached per-signal scores for the evaluation users of one split.

    Build once (seconds), then call :meth:`measure` from any one thread at a time.
    """

    def __init__(self, interactions: Interactions, train_mask: np.ndarray, *,
                 signals: list[Signal], info: ItemInfo, vectors: np.ndarray | None,
                 config: WeightConfig | None = None, k: int = 10, max_users: int | None = None,
                 seed: int = 0):
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
        if max_users is not None and len(users) > max_users:
            users = np.sort(np.random.default_rng(seed).choice(users, max_users, replace=False))
        self.users = users
        self.relevant = relevant[users]
        start = time.perf_counter()
        self.candidates = self.recommender.candidates(users, Rules())
        self.raw = self.recommender.raw_scores(users)
        self.norm = self.recommender.normalise(self.raw, self.candidates)
        self.pool, self.pool_norm, self.thresholds, self.covered = signal_pools(
            self.norm, self.candidates, POOL_DEPTH)
        self._pooled = self.pool >= 0
        self._pool_items = np.where(self._pooled, self.pool, 0)
        self.score_seconds = time.perf_counter() - start
        self.item_users = np.asarray(self.data.binary.sum(axis=0)).ravel()
        self.n_train_users = int((np.diff(self.data.binary.indptr) > 0).sum())

    @property
    def signals(self) -> list[str]:
        return list(self.norm)

    def top_k(self, weights: dict[str, float], rules: Rules | None = None) -> np.ndarray:
        """Each evaluation user's top k (item indices, -1 where fewer), as ranked over the
        whole catalog, computed from the pools where they suffice."""
        rules = rules or Rules()
        k, rec = self.k, self.recommender
        valid = self._pooled
        total = rec.combine(self.pool_norm, weights, items=self._pool_items)
        total[~valid] = -np.inf
        bound = self._outside_bound(weights)
        # pooled artworks that surely beat every artwork outside the pool, best first
        sure = (total > bound[:, None]).sum(axis=1)
        recs = np.full((len(self.users), k), -1, dtype=np.int64)
        whole: list[int] = []  # rows to rank over the whole catalog
        rows = range(len(self.users))
        if rules.mmr_lambda >= 1.0 and rules.artist_cap is None and k < total.shape[1]:
            # all rows at once; a row with a tie at the k-th place goes the one-row way
            # below, which breaks ties as recommend() does (best_first)
            top = np.argpartition(-total, k - 1, axis=1)[:, :k]
            picked = np.take_along_axis(total, top, axis=1)
            cut = picked.min(axis=1)
            clean = ((total >= cut[:, None]).sum(axis=1) == k) & np.isfinite(cut)
            order = np.lexsort((top, -picked), axis=1)  # pooled items are in item order
            top = np.take_along_axis(top, order, axis=1)
            recs[clean] = np.take_along_axis(self.pool, top, axis=1)[clean]
            whole = np.flatnonzero(clean & (sure < k) & ~self.covered).tolist()
            rows = np.flatnonzero(~clean)
        for r in rows:
            ok = valid[r] & np.isfinite(total[r])
            chosen, looked = rec.select_among(self.pool[r][ok], total[r][ok], k, rules)
            if not self.covered[r] and (looked > sure[r] or len(chosen) < k):
                whole.append(r)
                continue
            recs[r, :len(chosen)] = chosen
        for r in whole:
            row = rec.combine({n: v[r] for n, v in self.norm.items()}, weights)
            chosen = rec._select(row, self.candidates[r], k, rules)
            recs[r] = -1
            recs[r, :len(chosen)] = chosen
        self.ranked_whole = len(whole)
        return recs

    def _outside_bound(self, weights: dict[str, float]) -> np.ndarray:
        """Per user, the most an artwork outside their pool can score (-inf when the pool
        holds every candidate), a hair above so that rounding never certifies too much."""
        bound = np.zeros(len(self.users))
        for name, w in self.recommender.item_weights(weights).items():
            if name in self.thresholds:
                bound += float(np.max(w)) * self.thresholds[name]
        bound = bound * (1 + 1e-5) + 1e-6
        bound[self.covered] = -np.inf
        return bound

    def measure(self, weights: dict[str, float], rules: Rules | None = None) -> Measured:
        start = time.perf_counter()
        recs = self.top_k(weights, rules)
        metrics = all_metrics(recs, self.relevant, n_items=self.interactions.n_items,
                              vectors=self.data.vectors, item_users=self.item_users,
                              n_users=self.n_train_users)
        return Measured(metrics, time.perf_counter() - start)

    def signal_distribution(self, name: str, sample: int = 20_000, seed: int = 0
                            ) -> np.ndarray:
        """A sample of one signal's normalised scores over candidates (for histograms)."""
        values = self.norm[name][self.candidates]
        if len(values) > sample:
            values = np.random.default_rng(seed).choice(values, sample, replace=False)
        return values


def signal_pools(norm: dict[str, np.ndarray], candidates: np.ndarray, depth: int
                 ) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray],
                            np.ndarray]:
    """Each user's best ``depth`` candidates by each signal, merged.

    Returns the pool (users x width item indices, -1 for padding), each signal's scores
    at those items, each signal's threshold per user (no candidate outside that signal's
    best ``depth`` scores above it) and whether the pool holds all of a user's candidates
    (at most ``depth`` of them; their thresholds are 0).
    """
    n_users, n_items = candidates.shape
    depth = max(1, min(depth, n_items))
    tops, thresholds = [], {}
    for name, values in norm.items():
        masked = np.where(candidates, values, -np.inf)
        top = np.argpartition(-masked, depth - 1, axis=1)[:, :depth] if depth < n_items \
            else np.broadcast_to(np.arange(n_items), (n_users, n_items))
        kept = np.take_along_axis(masked, top, axis=1)
        lowest = kept.min(axis=1).astype(np.float64)
        thresholds[name] = np.where(np.isfinite(lowest), lowest, 0.0)
        tops.append(np.where(np.isfinite(kept), top, -1))
    pool = np.sort(np.concatenate(tops, axis=1), axis=1)
    pool[:, 1:][pool[:, 1:] == pool[:, :-1]] = -1  # each artwork once
    items = np.where(pool >= 0, pool, 0)
    pooled = {name: np.take_along_axis(values, items, axis=1) for name, values in norm.items()}
    covered = candidates.sum(axis=1) <= depth
    return pool, pooled, thresholds, covered
