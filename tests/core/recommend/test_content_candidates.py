"""A large catalog's content signal: scored exactly on candidates (the approximate
neighbours of a visitor's history and the other signals' best), the same lists as comparing
every artwork."""

import numpy as np
import pytest

from benchmarks.synthetic import write_synthetic_vectors
from curator.core.catalog import Catalog
from curator.core.embedding import ann
from curator.core.recommend import signals
from curator.core.recommend.signals import ContentSignal, FitData

from ...conftest import write
from .test_content_signal import _world


def exact_neighbours(vectors):
    def neighbours(items, count):
        return [np.argsort(-row, kind="stable")[:count] for row in vectors[items] @ vectors.T]
    return neighbours


def with_neighbours(data: FitData, neighbours) -> FitData:
    return FitData(data.interactions, data.config, data.vectors, neighbours)


def test_candidates_score_exactly_and_nothing_else_scores(monkeypatch):
    data = _world(n_items=500)
    users = np.arange(data.interactions.n_users)
    whole = ContentSignal().fit(data).score(users)
    monkeypatch.setattr(signals, "CANDIDATE_NEIGHBOURS", 20)
    also = np.tile(np.asarray([[7, 8, 9]]), (len(users), 1))
    got = ContentSignal().fit(with_neighbours(data, exact_neighbours(data.vectors))) \
        .score(users, also)
    near = exact_neighbours(data.vectors)
    for r, user in enumerate(users):
        history = data.weighted[user].indices
        cand = np.unique(np.concatenate([*near(history, 20), [7, 8, 9]]))
        np.testing.assert_allclose(got[r, cand], whole[r, cand], rtol=1e-5, atol=1e-7)
        rest = np.setdiff1d(np.arange(500), cand)
        assert not got[r, rest].any()
        # a visitor's best content matches are their history's nearest neighbours
        assert set(np.argsort(-whole[r])[:5]) <= set(cand)


def test_every_artwork_a_candidate_gives_the_whole_catalogs_scores(monkeypatch):
    data = _world(n_items=300)
    users = np.arange(data.interactions.n_users)
    monkeypatch.setattr(signals, "CANDIDATE_NEIGHBOURS", 300)
    got = ContentSignal().fit(with_neighbours(data, exact_neighbours(data.vectors))).score(users)
    np.testing.assert_allclose(got, ContentSignal().fit(data).score(users), rtol=1e-5,
                               atol=1e-7)


@pytest.fixture
def large(monkeypatch, tmp_path):
    """1,200 clustered artworks, "large" because a graph is built from 500 vectors, and
    visitors who each keep to a topic."""
    monkeypatch.setattr(ann, "GRAPH_MIN_VECTORS", 500)
    cat = Catalog(tmp_path / "big.duckdb")
    works = ["accession_number,title,artist,date"] + [
        f"A{i:07d},Work {i},Artist {i % 50},{1800 + i % 100}" for i in range(1_200)]
    cat.imports.catalog(write(tmp_path / "works.csv", "\n".join(works) + "\n"))
    write_synthetic_vectors(cat)
    rng = np.random.default_rng(5)
    rows = ["user_id,artwork_id,kind,value,timestamp"]
    for u in range(60):
        topic = u % 12
        for i in rng.choice(100, 8, replace=False):
            kind = "favourite" if i % 3 == 0 else "view"
            rows.append(f"v{u},A{(topic + 12 * i) % 1200:07d},{kind},,"
                        f"2024-01-{1 + i % 28:02d}T00:00:00")
    cat.imports.events(write(tmp_path / "ev.csv", "\n".join(rows) + "\n"))
    yield cat
    cat.close()


def test_a_large_catalog_takes_content_candidates_from_the_graph(large):
    index = large.embeddings.text_index()
    large.embeddings.index_vectors()
    assert index.ann is not None  # built for the recommender at this size...
    calls = []
    search = index.ann.search
    index.ann.search = lambda q, count: calls.append(count) or search(q, count)
    large.artworks.similar("A0000007", k=20)
    assert not calls  # ...while searches stay exact below ann.MIN_VECTORS
    index.ann.search = search

    rec = large.recommendations.recommender()
    content = rec.signals["content"]
    assert content.neighbours is not None
    graph = {}
    for u in range(0, 60, 6):
        graph[u] = large.recommendations.recommend(f"v{u}", k=10)
    content.neighbours = None  # every artwork compared
    for u, got in graph.items():
        exact = large.recommendations.recommend(f"v{u}", k=10)
        # the same list: the same scores place by place; an artwork may differ only where
        # two scored the same to rounding (the two paths sum in different orders)
        assert [r.score for r in got] == pytest.approx([r.score for r in exact], rel=1e-5), \
            [(a.item_id, a.score, b.item_id, b.score) for a, b in zip(got, exact, strict=True)]
        same = sum(a.item_id == b.item_id for a, b in zip(got, exact, strict=True))
        assert same >= len(exact) - 2
        by_id = {r.item_id: r for r in exact}
        for a in got:  # breakdowns and explanations exact too
            b = by_id.get(a.item_id)
            if b is None:
                continue
            assert a.parts["content"].raw == pytest.approx(b.parts["content"].raw, rel=1e-5)
            assert a.explanation == b.explanation


def test_content_parts_of_works_found_by_other_signals_are_exact(large):
    rec = large.recommendations.recommender()
    content = rec.signals["content"]
    content.neighbours = lambda items, count: [np.asarray([i]) for i in items]  # no graph help
    got = large.recommendations.recommend("v3", k=10)
    content.neighbours = None
    user = rec.interactions.user_index("v3")
    whole = content.score(np.asarray([user]))[0]
    for r in got:
        item = rec.interactions.item_index(r.item_id)
        assert r.parts["content"].raw == pytest.approx(float(whole[item]), rel=1e-5)
    assert any(r.parts["content"].raw > 0 for r in got)


def test_vectors_in_the_catalogs_order_are_shared_not_copied():
    from curator.core.embedding.search import VectorIndex
    from curator.core.embedding.spaces import Space
    from curator.core.recommend.build import aligned_vectors

    matrix = np.eye(4, dtype=np.float32)
    index = VectorIndex(Space(1, "text", "m", "t", 4), np.asarray(["a", "b", "c", "d"],
                                                                   dtype=object), matrix)
    same = aligned_vectors(index, np.asarray(["a", "b", "c", "d"], dtype=object))
    assert np.shares_memory(same, matrix) and not same.flags.writeable
    with pytest.raises(ValueError):
        same[0, 0] = 5.0  # the index's vectors stay as they were
    other = aligned_vectors(index, np.asarray(["d", "x", "a"], dtype=object))
    assert not np.shares_memory(other, matrix)
    np.testing.assert_array_equal(other, [matrix[3], np.zeros(4), matrix[0]])
