"""Evaluating weights fast enough for a slider: signal scores computed once, re-weighted often.

An :class:`Evaluation` fits the signals on the training events, scores every evaluation
user once per signal (on each signal's calibrated scale) and keeps those
matrices. :meth:`Evaluation.measure` then only adds weighted matrices, selects the top k
(with MMR and the artist cap when asked) and computes the metrics.
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
        self.score_seconds = time.perf_counter() - start
        self.item_users = np.asarray(self.data.binary.sum(axis=0)).ravel()
        self.n_train_users = int((np.diff(self.data.binary.indptr) > 0).sum())

    @property
    def signals(self) -> list[str]:
        return list(self.norm)

    def top_k(self, weights: dict[str, float], rules: Rules | None = None) -> np.ndarray:
        rules = rules or Rules()
        total = self.recommender.combine(self.norm, weights)
        total[~self.candidates] = -np.inf
        k = self.k
        if rules.mmr_lambda >= 1.0 and rules.artist_cap is None:
            top = np.argpartition(-total, k - 1, axis=1)[:, :k]
            order = np.argsort(-np.take_along_axis(total, top, axis=1), axis=1, kind="stable")
            recs = np.take_along_axis(top, order, axis=1)
            picked = np.take_along_axis(total, recs, axis=1)
            recs[~np.isfinite(picked)] = -1
            return recs
        recs = np.full((len(self.users), k), -1, dtype=np.int64)
        for r in range(len(self.users)):
            chosen = self.recommender._select(total[r], self.candidates[r], k, rules)
            recs[r, :len(chosen)] = chosen
        return recs

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
