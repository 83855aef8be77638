"""The hybrid recommender: weighted normalised signals, re-ranking rules, explanations.

``score = sum over signals of weight x normalised signal``. A signal is normalised per
user over that user's candidates (min-max to 0..1), so weights compare like with like,
and every recommended artwork carries each signal's raw value, normalised value, weight
and contribution; the contributions add up to the score.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .explain import ItemInfo, sentence
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

    def breakdown(self) -> dict[str, float]:
        return {name: part.contribution for name, part in self.parts.items()}


@dataclass(frozen=True)
class Rules:
    """Re-ranking and filtering: MMR diversity, an artist cap, exclusions."""

    mmr_lambda: float = 1.0          # 1 = pure relevance
    artist_cap: int | None = None    # at most this many works per artist
    exclude_seen: bool = True
    exclude_unavailable: bool = True
    exclude: frozenset[str] = field(default_factory=frozenset)


def normalise(raw: np.ndarray, candidates: np.ndarray | None) -> np.ndarray:
    """Min-max per row over the candidate columns; 0 where a row is constant."""
    raw = np.asarray(raw, dtype=np.float32)
    if candidates is None:
        lo = raw.min(axis=1, keepdims=True)
        hi = raw.max(axis=1, keepdims=True)
    else:
        big = np.float32(np.inf)
        lo = np.where(candidates, raw, big).min(axis=1, keepdims=True)
        hi = np.where(candidates, raw, -big).max(axis=1, keepdims=True)
        lo = np.where(np.isfinite(lo), lo, 0)
        hi = np.where(np.isfinite(hi), hi, 0)
    span = hi - lo
    out = np.where(span > 0, (raw - lo) / np.where(span > 0, span, 1), 0).astype(np.float32)
    return np.clip(out, 0, 1, out=out)


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

    def __init__(self, signals: list[Signal], data: FitData, info: ItemInfo):
        self.signals = {s.name: s for s in signals}
        self.data = data
        self.info = info
        self.interactions = data.interactions

    @classmethod
    def fit(cls, signals: list[Signal], data: FitData, info: ItemInfo) -> HybridRecommender:
        for s in signals:
            s.fit(data)
        return cls(signals, data, info)

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
        return {n: s.score(users) for n, s in self.signals.items()
                if names is None or n in names}

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
        return raw, {n: normalise(v, cand) for n, v in raw.items()}

    def _total(self, users, cand, weights, cold=None, extra=None) -> np.ndarray:
        _, norm = self._normalised(users, cand, cold, extra)
        total = np.zeros(cand.shape, dtype=np.float32)
        for name, values in norm.items():
            total += np.float32(weights.get(name, 0.0)) * values
        return total

    def _select(self, total: np.ndarray, cand: np.ndarray, k: int, rules: Rules) -> np.ndarray:
        options = np.flatnonzero(cand)
        if len(options) == 0:
            return options
        plain = rules.mmr_lambda >= 1.0 and rules.artist_cap is None
        pool = k if plain else max(10 * k, 100)
        pool = min(pool, len(options))
        top = options[np.argpartition(-total[options], pool - 1)[:pool]]
        top = top[np.argsort(-total[top], kind="stable")]
        if plain:
            return top[:k]
        return mmr_select(top, total[top], self.data.vectors, k, rules.mmr_lambda,
                          self.info.artist_index, rules.artist_cap)

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
        total = np.zeros(cand.shape[1], dtype=np.float32)
        for name, values in norm.items():
            total += np.float32(weights.get(name, 0.0)) * values[0]
        chosen = self._select(total, cand[0], k, rules)
        explained: dict[str, list[list[Because]]] = {}
        if not cold:
            for name in ("content", "item", "sequence"):
                if name in self.signals and weights.get(name, 0.0) > 0:
                    explained[name] = self.signals[name].explain_many(user, chosen)
        out = []
        for j, item in enumerate(chosen):
            parts = {}
            for name in norm:
                w = float(weights.get(name, 0.0))
                n = float(norm[name][0, item])
                parts[name] = Part(float(raw[name][0, item]), n, w, w * n)
            reasons = {name: found[j] for name, found in explained.items()
                       if parts.get(name) and parts[name].contribution > 0}
            score = float(sum(p.contribution for p in parts.values()))
            popularity = self.signals.get("popularity")
            rank = int(popularity.rank[item]) if popularity is not None else None
            text = sentence(self.info, int(item), parts, reasons, cold=cold, rank=rank)
            out.append(Recommendation(str(self.interactions.item_ids[item]), score, parts,
                                      reasons, text))
        return out
