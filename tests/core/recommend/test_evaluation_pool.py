"""The evaluation keeps a pool of candidates per visitor, not a users x catalog array."""

import numpy as np
import pytest

from curator.core.evaluate.runner import Evaluation
from curator.core.evaluate.splits import stratified_split
from curator.core.recommend.build import default_signals
from curator.core.recommend.explain import ItemInfo
from curator.core.recommend.hybrid import Rules
from curator.core.recommend.interactions import Interactions, WeightConfig

N_ITEMS, N_USERS = 300, 120
WEIGHTS = [{"item": 1.0, "content": 0.3, "popularity": 0.1}, {"content": 1.0},
           {"item": 1.0, "popularity": 0.6}]


@pytest.fixture(scope="module")
def world():
    rng = np.random.default_rng(3)
    topics = rng.integers(0, 6, N_ITEMS)
    centres = rng.standard_normal((6, 16))
    vectors = centres[topics] + 0.5 * rng.standard_normal((N_ITEMS, 16))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    users, items = [], []
    for u in range(N_USERS):
        liked = np.flatnonzero(topics == u % 6)
        n = rng.integers(4, 15)
        items += list(rng.choice(liked, n // 2 + 1)) + list(rng.integers(0, N_ITEMS, n // 2))
        users += [u] * (n // 2 + 1 + n // 2)
    m = len(users)
    inter = Interactions(np.asarray([f"u{u:03d}" for u in range(N_USERS)], dtype=object),
                         np.asarray([f"a{i:03d}" for i in range(N_ITEMS)], dtype=object),
                         np.asarray(users), np.asarray(items),
                         np.asarray(["view"] * m, dtype=object), np.full(m, np.nan),
                         np.arange(m, dtype=np.float64) * 3600)
    info = ItemInfo(titles=[f"t{i}" for i in range(N_ITEMS)], years=[None] * N_ITEMS,
                    tags=[[] for _ in range(N_ITEMS)],
                    artist_index=(np.arange(N_ITEMS) % 40).astype(np.int64),
                    available=np.ones(N_ITEMS, dtype=bool))
    return inter, info, vectors, stratified_split(inter, 0.75, 1)


def evaluation(world, **kw):
    inter, info, vectors, train = world
    return Evaluation(inter, train, signals=default_signals(), info=info, vectors=vectors,
                      config=WeightConfig(), k=10, **kw)


def whole_catalog_lists(ev, weights, rules):
    """The lists scored over every artwork, as one visitor's list is."""
    rec = ev.recommender
    cand = rec.candidates(ev.users, Rules())
    total = rec.combine(rec.normalise(rec.raw_scores(ev.users), cand), weights)
    out = np.full((len(ev.users), ev.k), -1)
    for r in range(len(ev.users)):
        chosen = rec._select(total[r], cand[r], ev.k, rules)
        out[r, :len(chosen)] = chosen
    return out


@pytest.mark.parametrize("rules", [Rules(), Rules(mmr_lambda=0.8), Rules(artist_cap=1)])
def test_a_pool_holding_every_candidate_gives_the_whole_catalogs_lists(world, rules):
    ev = evaluation(world, pool=N_ITEMS, memory=1)  # one visitor a batch
    for weights in WEIGHTS:
        assert np.array_equal(ev.top_k(weights, rules), whole_catalog_lists(ev, weights, rules))
        assert ev.measure(weights, rules).exact == 1.0


def test_a_small_pool_is_exact_where_it_says_so_and_small_in_memory(world):
    ev = evaluation(world, pool=30)
    assert all(v.shape == (len(ev.users), 90) for v in ev.norm.values())  # 3 signals x 30
    shares = []
    for weights in WEIGHTS:
        recs, exact = ev._top_k(weights)
        whole = whole_catalog_lists(ev, weights, Rules())
        assert np.array_equal(recs[exact], whole[exact])
        shares.append(ev.measure(weights).exact)
        assert shares[-1] == pytest.approx(exact.mean())
    assert min(shares) > 0.2 and shares[1] == 1.0  # one signal alone: its own best 30
    big = evaluation(world, pool=N_ITEMS)
    assert ev.measure(WEIGHTS[0]).metrics["ndcg"] == \
        pytest.approx(big.measure(WEIGHTS[0]).metrics["ndcg"], abs=0.02)


def test_allowed_artworks_only_are_ranked(world):
    allowed = np.zeros(N_ITEMS, dtype=bool)
    allowed[::3] = True
    recs = evaluation(world, allowed=allowed).top_k(WEIGHTS[0])
    assert (recs >= 0).all() and allowed[recs].all()


def test_signal_distributions_sample_candidates(world):
    ev = evaluation(world, pool=30)
    values = ev.signal_distribution("content", sample=500)
    assert len(values) == 500 and (values >= 0).all()
    # drawn from all candidates, not only each visitor's best: most are well below the top
    assert np.median(values) < np.median(ev.norm["content"][ev.pool >= 0])
