"""The hybrid recommender: weighted calibrated signals, re-ranking rules, explanations.

``score = sum over signals of weight x normalised signal``. Each signal is divided by one
fixed scale of its own, fitted once from its score distribution (the typical best score it
gives a visitor, see :func:`calibrate`), and negative values count as nothing. A visitor
for whom a signal is weak therefore gets a weak contribution from it: the scale does not
stretch each visitor's scores to 0..1, so a signal cannot outvote a stronger one just by
being normalised. Every recommended artwork carries each signal's raw value, normalised
value, weight and contribution; the contributions add up to the score.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..caches import Recent
from .explain import Clause, ItemInfo, clauses, sentence
from .explain import shares as signal_shares
from .signals import Because, FitData, Signal


@dataclass(frozen=True)
class Part:
    raw: float
    normalised: float
    weight: float
    contribution: float


@dataclass(frozen=True)
class Recommendation:
    item_id: str
    score: float
    parts: dict[str, Part]
    reasons: dict[str, list[Because]]
    explanation: str
    clauses: tuple[Clause, ...] = ()

    def breakdown(self) -> dict[str, float]:
        return {name: part.contribution for name, part in self.parts.items()}

    def shares(self) -> dict[str, float]:
        """Each signal's share of the score (they add up to 1 when the score is positive)."""
        return signal_shares(self.parts)


@dataclass(frozen=True)
class Rules:
    """Re-ranking and filtering: MMR diversity, an artist cap, exclusions."""

    mmr_lambda: float = 1.0          # 1 = pure relevance
    artist_cap: int | None = None    # at most this many works per artist
    exclude_seen: bool = True
    exclude_unavailable: bool = True
    exclude: frozenset[str] = field(default_factory=frozenset)


CALIBRATION_USERS = 48
VISITORS_KEPT = 8  # one visitor's raw scores are kept for the last few visitors asked for
# Memory a batch of visitors may take while scored together (``recommend --all``).
BATCH_BYTES = 1 << 30
BATCH_MAX = 1024


def batch_size(n_items: int, n_signals: int, memory: int = BATCH_BYTES) -> int:
    """Visitors scored at once within ``memory`` bytes: each takes a raw and a normalised
    float32 row per signal, 24 bytes of scratch (the total, or a selection's int64
    positions and scores) and a candidate flag per artwork."""
    per_user = max(1, n_items) * (4 * 2 * n_signals + 24 + 1)
    return int(min(BATCH_MAX, max(1, memory // per_user)))


def normalise(raw: np.ndarray, scale: float) -> np.ndarray:
    """``max(raw, 0) / scale``: one fixed scale per signal, so strength survives."""
    out = np.maximum(np.asarray(raw, dtype=np.float32), np.float32(0.0))
    out *= np.float32(1.0 / scale) if scale > 0 else np.float32(0.0)
    return out


def typical_best(raw: np.ndarray, candidates: np.ndarray) -> float:
    """The median over rows of each row's best candidate score (0 when none is positive)."""
    best = np.where(candidates, raw, -np.inf).max(axis=1)
    best = best[np.isfinite(best) & (best > 0)]
    return float(np.median(best)) if len(best) else 0.0


OTHER_CANDIDATES = 200  # each other signal's best artworks content scores exactly


def best_columns(values: np.ndarray, count: int) -> np.ndarray:
    """Each row's ``count`` highest columns (in no order)."""
    count = min(count, values.shape[1])
    if count == 0:
        return np.zeros((len(values), 0), dtype=np.int64)
    return np.argpartition(-values, count - 1, axis=1)[:, :count]


TRANSFER_TOP = 50
ITEM_WEIGHTS_KEPT = 8  # per-artwork weight sets a recommender keeps (one per weights in use)


def calibrate(recommender: HybridRecommender, users: int = CALIBRATION_USERS, seed: int = 0
              ) -> tuple[dict[str, float], float]:
    """Each signal's scale, and how far content stands in for item CF.

    Scored once over a fixed sample of visitors with a history. Scale: a signal whose
    typical visitor's best unseen artwork scores ``s`` is divided by ``s``, so weights
    compare signals at their usual strength while a visitor for whom a signal is unusually
    weak (or strong) keeps that difference. Transfer: among each sampled visitor's best
    content matches that item CF knows, the item-CF score they get per unit of content
    score (0..1). A new artwork's content earns item CF's weight times this: where close in
    content means liked by the same visitors (a collection), a new work competes fully;
    where it does not (film titles), new items do not flood the lists.
    """
    active = np.flatnonzero(np.diff(recommender.data.binary.indptr) > 0)
    if len(active) > users:
        active = np.sort(np.random.default_rng(seed).choice(active, users, replace=False))
    if len(active) == 0:  # no histories yet: nothing to calibrate against
        return {name: 1.0 for name in recommender.signals}, 0.0
    cand = recommender.candidates(active, Rules(exclude_unavailable=False))
    raw = recommender.raw_scores(active)
    scales = {name: typical_best(values, cand) or 1.0 for name, values in raw.items()}
    known = getattr(recommender.signals.get("item"), "known", None)
    if known is None or "content" not in raw or recommender.data.vectors is None:
        return scales, 0.0
    x = np.where(cand & known[None, :], normalise(raw["content"], scales["content"]), -1.0)
    top = np.argpartition(-x, min(TRANSFER_TOP, x.shape[1] - 1), axis=1)[:, :TRANSFER_TOP]
    xs = np.take_along_axis(x, top, axis=1)
    ys = np.take_along_axis(normalise(raw["item"], scales["item"]), top, axis=1)
    ok = xs > 0
    transfer = float(ys[ok].sum() / xs[ok].sum()) if ok.any() else 0.0
    return scales, min(max(transfer, 0.0), 1.0)


def mmr_select(candidates: np.ndarray, relevance: np.ndarray, vectors: np.ndarray | None,
               k: int, lam: float, artist_of: np.ndarray | None = None,
               cap: int | None = None) -> np.ndarray:
    """Greedy maximal marginal relevance with an optional per-artist cap.

    ``candidates`` are item indices, ``relevance`` their scores; returns the chosen
    indices in order. With ``lam == 1`` and no cap this is the plain top-k.
    """
    if len(candidates) == 0:
        return candidates
    rel = relevance.astype(np.float64)
    span = rel.max() - rel.min()
    rel = (rel - rel.min()) / span if span > 0 else np.ones_like(rel)
    use_div = lam < 1.0 and vectors is not None
    cand_vecs = vectors[candidates] if use_div else None
    max_sim = np.zeros(len(candidates))
    open_ = np.ones(len(candidates), dtype=bool)
    counts: dict[int, int] = {}
    chosen: list[int] = []
    for _ in range(min(k, len(candidates))):
        value = lam * rel - (1.0 - lam) * max_sim if use_div else rel.copy()
        value[~open_] = -np.inf
        j = int(np.argmax(value))
        if not np.isfinite(value[j]):
            break
        chosen.append(j)
        open_[j] = False
        if cap is not None and artist_of is not None:
            artist = int(artist_of[candidates[j]])
            if artist >= 0:
                counts[artist] = counts.get(artist, 0) + 1
                if counts[artist] >= cap:
                    open_ &= artist_of[candidates] != artist
        if use_div:
            np.maximum(max_sim, cand_vecs @ cand_vecs[j], out=max_sim)
    return candidates[np.asarray(chosen, dtype=np.int64)]


class HybridRecommender:
    """Fitted signals plus the artwork facts needed for rules and explanations.

    Build with :meth:`fit`; afterwards it is read-only and any thread may use it.
    """

    def __init__(self, signals: list[Signal], data: FitData, info: ItemInfo,
                 scales: dict[str, float] | None = None, transfer: float = 0.0):
        self.signals = {s.name: s for s in signals}
        self.data = data
        self.info = info
        self.interactions = data.interactions
        self._item_weights = Recent(ITEM_WEIGHTS_KEPT)  # by weights
        self._kept = Recent(VISITORS_KEPT)  # each visitor's raw scores, by visitor
        if scales is None:
            self.scales, self.transfer = calibrate(self)
        else:
            self.scales, self.transfer = scales, transfer

    @classmethod
    def fit(cls, signals: list[Signal], data: FitData, info: ItemInfo) -> HybridRecommender:
        for s in signals:
            s.fit(data)
        return cls(signals, data, info)

    def item_weights(self, weights: dict[str, float]) -> dict[str, np.ndarray | float]:
        """Each signal's weight, per artwork where it differs between artworks.

        Content carries the score where item CF has no data: an artwork nobody has
        interacted with yet gets the item-CF weight (times the content-to-item-CF transfer,
        see :func:`calibrate`) added to its content weight and none for item CF, so a new
        work that matches a visitor's taste competes with works others engaged with.
        Kept for the last few sets of weights (two arrays over the catalog each).
        """
        key = tuple(sorted((n, float(w)) for n, w in weights.items()))
        return dict(self._item_weights.get(key, lambda: self._item_weights_for(weights)))

    def _item_weights_for(self, weights: dict[str, float]) -> dict[str, np.ndarray | float]:
        out: dict[str, np.ndarray | float] = {n: float(w) for n, w in weights.items()}
        item = self.signals.get("item")
        w_item = float(weights.get("item", 0.0))
        if item is None or "content" not in self.signals or not w_item \
                or self.data.vectors is None:
            return out
        known = getattr(item, "known", None)
        if known is None:
            return out
        out["item"] = np.where(known, w_item, 0.0).astype(np.float32)
        out["content"] = np.where(known, 0.0, w_item * self.transfer).astype(np.float32) \
            + np.float32(weights.get("content", 0.0))
        for values in out.values():
            if isinstance(values, np.ndarray):
                values.flags.writeable = False  # shared by every call with these weights
        return out

    def combine(self, norm: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
        """The score: the weighted sum of the normalised signals (see :meth:`item_weights`)."""
        per_item = self.item_weights(weights)
        total = None
        for name, values in norm.items():
            w = per_item.get(name, 0.0)
            if np.isscalar(w) and not w:
                continue
            part = values * (np.float32(w) if np.isscalar(w) else w)
            total = part if total is None else total + part
        if total is None:
            total = np.zeros(next(iter(norm.values())).shape, dtype=np.float32)
        return total.astype(np.float32, copy=False)

    def normalise(self, raw: dict[str, np.ndarray], candidates: np.ndarray
                  ) -> dict[str, np.ndarray]:
        """Each signal on its calibrated scale; a brief (one query, not a signal fitted on
        histories) by its best match among the candidates."""
        out = {}
        for name, values in raw.items():
            scale = self.scales.get(name)
            if scale is None:
                scale = typical_best(values, candidates)
            out[name] = normalise(values, scale)
        return out

    # -- scoring ------------------------------------------------------------------------
    def candidates(self, users: np.ndarray, rules: Rules) -> np.ndarray:
        mask = np.ones((len(users), self.interactions.n_items), dtype=bool)
        if rules.exclude_seen and len(users):
            seen = self.data.binary[users]
            rows = np.repeat(np.arange(len(users)), np.diff(seen.indptr))
            mask[rows, seen.indices] = False
        if rules.exclude_unavailable:
            mask &= self.info.available[None, :]
        for item_id in rules.exclude:
            pos = self.interactions.item_index(item_id)
            if pos is not None:
                mask[:, pos] = False
        return mask

    def raw_scores(self, users: np.ndarray, names: list[str] | None = None
                   ) -> dict[str, np.ndarray]:
        """Each signal's scores for ``users`` (fresh arrays, the caller's to change). One
        visitor's are kept for the next request for them (a slider move, a second profile
        over the same histories): only the weights change between those."""
        if len(users) != 1 or names is not None:
            return self._fresh_scores(users, names)
        kept = self._kept.get(int(users[0]), lambda: self._fresh_scores(users))
        return {n: v.copy() for n, v in kept.items()}

    def _fresh_scores(self, users: np.ndarray, names: list[str] | None = None
                      ) -> dict[str, np.ndarray]:
        """Each signal's scores for ``users``. Where content scores candidates only (a large
        catalog, see :class:`~.signals.ContentSignal`), the other signals' best
        ``OTHER_CANDIDATES`` artworks are among them, so a list's content parts are exact."""
        wanted = [n for n in self.signals if names is None or n in names]
        content = self.signals.get("content")
        by_candidates = "content" in wanted and getattr(content, "neighbours", None) is not None
        raw = {n: self.signals[n].score(users) for n in wanted
               if not (by_candidates and n == "content")}
        if by_candidates:
            also = [best_columns(values, OTHER_CANDIDATES) for values in raw.values()]
            raw["content"] = content.score(users, np.concatenate(also, axis=1) if also
                                           else None)
        return {n: raw[n] for n in wanted}

    def recommend(self, user_ids: list[str], k: int = 10, *, weights: dict[str, float],
                  rules: Rules | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Batch top-k: ``(ids, scores)``, each ``(len(user_ids), k)`` (padded with ''/nan)."""
        rules = rules or Rules()
        users = np.asarray([self._user(u) for u in user_ids], dtype=np.int64)
        known = users >= 0
        ids = np.full((len(users), k), "", dtype=object)
        scores = np.full((len(users), k), np.nan, dtype=np.float32)
        if not len(users):
            return ids, scores
        idx = np.where(known, users, 0)
        cand = self.candidates(idx, rules)
        cand[~known] &= True
        total = self._total(idx, cand, weights, cold=~known)
        for r in range(len(users)):
            chosen = self._select(total[r], cand[r], k, rules)
            ids[r, :len(chosen)] = self.interactions.item_ids[chosen]
            scores[r, :len(chosen)] = total[r, chosen]
        return ids, scores

    def top_parts(self, users: np.ndarray, k: int, *, weights: dict[str, float],
                  rules: Rules | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Batch top-k for known user indices with each signal's part of every score.

        Returns the chosen item indices ``(len(users), k)`` (-1 pads a short list) and, per
        signal, ``(raw, normalised, weight, contribution)`` at those places, each an array
        of the same shape: what :class:`Recommendation` carries, without explanations.
        Memory: a few ``len(users) x n_items`` arrays (see :func:`batch_size`).
        """
        rules = rules or Rules()
        cand = self.candidates(users, rules)
        raw, norm = self._normalised(users, cand)
        total = self.combine(norm, weights)
        chosen = np.full((len(users), k), -1, dtype=np.int64)
        for r in range(len(users)):
            picked = self._select(total[r], cand[r], k, rules)
            chosen[r, :len(picked)] = picked
        del cand, total
        at = np.maximum(chosen, 0)
        per_item = self.item_weights(weights)
        parts = {}
        for name in norm:
            w = per_item.get(name, 0.0)
            w = np.full(at.shape, w, dtype=np.float32) if np.isscalar(w) else w[at]
            n = np.take_along_axis(norm[name], at, axis=1)
            parts[name] = (np.take_along_axis(raw[name], at, axis=1), n, w, w * n)
        return chosen, parts

    def _user(self, user_id: str) -> int:
        pos = self.interactions.user_index(user_id)
        return -1 if pos is None else pos

    def _normalised(self, users: np.ndarray, cand: np.ndarray, cold: np.ndarray | None = None,
                    extra: dict[str, np.ndarray] | None = None
                    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        raw = self.raw_scores(users)
        if cold is not None and cold.any():
            for name in raw:
                if name != "popularity":
                    raw[name][cold] = 0.0
        if extra:
            raw.update(extra)
        return raw, self.normalise(raw, cand)

    def _total(self, users, cand, weights, cold=None, extra=None) -> np.ndarray:
        _, norm = self._normalised(users, cand, cold, extra)
        return self.combine(norm, weights)

    def _select(self, total: np.ndarray, cand: np.ndarray, k: int, rules: Rules) -> np.ndarray:
        options = np.flatnonzero(cand)
        return self.select(options, total[options], k, rules)

    def select(self, options: np.ndarray, scores: np.ndarray, k: int, rules: Rules
               ) -> np.ndarray:
        """The ``k`` item indices shown from ``options`` (item indices, with their
        ``scores``), best first, after MMR diversity and the artist cap."""
        if len(options) == 0:
            return options
        plain = rules.mmr_lambda >= 1.0 and rules.artist_cap is None
        pool = k if plain else max(10 * k, 100)
        while True:
            # re-ranking draws from the best ``pool``; widen it until the rules fill k places
            pool = min(pool, len(options))
            at = np.argpartition(-scores, pool - 1)[:pool]
            at = at[np.argsort(-scores[at], kind="stable")]
            top = options[at]
            if plain:
                return top[:k]
            chosen = mmr_select(top, scores[at], self.data.vectors, k, rules.mmr_lambda,
                                self.info.artist_index, rules.artist_cap)
            if len(chosen) >= k or pool == len(options):
                return chosen
            pool *= 4

    # -- one user, explained --------------------------------------------------------------
    def recommend_explained(self, user_id: str | None, k: int = 20, *,
                            weights: dict[str, float], rules: Rules | None = None,
                            brief_scores: np.ndarray | None = None) -> list[Recommendation]:
        """Top-k for one user with each score's breakdown and a sentence explaining it.

        An unknown user (no history) gets popularity, plus ``brief_scores`` (similarity
        of each artwork to a curator's brief) when given.
        """
        rules = rules or Rules()
        user = self._user(user_id) if user_id is not None else -1
        cold = user < 0
        users = np.asarray([max(user, 0)], dtype=np.int64)
        cand = self.candidates(users, rules)
        if cold:
            cand = self.candidates(users, Rules(exclude_seen=False,
                                                exclude_unavailable=rules.exclude_unavailable,
                                                exclude=rules.exclude))
        extra = {"brief": brief_scores[None, :].astype(np.float32)} \
            if brief_scores is not None else None
        raw, norm = self._normalised(users, cand, np.asarray([cold]), extra)
        total = self.combine(norm, weights)[0]
        per_item = self.item_weights(weights)
        chosen = self._select(total, cand[0], k, rules)
        # the brief moved an artwork when it matches it better than nine in ten candidates
        brief_top = (float(np.quantile(raw["brief"][0, cand[0]], 0.9))
                     if "brief" in raw and cand[0].any() else None)
        explained: dict[str, list[list[Because]]] = {}
        if not cold:
            for name in ("content", "item", "sequence"):
                if name in self.signals and np.any(np.asarray(per_item.get(name, 0.0)) > 0):
                    explained[name] = self.signals[name].explain_many(user, chosen)
        out = []
        for j, item in enumerate(chosen):
            parts = {}
            for name in norm:
                w = per_item.get(name, 0.0)
                w = float(w if np.isscalar(w) else w[item])
                n = float(norm[name][0, item])
                parts[name] = Part(float(raw[name][0, item]), n, w, w * n)
            reasons = {name: found[j] for name, found in explained.items()
                       if parts.get(name) and parts[name].contribution > 0}
            score = float(sum(p.contribution for p in parts.values()))
            popularity = self.signals.get("popularity")
            rank = int(popularity.rank[item]) if popularity is not None else None
            found = clauses(self.info, int(item), parts, reasons, rank=rank,
                            brief_moved=bool(brief_top is not None
                                             and raw["brief"][0, item] >= brief_top))
            out.append(Recommendation(str(self.interactions.item_ids[item]), score, parts,
                                      reasons, sentence(found, cold=cold), tuple(found)))
        return out
