"""The Tuning tab's fast re-weighting ranks exactly as the whole catalog would."""

import numpy as np
import pytest

import curator.core.evaluate.runner as runner
from curator.core.evaluate.runner import Evaluation
from curator.core.evaluate.splits import stratified_split
from curator.core.recommend.explain import ItemInfo
from curator.core.recommend.hybrid import Rules
from curator.core.recommend.interactions import Interactions
from curator.core.recommend.signals import ContentSignal, ItemCFSignal, PopularitySignal


def build(depth: int) -> Evaluation:
    """2,000 artworks in six themes, 90 visitors who each keep to one or two themes."""
    rng = np.random.default_rng(7)
    n_items, n_users = 2000, 90
    theme = rng.integers(0, 6, n_items)
    centres = rng.normal(size=(6, 16))
    vectors = centres[theme] + 0.6 * rng.normal(size=(n_items, 16))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    users, items = [], []
    for u in range(n_users):
        liked = rng.choice(6, size=rng.integers(1, 3), replace=False)
        pool = np.flatnonzero(np.isin(theme, liked))
        for i in rng.choice(pool, size=rng.integers(6, 25), replace=False):
            users.append(u)
            items.append(i)
    n = len(users)
    inter = Interactions(np.array([f"v{u}" for u in range(n_users)], dtype=object),
                         np.array([f"a{i:03d}" for i in range(n_items)], dtype=object),
                         users=np.array(users), items=np.array(items),
                         kinds=np.array(["view"] * n, dtype=object), values=np.full(n, np.nan),
                         ts=np.arange(n, dtype=float))
    available = np.ones(n_items, dtype=bool)
    available[::50] = False
    info = ItemInfo(titles=[f"t{i}" for i in range(n_items)], years=[None] * n_items,
                    tags=[[]] * n_items, artist_index=rng.integers(-1, 40, n_items),
                    available=available)
    patch = pytest.MonkeyPatch()
    patch.setattr(runner, "POOL_DEPTH", depth)
    try:
        return Evaluation(inter, stratified_split(inter, 0.7, seed=1),
                          signals=[ContentSignal(), ItemCFSignal(), PopularitySignal()],
                          info=info, vectors=vectors, k=10)
    finally:
        patch.undo()


@pytest.fixture(scope="module")
def evaluation():
    return build(150)  # small pools, so some visitors need the rest of the catalog


def whole_catalog(ev: Evaluation, weights: dict, rules: Rules) -> np.ndarray:
    """Each visitor ranked over every artwork, the way recommend() ranks."""
    rec = ev.recommender
    recs = np.full((len(ev.users), ev.k), -1, dtype=np.int64)
    for r in range(len(ev.users)):
        total = rec.combine({n: v[r] for n, v in ev.norm.items()}, weights)
        chosen = rec._select(total, ev.candidates[r], ev.k, rules)
        recs[r, :len(chosen)] = chosen
    return recs


WEIGHTS = [{"content": 1.0}, {"item": 1.0, "popularity": 0.1},
           {"content": 0.3, "item": 1.0, "popularity": 0.1},
           {"content": 2.0, "item": 0.2, "popularity": 1.5}, {"popularity": 1.0}]
RULES = [Rules(), Rules(mmr_lambda=0.5), Rules(mmr_lambda=0.0), Rules(artist_cap=1)]


@pytest.mark.parametrize("rules", RULES, ids=["plain", "mmr-0.5", "mmr-0", "artist-cap"])
def test_pooled_top_k_is_the_whole_catalogs_top_k(evaluation, rules):
    assert evaluation.pool.shape[1] < evaluation.candidates.shape[1] // 4
    assert not evaluation.covered.any()
    whole = []
    for weights in WEIGHTS:
        got = evaluation.top_k(weights, rules)
        np.testing.assert_array_equal(got, whole_catalog(evaluation, weights, rules))
        whole.append(evaluation.ranked_whole)
    # the pools are used (a single signal ranks every visitor from them), and where a
    # visitor's pool cannot vouch for the ranking the whole catalog is ranked instead
    assert min(whole) == 0 and sum(whole) > 0


def test_a_pool_too_shallow_for_the_rules_falls_back_to_the_whole_catalog():
    """MMR looks at the best 100, deeper than these pools: every visitor is re-ranked."""
    shallow = build(30)
    rules, weights = Rules(mmr_lambda=0.5), {"content": 1.0, "item": 1.0}
    got = shallow.top_k(weights, rules)
    assert shallow.ranked_whole == len(shallow.users)
    np.testing.assert_array_equal(got, whole_catalog(shallow, weights, rules))
