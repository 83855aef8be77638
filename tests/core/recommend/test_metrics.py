"""Each metric against a small example worked out by hand."""

import numpy as np
import pytest
import scipy.sparse as sp

from curator.core.evaluate import metrics


@pytest.fixture
def example():
    # user 0 relevant {1, 3, 5}; user 1 relevant {2}; k = 3
    relevant = sp.csr_matrix(np.array([[0, 1, 0, 1, 0, 1], [0, 0, 1, 0, 0, 0]], dtype=float))
    recs = np.array([[1, 0, 3],    # hits at ranks 1 and 3
                     [0, 4, 5]])   # no hit
    return recs, relevant


def test_accuracy_by_hand(example):
    recs, relevant = example
    m = metrics.accuracy(recs, relevant)
    # precision: (2/3 + 0) / 2; recall: (2/3 + 0) / 2
    assert m["precision"] == pytest.approx(1 / 3)
    assert m["recall"] == pytest.approx(1 / 3)
    assert m["f1"] == pytest.approx(1 / 3)
    # nDCG user 0: (1 + 1/log2(4)) / (1 + 1/log2(3) + 1/log2(4)); user 1: 0
    ndcg0 = (1 + 0.5) / (1 + 1 / np.log2(3) + 0.5)
    assert m["ndcg"] == pytest.approx(ndcg0 / 2)
    # MAP user 0: (1/1 + 2/3) / 3 relevant; user 1: 0
    assert m["map"] == pytest.approx(((1 + 2 / 3) / 3) / 2)
    assert m["hit_rate"] == pytest.approx(0.5)


def test_beyond_accuracy_by_hand(example):
    recs, _ = example
    assert metrics.coverage(recs, n_items=10) == pytest.approx(5 / 10)  # items 0,1,3,4,5
    vectors = np.eye(6, dtype=np.float32)
    vectors[3] = vectors[1]  # items 1 and 3 identical
    # user 0: pairs (1,0)=0 (1,3)=1 (0,3)=0 -> mean 1/3 -> 2/3; user 1: all orthogonal -> 1
    assert metrics.intra_list_diversity(recs, vectors) == pytest.approx((2 / 3 + 1) / 2)
    item_users = np.array([3, 1, 0, 0, 0, 7], dtype=float)
    n_users = 7
    expected = np.mean([-np.log2((item_users[i] + 1) / 8) for i in recs.ravel()])
    assert metrics.novelty(recs, item_users, n_users) == pytest.approx(expected)
    assert metrics.popularity_bias(recs, item_users, n_users) == pytest.approx(
        np.mean(item_users[recs.ravel()] / 7))


def test_empty_slots_are_ignored():
    relevant = sp.csr_matrix(np.array([[1, 0, 0]], dtype=float))
    m = metrics.accuracy(np.array([[0, -1, -1]]), relevant)
    assert m["precision"] == pytest.approx(1 / 3) and m["ndcg"] == pytest.approx(1.0)
