"""Choosing a profile's signal weights, MMR lambda and half-life from the histories.

The events are split into training and test (per visitor: a random quarter, or the last
fifth in time); a validation split is then carved from the *training* events only, the
same way. Every half-life is tried on the validation split with a grid of signal weights
and MMR lambdas; the winner is measured once on the test events, which played no part in
choosing it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np

from ..progress import CancelToken, ProgressFn, check, report
from ..recommend.explain import ItemInfo
from ..recommend.hybrid import Rules
from ..recommend.interactions import DEFAULT_KIND_WEIGHTS, Interactions, WeightConfig
from ..recommend.profiles import Profile
from .runner import Evaluation
from .splits import stratified_split, temporal_split

HALF_LIVES: tuple[float | None, ...] = (None, 30.0, 90.0, 180.0, 730.0)
CONTENT = (0.0, 0.1, 0.3, 0.6, 1.0)
POPULARITY = (0.0, 0.05, 0.15, 0.4)
MMR_LAMBDAS = (1.0, 0.9, 0.8)
# MMR is kept when it costs at most this share of the validation nDCG (0: only when it is
# at least as accurate; a more varied list that is as good is the better one to show).
MMR_TOLERANCE = 0.0
# A new catalog's default profile is fitted once it has this much history.
MIN_EVENTS, MIN_VISITORS = 1000, 30


@dataclass(frozen=True)
class FitReport:
    """What fitting chose and how well it did."""

    profile: Profile
    split: str
    validation: dict[str, float]   # metrics of the chosen settings on the validation split
    test: dict[str, float]         # the same settings, trained on all training events
    baseline_test: dict[str, float]  # the profile it started from, on the same test events
    tried: int
    events: int

    def summary(self) -> str:
        p = self.profile
        return (f"Fitted on {self.events:,} events ({self.split} split, {self.tried} settings "
                f"tried): weights {p.weights}, MMR lambda {p.mmr_lambda}, half-life "
                f"{p.half_life_days} days.\nnDCG@10 validation {self.validation['ndcg']:.4f}, "
                f"test {self.test['ndcg']:.4f} (before fitting {self.baseline_test['ndcg']:.4f})"
                f"; recall@10 test {self.test['recall']:.4f}.")


def split_mask(data: Interactions, split: str, seed: int) -> np.ndarray:
    if split == "stratified":
        return stratified_split(data, 0.75, seed=seed)
    if split == "temporal":
        return temporal_split(data, fraction=0.2)
    raise ValueError(f"unknown split {split!r}; use stratified or temporal")


def fit_profile(interactions: Interactions, info: ItemInfo, vectors: np.ndarray | None,
                base: Profile, *, split: str = "stratified", signals_factory=None,
                max_users: int | None = 600, progress: ProgressFn | None = None,
                cancel: CancelToken | None = None) -> FitReport:
    """Fit ``base``'s weights, MMR lambda and half-life; keeps its name, cap and kinds.

    Any thread may call it (it reads only its arguments); slow on large catalogs
    (one evaluation per half-life), so it reports progress and can be cancelled.
    """
    from ..recommend.build import default_signals

    factory = signals_factory or default_signals
    kinds = {**DEFAULT_KIND_WEIGHTS, **(base.kind_weights or {})}
    train = split_mask(interactions, split, seed=42)
    inner = interactions.subset(train)
    inner_train = split_mask(inner, split, seed=7)
    best = None
    tried = 0
    half_lives = list(dict.fromkeys([base.half_life_days, *HALF_LIVES]))
    for step, half_life in enumerate(half_lives):
        report(progress, step, len(half_lives) + 1, f"Trying a half-life of {half_life} days")
        check(cancel)
        val = Evaluation(inner, inner_train, signals=factory(), info=info, vectors=vectors,
                         config=WeightConfig(kind_weights=kinds, half_life_days=half_life),
                         max_users=max_users)
        grid = [{"item": 1.0, "content": c, "popularity": p}
                for c, p in itertools.product(CONTENT, POPULARITY)]
        grid.append({"item": 0.0, "content": 1.0, "popularity": 0.0})
        if step == 0:  # the settings in use compete too, first, so they win ties
            grid.insert(0, {n: base.weights.get(n, 0.0) for n in ("item", "content",
                                                                   "popularity")})
        for weights in grid:
            tried += 1
            m = val.measure(weights).metrics
            if best is None or m["ndcg"] > best[0]["ndcg"] + 1e-9:
                best = (m, weights, half_life, val)
    check(cancel)
    # MMR for the best weights: the most varied list within tolerance of the plain one
    validation, weights, half_life, val = best
    lam = 1.0
    for candidate in MMR_LAMBDAS[1:]:
        tried += 1
        m = val.measure(weights, Rules(mmr_lambda=candidate)).metrics
        if m["ndcg"] >= (1 - MMR_TOLERANCE) * best[0]["ndcg"]:
            validation, lam = m, candidate
    del val, best
    report(progress, len(half_lives), len(half_lives) + 1, "Measuring on the test events")
    fitted = replace(base, weights={**base.weights, **weights}, mmr_lambda=lam,
                     half_life_days=half_life)
    test = Evaluation(interactions, train, signals=factory(), info=info, vectors=vectors,
                      config=fitted.weight_config(), max_users=max_users)
    test_m = test.measure(fitted.weights, Rules(mmr_lambda=lam,
                                                artist_cap=base.artist_cap)).metrics
    if base.half_life_days != half_life:
        test = Evaluation(interactions, train, signals=factory(), info=info, vectors=vectors,
                          config=base.weight_config(), max_users=max_users)
    base_m = test.measure(base.weights, Rules(mmr_lambda=base.mmr_lambda,
                                              artist_cap=base.artist_cap)).metrics
    report(progress, len(half_lives) + 1, len(half_lives) + 1, "Fitted")
    fitted = replace(fitted, fitted={
        "split": split, "events": len(interactions.users),
        "validation_ndcg": round(validation["ndcg"], 4), "test_ndcg": round(test_m["ndcg"], 4),
        "at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M")})
    return FitReport(fitted, split, validation, test_m, base_m, tried, len(interactions.users))


def enough_history(interactions: Interactions) -> bool:
    """Whether there is enough history to fit a default profile from it."""
    visitors = np.unique(interactions.users)
    return len(interactions.users) >= MIN_EVENTS and len(visitors) >= MIN_VISITORS
