"""Exact top-k: the same answer as sorting every score, ties broken by id; vectors read back."""

import numpy as np
import pytest

from curator.core.embedding.search import TIE, Filters, VectorIndex
from curator.core.embedding.spaces import Space, get_or_create_space, read_vectors, write_vectors


def brute_force(ids, matrix, query, k, allowed=None, exclude=()):
    """The definition: every allowed row's score, best first; scores within TIE of the one
    before are equal, and equal scores go in id order."""
    rows = range(len(ids)) if allowed is None else allowed
    scored = sorted(((float(matrix[r] @ query), ids[r]) for r in rows if ids[r] not in exclude),
                    reverse=True)
    group, keyed = 0, []
    for n, (score, artwork_id) in enumerate(scored):
        if n and scored[n - 1][0] - score > TIE:
            group += 1
        keyed.append((group, artwork_id, score))
    return [(i, s) for _, i, s in sorted(keyed)[:k]]


def shuffled_index(n=400, dim=8, copies=5, seed=0):
    """Rows in no particular order, with groups of identical vectors (ties). Queries halfway
    between two rows tie those rows' groups too, up to rounding."""
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((n // copies, dim)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    matrix = np.repeat(base, copies, axis=0)
    ids = np.asarray([f"W{i:04d}" for i in rng.permutation(n)], dtype=object)
    return VectorIndex(Space(1, "text", "m", "t", dim), ids, matrix)


@pytest.mark.parametrize("k", [1, 7, 23, 400, 1000])
def test_top_k_is_the_sorted_definition_including_ties(k):
    index = shuffled_index()
    for q in range(0, 400, 37):
        query = index.matrix[q] * 0.5 + index.matrix[(q * 7) % 400] * 0.5
        got = index.top_k(query, k)
        want = brute_force(index.ids, index.matrix, query, k)
        assert [i for i, _ in got] == [i for i, _ in want]
        assert np.allclose([s for _, s in got], [s for _, s in want], atol=1e-6)


@pytest.mark.parametrize("share", [0.02, 0.5])  # few rows are gathered; many are scored in full
def test_allowed_rows_and_exclusions(share):
    index = shuffled_index(seed=1)
    rng = np.random.default_rng(2)
    allowed = np.sort(rng.choice(len(index), int(len(index) * share), replace=False))
    query = index.matrix[allowed[0]]
    exclude = {str(index.ids[allowed[0]]), "not-an-artwork"}
    got = index.top_k(query, 10, allowed, exclude)
    want = brute_force(index.ids, index.matrix, query, 10, allowed, exclude)
    assert [i for i, _ in got] == [i for i, _ in want]
    assert str(index.ids[allowed[0]]) not in {i for i, _ in got}
    assert index.top_k(query, 10, np.array([], dtype=np.int64)) == []


def test_positions_find_rows_and_report_missing_ids():
    index = shuffled_index(n=50, copies=1)
    ids = [str(i) for i in index.ids[::-1]] + ["nope", ""]
    pos = index.positions(ids)
    assert [str(index.ids[p]) for p in pos[:-2]] == ids[:-2]
    assert list(pos[-2:]) == [-1, -1]
    assert index.position("W0003") is not None and index.position("W9999") is None


def test_vectors_of_changed_artworks_are_not_read_and_filters_pick_rows(loaded):
    store = loaded.store
    space = get_or_create_space(store, "text", "model", "template", 4)
    ids = ["A1", "A2", "A3", "A4"]
    cur = store.cursor()
    hashes = dict(cur.execute("SELECT id, content_hash FROM artworks").fetchall())
    vectors = np.eye(4, dtype=np.float32)
    with store.transaction(cur) as cur:
        write_vectors(cur, space, ids, [hashes[i] for i in ids], vectors)
        cur.execute("UPDATE artworks SET content_hash = 'changed' WHERE id = 'A3'")
    got_ids, matrix = read_vectors(cur, space)
    cur.close()
    assert sorted(got_ids) == ["A1", "A2", "A4"]
    for artwork_id, row in zip(got_ids, matrix, strict=True):
        assert np.array_equal(row, vectors[ids.index(artwork_id)])

    index = VectorIndex.load(store, space)
    oil = index.allowed(store, Filters(medium="oil"))
    assert sorted(str(index.ids[p]) for p in oil) == ["A1", "A2"]
    assert index.allowed(store, Filters()) is None
    found = index.top_k(vectors[3], 3, oil)
    assert [i for i, _ in found] == ["A1", "A2"]  # both score 0: id order
