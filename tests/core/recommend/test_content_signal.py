"""The content signal scores in cache-sized blocks exactly as it would all at once."""

import numpy as np
import pytest

from curator.core.recommend import signals
from curator.core.recommend.interactions import Interactions, WeightConfig
from curator.core.recommend.signals import ContentSignal, FitData, ItemCFSignal


def _world(n_users=7, n_items=500, dim=16, seed=3):
    rng = np.random.default_rng(seed)
    events = 120
    inter = Interactions(
        np.asarray([f"u{i}" for i in range(n_users)], dtype=object),
        np.asarray([f"a{i}" for i in range(n_items)], dtype=object),
        users=rng.integers(0, n_users, events), items=rng.integers(0, n_items, events),
        kinds=rng.choice(np.asarray(["view", "favourite", "purchase"], dtype=object), events),
        values=np.full(events, np.nan), ts=rng.uniform(1.6e9, 1.7e9, events))
    vectors = rng.standard_normal((n_items, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return FitData(inter, WeightConfig(), vectors)


def test_blocked_content_scores_equal_the_formula_bit_for_bit(monkeypatch):
    data = _world()
    users = np.arange(data.interactions.n_users)
    whole = ContentSignal(chunk_history=4).fit(data).score(users)  # one block per chunk
    monkeypatch.setattr(signals, "KERNEL_BLOCK", 64)
    monkeypatch.setattr(signals, "MIN_BLOCK", 7)  # 500 artworks in many uneven blocks
    blocked = ContentSignal(chunk_history=4).fit(data).score(users)
    assert np.array_equal(blocked, whole)

    # and both are the documented formula: sum_h w(u,h) max(cos, 0)^3 / sum_h w(u,h)
    w = data.relative.toarray()
    sims = np.maximum(data.vectors @ data.vectors.T, 0.0) ** 3
    expected = (w @ sims) / w.sum(axis=1, keepdims=True)
    assert blocked == pytest.approx(expected, rel=1e-5, abs=1e-6)
    assert (np.argsort(-blocked, axis=1)[:, :10] == np.argsort(-expected, axis=1)[:, :10]).all()


def test_explanations_name_the_history_items_closest_in_content():
    data = _world()
    signal = ContentSignal().fit(data)
    user = int(np.argmax(np.diff(data.relative.indptr)))
    row = data.relative[user]
    items = np.asarray([0, 1, 2, 3])
    found = signal.explain_many(user, items, top=1)
    for item, because in zip(items, found, strict=True):
        parts = row.data * np.maximum(data.vectors[row.indices] @ data.vectors[item], 0) ** 3
        if parts.sum() > 0:
            assert because[0].item == row.indices[np.argmax(parts)]
            assert because[0].share == pytest.approx(parts.max() / parts.sum(), rel=1e-4)


def test_a_visitor_away_for_many_half_lives_keeps_their_taste():
    """Events 130 half-lives old weigh ~1e-39 each (below float32's normal range): the
    visitor's own events still count relative to each other, with finite scores."""
    day = 86400.0
    inter = Interactions(
        np.asarray(["away", "b", "c"], dtype=object),
        np.asarray([f"a{i}" for i in range(6)], dtype=object),
        users=np.asarray([0, 0, 1, 1, 2, 2]), items=np.asarray([0, 1, 0, 2, 1, 3]),
        kinds=np.asarray(["view", "purchase", "view", "view", "view", "view"], dtype=object),
        values=np.full(6, np.nan), ts=np.asarray([0, 0, 910, 910, 910, 910]) * day)
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((6, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    data = FitData(inter, WeightConfig(half_life_days=7), vectors)
    relative = data.relative[0].toarray().ravel()
    assert relative[1] / relative[0] == pytest.approx(
        WeightConfig().kind_weights["purchase"] / WeightConfig().kind_weights["view"], rel=1e-5)
    for signal in (ItemCFSignal(), ContentSignal()):
        scores = signal.fit(data).score(np.asarray([0]))
        assert np.isfinite(scores).all() and scores.max() > 0, signal.name
