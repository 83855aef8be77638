"""Ranking metrics at k over a batch of users, each checkable by hand.

Inputs: ``recs`` (n_users x k item indices, -1 for an empty slot) and ``relevant`` (a
users x items sparse matrix of held-out items). Accuracy metrics follow the Microsoft
Recommenders definitions, so figures compare with its published table:
precision@k = hits / k; recall@k = hits / relevant; nDCG@k with binary gains;
MAP = sum of precision at each hit within the top k, divided by the number of relevant
items; F1 is the harmonic mean of mean precision and mean recall.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


def hits_matrix(recs: np.ndarray, relevant: sp.csr_matrix) -> np.ndarray:
    n_users, k = recs.shape
    rows = np.repeat(np.arange(n_users), k)
    cols = recs.ravel()
    valid = cols >= 0
    hits = np.zeros(n_users * k, dtype=bool)
    if valid.any():
        hits[valid] = np.asarray(relevant[rows[valid], cols[valid]]).ravel() > 0
    return hits.reshape(n_users, k)


def accuracy(recs: np.ndarray, relevant: sp.csr_matrix) -> dict[str, float]:
    k = recs.shape[1]
    hits = hits_matrix(recs, relevant)
    n_rel = np.diff(relevant.indptr).astype(np.float64)
    ok = n_rel > 0
    hits, n_rel = hits[ok], n_rel[ok]
    if len(n_rel) == 0:
        return dict.fromkeys(("precision", "recall", "f1", "ndcg", "map", "hit_rate"), 0.0)
    n_hits = hits.sum(axis=1)
    precision = n_hits / k
    recall = n_hits / n_rel
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = (hits * discounts).sum(axis=1)
    ideal_len = np.minimum(n_rel, k).astype(int)
    ideal = np.cumsum(discounts)[ideal_len - 1]
    ndcg = dcg / ideal
    prec_at = np.cumsum(hits, axis=1) / np.arange(1, k + 1)
    ap = (prec_at * hits).sum(axis=1) / n_rel
    p, r = precision.mean(), recall.mean()
    return {"precision": float(p), "recall": float(r),
            "f1": float(2 * p * r / (p + r)) if p + r > 0 else 0.0,
            "ndcg": float(ndcg.mean()), "map": float(ap.mean()),
            "hit_rate": float((n_hits > 0).mean())}


def coverage(recs: np.ndarray, n_items: int) -> float:
    """Share of the catalog that appears in at least one list."""
    shown = np.unique(recs[recs >= 0])
    return float(len(shown) / n_items) if n_items else 0.0


def intra_list_diversity(recs: np.ndarray, vectors: np.ndarray | None) -> float:
    """Mean over lists of 1 - mean pairwise cosine similarity of their items."""
    if vectors is None or recs.size == 0:
        return float("nan")
    filled = recs >= 0
    n = filled.sum(axis=1)
    lists = n >= 2
    if not lists.any():
        return float("nan")
    # all lists at once: empty places get a zero vector, so they add nothing to the sums
    v = vectors[np.where(filled, recs, 0)]
    v[~filled] = 0.0
    total = v.sum(axis=1)
    # |sum of v|^2 - sum of |v|^2 = the sum of the similarities of distinct pairs
    pairs = (np.einsum("ij,ij->i", total, total)
             - np.einsum("ijk,ijk->i", v, v)).astype(np.float64)
    n = n[lists].astype(np.float64)
    return float(np.mean(1.0 - pairs[lists] / (n * (n - 1))))


def novelty(recs: np.ndarray, item_users: np.ndarray, n_users: int) -> float:
    """Mean self-information -log2(p) of recommended items, p = share of users who had them."""
    items = recs[recs >= 0]
    if len(items) == 0:
        return float("nan")
    p = (item_users[items] + 1.0) / (n_users + 1.0)
    return float(np.mean(-np.log2(p)))


def popularity_bias(recs: np.ndarray, item_users: np.ndarray, n_users: int) -> float:
    """Average recommendation popularity: mean share of users who had each recommended item."""
    items = recs[recs >= 0]
    if len(items) == 0:
        return float("nan")
    return float(np.mean(item_users[items] / max(n_users, 1)))


def all_metrics(recs: np.ndarray, relevant: sp.csr_matrix, *, n_items: int,
                vectors: np.ndarray | None, item_users: np.ndarray, n_users: int
                ) -> dict[str, float]:
    out = accuracy(recs, relevant)
    out["coverage"] = coverage(recs, n_items)
    out["diversity"] = intra_list_diversity(recs, vectors)
    out["novelty"] = novelty(recs, item_users, n_users)
    out["popularity_bias"] = popularity_bias(recs, item_users, n_users)
    return out


@dataclass(frozen=True)
class MetricGuide:
    """What a metric means to a curator, and which way is better."""

    label: str  # ``{k}`` stands for the list length
    higher_is_better: bool
    meaning: str

    def name(self, k: int = 10) -> str:
        return self.label.format(k=k) + (" ↑" if self.higher_is_better else " ↓")


GUIDE = {
    "ndcg": MetricGuide(
        "nDCG@{k}", True,
        "The main accuracy figure: how high the works each visitor went on to engage with "
        "(held back from training) rank in their list, the top places counting most. 0 to "
        "1, higher is better; on sparse museum histories 0.05 to 0.3 is usual, so compare "
        "settings rather than read it alone."),
    "precision": MetricGuide(
        "precision@{k}", True,
        "Share of each list that the visitor went on to engage with. 0 to 1, higher is "
        "better; low when visitors have few held-back events."),
    "recall": MetricGuide(
        "recall@{k}", True,
        "Share of what each visitor went on to engage with that made their list. 0 to 1, "
        "higher is better."),
    "map": MetricGuide(
        "MAP", True,
        "Mean average precision: like precision, but hits near the top count more. 0 to 1, "
        "higher is better."),
    "coverage": MetricGuide(
        "coverage", True,
        "Share of the collection that appears in at least one visitor's list. 0 to 1; "
        "higher shows more of the collection, very low means everyone is shown the same "
        "few works."),
    "diversity": MetricGuide(
        "diversity", True,
        "How different the works within one list are in subject and style (1 minus their "
        "mean similarity). Higher is more varied, usually at some cost in accuracy; move "
        "the relevance/diversity slider left to raise it."),
    "novelty": MetricGuide(
        "novelty", True,
        "How unfamiliar the recommended works are, in bits (-log2 of the share of visitors "
        "who engaged with them). Higher means fewer crowd favourites."),
    "popularity_bias": MetricGuide(
        "popularity bias", False,
        "Average share of visitors who engaged with the recommended works. Lower is "
        "better: high means the lists lean on the same few popular works."),
}
