"""The approximate index of a large catalog (here: a small one with the size lowered):
built beside the database, kept in step with the vectors, filters always exact."""

import numpy as np
import pytest

from benchmarks.synthetic import build_catalog
from curator.core.catalog import Catalog
from curator.core.embedding import ann
from curator.core.embedding.search import Filters, VectorIndex
from curator.core.embedding.spaces import Space, find_space, write_vectors

N = 1_200


@pytest.fixture
def large(monkeypatch, tmp_path):
    """A catalog of N clustered vectors, "large" because the size needing an index is 500."""
    monkeypatch.setattr(ann, "MIN_VECTORS", 500)
    cat = Catalog(tmp_path / "big.duckdb")
    build_catalog(cat, N)
    yield cat
    cat.close()


def exact(index: VectorIndex, query, k, allowed=None, exclude=None):
    graph, index.ann = index.ann, None
    try:
        return index.top_k(query, k, allowed, exclude)
    finally:
        index.ann = graph


def test_index_file_is_built_beside_the_database_and_used(large):
    index = large.embeddings.text_index()
    assert index.ann is None  # not built yet: searches are exact meanwhile
    large.embeddings.index_vectors()
    path = ann.ann_path(large.store.path, "text", index.space.id)
    assert path.is_file() and path.name == f"big.duckdb.text-{index.space.id}.usearch"
    assert index.ann is not None and len(index.ann) == N
    calls = []
    search = index.ann.search
    index.ann.search = lambda q, count: calls.append(count) or search(q, count)
    found = large.artworks.similar("A0000007", k=50)
    assert calls, "an unfiltered search at this size goes through the approximate index"
    want = exact(index, index.matrix[index.position("A0000007")], 50, exclude={"A0000007"})
    assert len({h.id for h in found} & {i for i, _ in want}) >= 48  # recall@50 >= 0.96
    scores = dict(want)
    for h in found:  # proposed by the graph, scored exactly
        if h.id in scores:
            assert h.score == pytest.approx(scores[h.id], abs=1e-6)


def test_a_reopened_catalog_maps_the_saved_index(large, tmp_path):
    large.embeddings.index_vectors()
    large.close()
    with Catalog(tmp_path / "big.duckdb", read_only=True) as again:
        assert again.embeddings.text_index().ann is not None


def test_filters_stay_exact(large):
    large.embeddings.index_vectors()
    index = large.embeddings.text_index()
    query = index.matrix[index.position("A0000010")]
    # A broad filter (more rows than the exact limit): the graph's proposals are filtered.
    even = np.array([int(i[1:]) % 2 == 0 for i in index.ids])
    broad = np.flatnonzero(even | (np.arange(len(index)) < 100))
    got = index.top_k(query, 20, broad)
    assert {i for i, _ in got} <= set(index.ids[broad])
    assert len({i for i, _ in got} & {i for i, _ in exact(index, query, 20, broad)}) >= 19
    # A narrow one is scored exactly: the same answer as the exact path.
    hits = large.artworks.similar("A0000010", k=10, filters=Filters(tag="subject 10"))
    assert sorted(h.id for h in hits) == ["A0000410", "A0000810"]
    narrow = index.allowed(large.store, Filters(tag="theme 5"))
    assert index.top_k(query, 10, narrow) == exact(index, query, 10, narrow)


def test_too_few_proposals_pass_a_filter_then_the_exact_scorer_answers():
    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((600, 16)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    ids = np.asarray([f"W{i:04d}" for i in range(600)], dtype=object)
    keys = np.arange(600, dtype=np.uint64) * 7 + 1
    index = VectorIndex(Space(1, "text", "m", "t", 16), ids, matrix, keys)

    class Stingy:  # proposes only rows a filter will remove
        def search(self, query, count):
            return keys[1:2 * count:2][:count]

    index.use_ann(Stingy())
    allowed = np.arange(0, 600, 2)
    query = matrix[10]
    ann.MIN_VECTORS, saved = 100, ann.MIN_VECTORS
    try:
        got = index.top_k(query, 5, allowed)
    finally:
        ann.MIN_VECTORS = saved
    index.ann = None
    assert got == index.top_k(query, 5, allowed)


def test_changed_vectors_extend_the_file_rather_than_rebuild_it(large, tmp_path):
    large.embeddings.index_vectors()
    space = find_space(large.store, "text")
    path = ann.ann_path(large.store.path, "text", space.id)
    before = set(ann.AnnIndex.open(path, space.dim).keys().tolist())
    with large.store.transaction() as cur:  # A0000003's text changed and was re-embedded
        cur.execute("UPDATE artworks SET title = 'Renamed', content_hash = 'new' "
                    "WHERE id = 'A0000003'")
        cur.execute(f"DELETE FROM {space.table} WHERE artwork_id = 'A0000004'")
        moved = -np.ones((1, space.dim), dtype=np.float32) / np.sqrt(space.dim)
        write_vectors(cur, space, ["A0000003"], ["new"], moved)
    large._caches.clear()
    index = large.embeddings.text_index()  # the existing file is brought up to date
    after = set(index.ann.keys().tolist())
    assert len(after) == N - 1 and set(index.keys.tolist()) == after
    assert len(before - after) == 2 and len(after - before) == 1  # two gone, one new
    assert index.top_k(moved[0], 1)[0][0] == "A0000003"


def test_small_catalogs_get_no_index(catalog, tmp_path):
    build_catalog(catalog, 50)
    changes = catalog.embeddings.index_vectors()
    assert "small enough" in changes.message
    assert not list(tmp_path.glob("*.usearch"))
