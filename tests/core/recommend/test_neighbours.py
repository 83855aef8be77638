"""Item kNN's neighbour lists: multiplied and cut in one pass, the same as keeping each
artwork's strongest links row by row over the whole similarity matrix."""

import numpy as np
import scipy.sparse as sp

from curator.core.recommend.signals import cosine_neighbours


def row_by_row(x: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """The whole cosine matrix, then each row's k strongest links kept one row at a time."""
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=0)).ravel())
    xn = x @ sp.diags(1.0 / np.maximum(norms, 1e-12))
    sim = (xn.T @ xn).tocsr()
    sim.setdiag(0.0)
    sim.eliminate_zeros()
    rows, cols, vals = [], [], []
    for r in range(sim.shape[0]):
        data = sim.data[sim.indptr[r]:sim.indptr[r + 1]]
        idx = sim.indices[sim.indptr[r]:sim.indptr[r + 1]]
        if len(data) > k:
            keep = np.argpartition(-data, k - 1)[:k]
            data, idx = data[keep], idx[keep]
        rows.append(np.full(len(data), r))
        cols.append(idx)
        vals.append(data)
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                         shape=sim.shape).astype(np.float32)


def histories(seed: int, users=300, items=120, per_user=12, weighted=True):
    rng = np.random.default_rng(seed)
    u = np.repeat(np.arange(users), per_user)
    i = (rng.pareto(1.5, len(u)) * 10).astype(int) % items  # popular and rare artworks
    w = rng.uniform(0.5, 3.0, len(u)) if weighted else np.ones(len(u))
    x = sp.csr_matrix((w.astype(np.float32), (u, i)), shape=(users, items))
    x.sum_duplicates()
    return x


def test_the_same_neighbours_as_row_by_row():
    x = histories(0)  # continuous weights: no two similarities tie
    for k in (1, 10, 200):
        expected = row_by_row(x, k)
        got = cosine_neighbours(x, k)
        got.sort_indices()
        assert got.dtype == np.float32 and got.shape == expected.shape
        assert np.array_equal(got.indptr, expected.indptr)
        assert np.array_equal(got.indices, expected.indices)
        np.testing.assert_allclose(got.data, expected.data, rtol=1e-5)
    assert (np.diff(row_by_row(x, 10).indptr) == 10).sum() > 50  # rows were cut


def test_ties_keep_the_same_strengths():
    x = histories(1, weighted=False)  # 0/1 histories: many equal similarities
    expected = row_by_row(x, 5)
    got = cosine_neighbours(x, 5)
    got.sort_indices()
    assert np.array_equal(got.indptr, expected.indptr)
    for r in range(x.shape[1]):
        a = got.data[got.indptr[r]:got.indptr[r + 1]]
        b = expected.data[expected.indptr[r]:expected.indptr[r + 1]]
        np.testing.assert_allclose(np.sort(a), np.sort(b), rtol=1e-5)
    # four artworks seen together by everyone: each ties with itself and the three others
    tied = cosine_neighbours(sp.csr_matrix(np.ones((4, 4), dtype=np.float32)), 2).toarray()
    assert (np.count_nonzero(tied, axis=1) == 2).all() and not tied.diagonal().any()
    np.testing.assert_allclose(tied[tied > 0], 1.0, rtol=1e-6)


def test_an_artwork_nobody_shares_has_no_neighbours():
    x = sp.csr_matrix(np.array([[1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], dtype=np.float32))
    got = cosine_neighbours(x, 3).toarray()
    assert got[2].sum() == 0 and got[3].sum() == 0 and got[0, 0] == 0  # not itself
    assert got[0, 1] > 0 and got[1, 0] > 0
