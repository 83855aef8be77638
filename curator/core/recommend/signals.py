"""The signals a hybrid score is made of, each scored for a batch of users at once.

Every signal follows one shape (the one ``implicit`` gives its models):
``fit(data)``, then ``score(users) -> (len(users), n_items) float32`` and
``explain(user, item) -> list[Because]``, the history items behind a score.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .interactions import Interactions, WeightConfig


@dataclass(frozen=True)
class Because:
    """One history item behind a score and how much of it it explains."""

    item: int          # item index of the history artwork
    share: float       # part of this signal's raw score it accounts for
    kind: str          # the strongest event kind the user had with it
    value: float       # that event's value (rating), nan when none
    ts: float          # when, epoch seconds


@dataclass
class FitData:
    """Everything a signal may learn from; all arrays are aligned with ``interactions``."""

    interactions: Interactions
    config: WeightConfig
    vectors: np.ndarray | None = None  # n_items x d unit rows; zero rows where missing
    # ``neighbours(items, count)``: for each item position, about the ``count`` items whose
    # vectors are nearest (an approximate index's answer); ``None`` for a catalog small
    # enough to be compared whole (see ContentSignal).
    neighbours: Callable[[np.ndarray, int], list[np.ndarray]] | None = None

    def __post_init__(self) -> None:
        self.event_weights = self.interactions.event_weights(self.config)
        self.weighted = self.interactions.matrix(self.event_weights)   # users x items
        self.binary = self.interactions.matrix()                        # users x items
        # each visitor's events relative to each other (mean 1), scaled in float64: a
        # visitor whose events are all many half-lives old keeps their taste (in float32
        # those weights underflow, and their rescaling overflowed to inf)
        self.relative = mean_one_rows(self.interactions.matrix(self.event_weights,
                                                               dtype=np.float64))
        self._by_user: tuple[np.ndarray, np.ndarray] | None = None

    def strongest_event(self, user: int, item: int) -> tuple[str, float, float]:
        """The (kind, value, ts) of the heaviest event between a user and an item (of equal
        ones, the last recorded)."""
        it = self.interactions
        if self._by_user is None:  # events grouped by user, in recorded order: one sort
            order = np.argsort(it.users, kind="stable")
            starts = np.searchsorted(it.users[order], np.arange(it.n_users + 1))
            self._by_user = (order, starts)
        order, starts = self._by_user
        events = order[starts[user]:starts[user + 1]]
        events = events[it.items[events] == item]
        if not len(events):
            return ("view", float("nan"), float("nan"))
        weights = self.event_weights[events]
        e = events[np.flatnonzero(weights == weights.max())[-1]]
        return (str(it.kinds[e]), float(it.values[e]), float(it.ts[e]))


class Signal:
    name = "signal"
    label = "Signal"

    def fit(self, data: FitData) -> Signal:
        raise NotImplementedError

    def score(self, users: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def explain(self, user: int, item: int, top: int = 2) -> list[Because]:
        return self.explain_many(user, np.asarray([item]), top)[0]

    def settings(self) -> dict | None:
        """The settings its fitted state depends on besides the data, or ``None`` when that
        state cannot be identified (then nothing derived from it is saved)."""
        return None

    def state(self) -> dict[str, np.ndarray] | None:
        """Its fitted state as arrays, when fitting is slow enough to be worth saving."""
        return None

    def explain_many(self, user: int, items: np.ndarray, top: int = 2) -> list[list[Because]]:
        """:meth:`explain` for several items at once (one matrix operation, not a loop)."""
        return [[] for _ in items]

    def _because(self, data: FitData, user: int, items: np.ndarray, parts: np.ndarray,
                 top: int) -> list[Because]:
        total = parts.sum()
        if total <= 0:
            return []
        order = np.argsort(-parts)[:top]
        out = []
        for j in order:
            if parts[j] <= 0:
                break
            kind, value, ts = data.strongest_event(user, int(items[j]))
            out.append(Because(int(items[j]), float(parts[j] / total), kind, value, ts))
        return out


# With an approximate index (catalogs of ann.GRAPH_MIN_VECTORS works and more) content is
# scored exactly on candidates only: the nearest CANDIDATE_NEIGHBOURS artworks of each of a
# visitor's CANDIDATE_QUERIES heaviest history items, and what the other signals rank best.
CANDIDATE_QUERIES = 32
CANDIDATE_NEIGHBOURS = 100
KERNEL_BYTES = 256 << 20  # at most this many bytes of history x catalog similarities
# The kernel's block while scoring content (history x artworks): about 1 MiB of float32,
# and at least this many artworks.
KERNEL_BLOCK = 1 << 18
MIN_BLOCK = 2048


SMALL_PRODUCT = 1 << 24  # multiply-adds below which einsum beats a threaded BLAS


def small_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b.T``; for a small product with einsum, not BLAS: a threaded BLAS spends far
    longer waking its threads than computing (tens of ms on a busy machine, against under
    one for 10 x 1,400 x 384)."""
    if a.shape[0] * b.shape[0] * a.shape[1] <= SMALL_PRODUCT:
        return np.einsum("hd,id->hi", a, b)
    return a @ b.T


class ContentSignal(Signal):
    """Similarity of each artwork to the user's history in embedding space.

    ``score(u, i) = sum_h w(u,h) k(cos(h, i)) / sum_h w(u,h)`` with the kernel
    ``k(s) = max(s, 0) ** sharpness``: an artwork close to *any* of a user's interests
    scores high, so separate interests do not blur into one average taste.

    Where the data come with ``neighbours`` (a catalog large enough for an approximate
    index), a visitor's scores are computed for candidates only: the approximate nearest
    neighbours of their heaviest history items plus the artworks given as ``also`` (the
    other signals' best); every other artwork scores 0. A candidate's score is exact.
    """

    name = "content"
    label = "Content similarity"

    def __init__(self, sharpness: float = 3.0, chunk_history: int = 1024):
        self.sharpness = sharpness
        self.chunk_history = chunk_history

    def fit(self, data: FitData) -> ContentSignal:
        self.data = data
        n = data.interactions.n_items
        self.vectors = (data.vectors if data.vectors is not None
                        else np.zeros((n, 1), dtype=np.float32))
        self.weighted = data.relative  # the score is a weighted mean: only ratios count
        self.neighbours = data.neighbours
        return self

    def settings(self) -> dict:
        return {"sharpness": self.sharpness}

    def _kernel(self, sims: np.ndarray) -> np.ndarray:
        np.maximum(sims, 0.0, out=sims)
        if self.sharpness == 3.0:  # the default: two multiplies beat a general power
            cube = sims * sims
            cube *= sims
            return cube
        if self.sharpness != 1.0:
            np.power(sims, self.sharpness, out=sims)
        return sims

    def score(self, users: np.ndarray, also: np.ndarray | None = None) -> np.ndarray:
        """Scores of every artwork for each of ``users``; with an approximate index, of the
        candidates (``also``: per user, more artworks to score, e.g. the other signals'
        best), 0 elsewhere."""
        if self.neighbours is not None:
            return self._score_candidates(users, also)
        rows = self.weighted[users]
        n = self.vectors.shape[0]
        out = np.zeros((len(users), n), dtype=np.float32)
        history = np.unique(rows.indices)
        if len(history) == 0:
            return out
        totals = np.asarray(rows.sum(axis=1)).ravel()
        # history rows per block: at most chunk_history, and KERNEL_BYTES of similarities
        rows_per = max(1, min(self.chunk_history, KERNEL_BYTES // (4 * self.vectors.shape[0])))
        for start in range(0, len(history), rows_per):
            part = history[start:start + rows_per]
            w = rows[:, part]
            # One product for the similarities (many small ones cost a threaded BLAS a
            # wake-up each), then the kernel and the weighted sum in blocks of artworks
            # small enough to stay in the CPU's cache: over the whole history x catalog
            # at once (10 MB for a visitor with 35 works among 69k) every pass of the
            # kernel is a trip to memory. The scores are the same, bit for bit.
            sims = self.vectors[part] @ self.vectors.T
            step = max(MIN_BLOCK, KERNEL_BLOCK // len(part))
            for lo in range(0, n, step):
                kernel = self._kernel(sims[:, lo:lo + step])
                out[:, lo:lo + step] += (w @ kernel).astype(np.float32, copy=False)
        out /= np.maximum(totals, 1e-12)[:, None].astype(np.float32)
        return out

    def _score_candidates(self, users: np.ndarray, also: np.ndarray | None) -> np.ndarray:
        rows = self.weighted[users]
        out = np.zeros((len(users), self.vectors.shape[0]), dtype=np.float32)
        histories = [(rows.indices[a:b], rows.data[a:b])
                     for a, b in zip(rows.indptr[:-1], rows.indptr[1:], strict=True)]
        queries = [h[np.argsort(-w, kind="stable")[:CANDIDATE_QUERIES]] for h, w in histories]
        found = iter(self.neighbours(np.concatenate([[], *queries]).astype(np.int64),
                                     CANDIDATE_NEIGHBOURS))
        for r, ((history, w), asked) in enumerate(zip(histories, queries, strict=True)):
            near = [next(found) for _ in asked]
            if not len(history):
                continue
            if also is not None:
                near.append(np.asarray(also[r], dtype=np.int64))
            cand = np.unique(np.concatenate(near))
            total = np.zeros(len(cand), dtype=np.float32)
            vectors = self.vectors[cand]
            for start in range(0, len(history), self.chunk_history):
                part = slice(start, start + self.chunk_history)
                kernel = self._kernel(small_product(self.vectors[history[part]], vectors))
                total += w[part] @ kernel
            out[r, cand] = total / max(float(w.sum()), 1e-12)
        return out

    def score_vector(self, history: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Scores for an ad-hoc history (item indices and weights), e.g. a new visitor."""
        kernel = self._kernel(self.vectors[history] @ self.vectors.T)
        return (weights @ kernel) / max(weights.sum(), 1e-12)

    def explain_many(self, user: int, items: np.ndarray, top: int = 2) -> list[list[Because]]:
        row = self.weighted[user]
        history, w = row.indices, row.data
        if len(history) == 0:
            return [[] for _ in items]
        sims = small_product(self.vectors[history], self.vectors[items])
        parts = w[:, None] * self._kernel(sims)
        return [self._because(self.data, user, history, parts[:, j], top)
                for j in range(len(items))]


# EASE inverts an n x n Gram matrix of the artworks visitors interacted with, here through a
# float32 Cholesky factor (LAPACK potrf + potri: about n^3 floating-point operations, half
# those of a general inverse and each twice as cheap; the same B to 5e-7 of its largest
# entry) holding four n x n float32 arrays at most. The rate is what that inversion sustained
# on this project's 2-core machine with the CPU shared (n = 4,000 in 5.5 s at a load average
# of 8.5: 11.6 GFLOP/s; n = 9,724 took 67 s there), rounded down so the prediction errs
# towards kNN. The fit runs once per change of the histories, in the background, and is saved
# beside the database (see :mod:`.saved`), so no visitor's list waits for it: the budget
# lets a catalog of up to about 10,000 interacted works keep EASE, which ranks clearly better
# than kNN there (ml-latest-small, temporal split: nDCG@10 0.1346 against 0.1161), while a
# larger one gets kNN, fitted in seconds.
EASE_FLOPS_PER_SECOND = 10e9
EASE_SECONDS = 120.0
EASE_BYTES = 2 << 30


def ease_cost(n_items: int) -> tuple[float, int]:
    """Predicted seconds and bytes of an EASE fit over ``n_items`` artworks."""
    return float(n_items) ** 3 / EASE_FLOPS_PER_SECOND, 4 * 4 * n_items * n_items


def ease_weights(gram: np.ndarray, l2: float) -> np.ndarray:
    """EASE's item-item weights ``B = -P / diag(P)`` (zero diagonal) for ``P = (G + l2 I)^-1``,
    in float32 through a Cholesky factor; ``gram`` is overwritten."""
    from scipy.linalg import lapack

    gram = np.asarray(gram, dtype=np.float32, order="F")
    if gram.shape[0] == 0:  # nobody interacted with anything yet
        return np.zeros((0, 0), dtype=np.float32)
    gram[np.diag_indices_from(gram)] += l2
    factor, info = lapack.spotrf(gram, lower=1, overwrite_a=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"EASE's Gram matrix is not positive definite ({info})")
    p, info = lapack.spotri(factor, lower=1, overwrite_c=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"EASE's Gram matrix could not be inverted ({info})")
    p = np.tril(p)
    p += np.tril(p, -1).T  # potri fills one triangle
    diag = np.diag(p).copy()
    p /= -diag[None, :]
    p[np.diag_indices_from(p)] = 0.0
    return np.ascontiguousarray(p, dtype=np.float32)


class ItemCFSignal(Signal):
    """Item-to-item collaborative filtering learned from all users' histories.

    EASE (a closed-form item-item model) over the artworks anyone interacted with while its
    predicted cost (see :func:`ease_cost`) is within ``ease_seconds`` and ``ease_bytes``;
    beyond that, cosine item kNN keeping the ``neighbours`` strongest links per artwork
    (sparse, fits in memory for 100,000+). ``method`` forces one of them.

    A visitor's history counts by event kind and age (the profile's kind weights and
    half-life), rescaled so the visitor's mean event weighs 1: a purchase outweighs a view
    and last month outweighs last year, while a visitor who has been away is not faded
    as a whole.
    """

    name = "item"
    label = "Visitors with similar taste"

    def __init__(self, l2: float = 500.0, neighbours: int = 100, use_weights: bool = True,
                 learn_weighted: bool = False, method: str = "auto",
                 ease_seconds: float = EASE_SECONDS, ease_bytes: int = EASE_BYTES):
        if method not in ("auto", "ease", "knn"):
            raise ValueError(f"unknown item CF method {method!r}")
        self.l2 = l2
        self.method_wanted = method
        self.ease_seconds = ease_seconds
        self.ease_bytes = ease_bytes
        self.neighbours = neighbours
        self.use_weights = use_weights
        self.learn_weighted = learn_weighted

    def fit(self, data: FitData) -> ItemCFSignal:
        learn = self._prepare(data)
        active = self.active
        xa = learn[:, active]
        if self.choose(len(active)) == "ease":
            self.method = "ease"
            self.b = ease_weights((xa.T @ xa).toarray(), self.l2)
        else:
            self.method = "knn"
            self.b = cosine_neighbours(xa, self.neighbours)
        return self

    def _prepare(self, data: FitData) -> sp.csr_matrix:
        """What :meth:`fit` and :meth:`restore` share: the histories as the model reads
        them, and which artworks it has data for. Returns the matrix it learns from."""
        self.data = data
        self.x = data.relative if self.use_weights else \
            data.binary.tocsr().astype(np.float32)
        learn = self.x if self.learn_weighted else data.binary.tocsr().astype(np.float32)
        self.active = np.flatnonzero(np.asarray((learn != 0).sum(axis=0)).ravel())
        self.known = np.zeros(learn.shape[1], dtype=bool)  # artworks it has data for
        self.known[self.active] = True
        self.n_items = learn.shape[1]
        return learn

    def choose(self, n_active: int) -> str:
        """``"ease"`` while its predicted cost for ``n_active`` artworks is within budget."""
        if self.method_wanted != "auto":
            return self.method_wanted
        seconds, memory = ease_cost(n_active)
        return "ease" if seconds <= self.ease_seconds and memory <= self.ease_bytes else "knn"

    # -- saved beside the database (see :mod:`.saved`) ---------------------------------
    def settings(self) -> dict:
        """What the fitted model depends on besides the data (part of its fingerprint)."""
        return {"l2": self.l2, "neighbours": self.neighbours,
                "learn_weighted": self.learn_weighted, "method": self.method_wanted,
                "rule": [EASE_FLOPS_PER_SECOND, self.ease_seconds, self.ease_bytes]}

    def learns_from(self, data: FitData) -> list[np.ndarray]:
        """The arrays the fitted model is a function of (with :meth:`settings`)."""
        m = data.weighted if self.learn_weighted else data.binary
        out = [m.indptr, m.indices]
        if self.learn_weighted:
            out.append(np.round(m.data.astype(np.float64), 5))
        return out

    def state(self) -> dict[str, np.ndarray]:
        """The fitted model as arrays (no pickle)."""
        if self.method == "ease":
            return {"method": np.asarray([0]), "b": self.b}
        b = self.b.tocsr()
        return {"method": np.asarray([1]), "b_data": b.data, "b_indices": b.indices,
                "b_indptr": b.indptr}

    def restore(self, data: FitData, arrays: dict[str, np.ndarray]) -> bool:
        """Take a saved model (see :meth:`state`) for ``data``; False when it does not fit
        these histories (nothing is changed then)."""
        self._prepare(data)
        n = len(self.active)
        try:
            if int(arrays["method"][0]) == 0:
                b = arrays["b"]
                if b.shape != (n, n) or b.dtype != np.float32:
                    return False
                self.method, self.b = "ease", b
            else:
                indptr, indices = arrays["b_indptr"], arrays["b_indices"]
                if len(indptr) != n + 1 or (len(indices) and int(indices.max()) >= n):
                    return False
                self.method = "knn"
                self.b = sp.csr_matrix((arrays["b_data"], indices, indptr), shape=(n, n))
        except (KeyError, IndexError, ValueError):
            return False
        return True

    def score(self, users: np.ndarray) -> np.ndarray:
        xa = self.x[users][:, self.active]
        part = xa @ self.b
        part = part.toarray() if sp.issparse(part) else np.asarray(part)
        out = np.zeros((len(users), self.n_items), dtype=np.float32)
        out[:, self.active] = part
        return out

    def explain_many(self, user: int, items: np.ndarray, top: int = 2) -> list[list[Because]]:
        items = np.asarray(items)
        pos = np.minimum(np.searchsorted(self.active, items), len(self.active) - 1)
        known = self.active[pos] == items
        row = self.x[user]
        if len(row.indices) == 0 or not known.any():
            return [[] for _ in items]
        hist_pos = np.searchsorted(self.active, row.indices)
        block = self.b[hist_pos][:, pos[known]]  # history x known items, one gather
        block = block.toarray() if sp.issparse(block) else np.asarray(block)
        out: list[list[Because]] = [[] for _ in items]
        for j, i in enumerate(np.flatnonzero(known)):
            out[i] = self._because(self.data, user, row.indices, row.data * block[:, j], top)
        return out


class PopularitySignal(Signal):
    """How much visitors engaged with each artwork lately (kind-weighted, time-decayed)."""

    name = "popularity"
    label = "Popular lately"

    def fit(self, data: FitData) -> PopularitySignal:
        self.data = data
        self.values = np.asarray(data.weighted.sum(axis=0)).ravel().astype(np.float32)
        self.rank = np.empty_like(self.values, dtype=np.int64)
        self.rank[np.argsort(-self.values, kind="stable")] = np.arange(1, len(self.values) + 1)
        return self

    def settings(self) -> dict:
        return {}

    def score(self, users: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.values, (len(users), len(self.values))).copy()


def mean_one_rows(m: sp.csr_matrix) -> sp.csr_matrix:
    """Each row scaled so its stored entries average 1 (relative weights kept), as float32;
    the scaling is done in float64, so tiny (decayed) rows neither vanish nor overflow."""
    m = m.tocsr().astype(np.float64)
    counts = np.diff(m.indptr).astype(np.float64)
    sums = np.asarray(m.sum(axis=1)).ravel()
    factor = np.where(sums > 0, counts / np.where(sums > 0, sums, 1.0), 0.0)
    return (sp.diags(factor) @ m).astype(np.float32).tocsr()


def cosine_neighbours(x: sp.spmatrix, k: int) -> sp.csr_matrix:
    """Each column's ``k`` most cosine-similar other columns of ``x`` (users x items).

    Returns an items x items float32 CSR matrix (columns not sorted) whose row ``i`` keeps
    artwork ``i``'s ``k`` strongest positive links; of equal similarities at the cut, any.
    ``sparse_dot_topn`` multiplies and keeps each row's strongest ``k + 1`` in one pass
    (the whole items x items product is never held: 4 GB at a million artworks); the
    artwork itself is then dropped, or the weakest where equal links outranked it.
    """
    from sparse_dot_topn import sp_matmul_topn

    x = sp.csr_matrix(x, dtype=np.float32)
    n = x.shape[1]
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=0)).ravel())
    xn = x.copy()
    xn.data *= (1.0 / np.maximum(norms, 1e-12)).astype(np.float32)[xn.indices]
    sim = sp_matmul_topn(xn.T.tocsr(), xn, top_n=k + 1, threshold=0.0).tocsr()
    rows = np.repeat(np.arange(n, dtype=np.int32), np.diff(sim.indptr))
    keep = sim.indices != rows
    # where k + 1 equal links outranked the artwork itself, the weakest of them goes too
    counts = np.diff(sim.indptr) - np.bincount(rows[~keep], minlength=n)
    if (counts > k).any():
        crowded = np.flatnonzero((counts > k)[rows] & keep)
        keep[crowded] = _top_per_row(sim.data[crowded], rows[crowded],
                                     np.ones(len(crowded), dtype=bool), k)
        counts = np.minimum(counts, k)
    return sp.csr_matrix((sim.data[keep].astype(np.float32, copy=False), sim.indices[keep],
                          np.concatenate([[0], np.cumsum(counts)])), shape=(n, n))


def _top_per_row(values: np.ndarray, rows: np.ndarray, valid: np.ndarray,
                 k: int) -> np.ndarray:
    """Which entries are among their row's ``k`` largest valid ``values`` (positive; of
    equal ones, the earlier entry), for entries grouped by ``rows`` (non-decreasing)."""
    counts = np.bincount(rows[valid], minlength=int(rows[-1]) + 1 if len(rows) else 0)
    crowded = valid & (counts > k)[rows]
    out = valid & ~crowded  # rows with at most k valid entries keep them all
    pick = np.flatnonzero(crowded)
    if not len(pick):
        return out
    # One sort for every crowded row: the row in the high bits, then the value descending
    # (a positive float32's bits order like the float).
    key = rows[pick].astype(np.int64) << 31
    key |= 0x7FFFFFFF - values[pick].view(np.int32)
    order = np.argsort(key, kind="stable")
    # rank within its row: rows come in order, each as many times as it has crowded entries
    sizes = counts[counts > k]
    starts = np.cumsum(sizes) - sizes
    rank = np.arange(len(order)) - np.repeat(starts, sizes)
    out[pick[order[rank < k]]] = True
    return out
