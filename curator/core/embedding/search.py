"""Nearest neighbours over a space's vectors, with facet filters.

Scores are cosine similarities (vectors are unit length): one matrix product and a
partial sort. On a CUDA GPU the product runs in torch; NumPy otherwise. A large space can
carry an approximate index (:mod:`.ann`) that proposes candidates for unfiltered and
broadly filtered queries; they are re-scored exactly, and filters always apply exactly.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..store import Store
from . import ann as ann_module
from .ann import AnnIndex
from .spaces import Space, read_vectors

TIE = 1e-6  # scores closer than this are equal for ranking
ANN_MAX_K = 2_000  # deeper rankings are computed exactly
OVERSAMPLE = 2  # the approximate index proposes this many times the candidates needed


@dataclass(frozen=True)
class Filters:
    """Facet filters; each one given narrows the candidates."""

    artist: str | None = None
    medium: str | None = None
    classification: str | None = None
    tag: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    text: str | None = None  # keyword words: matched by the keyword index, not by where()
    # (extra field, value) pairs, e.g. (("department", "Prints"),); a value matches one of
    # the "; "-separated values the field holds, ignoring case.
    extra: tuple[tuple[str, str], ...] = ()

    def active(self) -> bool:
        return any(v is not None and v != "" and v != () for v in self.__dict__.values())

    def facets_active(self) -> bool:
        return any(v is not None and v != "" and v != () for k, v in self.__dict__.items()
                   if k != "text")

    def where(self) -> tuple[str, list]:
        """A SQL condition over ``artworks`` for the facets, and its parameters (always ``?``
        bound). ``text`` is left out: see :meth:`ArtworkManager.find_ids`."""
        parts: list[str] = []
        params: list = []
        if self.artist:
            parts.append("list_contains([lower(x) for x in artists], lower(?))")
            params.append(self.artist)
        if self.medium:
            parts.append("medium ILIKE ? ESCAPE '\\'")
            params.append(f"%{_escape_like(self.medium)}%")
        if self.classification:
            parts.append("classification ILIKE ? ESCAPE '\\'")
            params.append(f"%{_escape_like(self.classification)}%")
        if self.tag:
            parts.append("list_contains([lower(x) for x in tags], lower(?))")
            params.append(self.tag)
        if self.year_from is not None:
            parts.append("year_end >= ?")
            params.append(int(self.year_from))
        if self.year_to is not None:
            parts.append("year_start <= ?")
            params.append(int(self.year_to))
        for name, value in self.extra:
            parts.append("list_contains([lower(x) for x in string_split(extra[?], '; ')], "
                         "lower(?))")
            params.extend([name, value])
        return (" AND ".join(parts) or "TRUE"), params


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class VectorIndex:
    """All vectors of one space in memory. Build with :meth:`load`; read-only after.

    Rows keep the order they were read in; a sorted copy of the ids answers "which row is
    this artwork" by binary search, and ties in a ranking are broken by artwork id, so
    results never depend on that order.
    """

    def __init__(self, space: Space, ids: np.ndarray, matrix: np.ndarray,
                 keys: np.ndarray | None = None):
        self.space = space
        self.ids = np.asarray(ids, dtype=object)
        self.matrix = matrix
        self.keys = None if keys is None else np.asarray(keys, dtype=np.uint64)
        self.ann: AnnIndex | None = None  # set by :meth:`use_ann`
        self._key_order: np.ndarray | None = None
        order = pc.sort_indices(pa.array(self.ids, type=pa.string())).to_numpy()
        self._order = order.astype(np.int64, copy=False)
        self._sorted_ids = self.ids[self._order]
        self._rank = np.empty(len(order), dtype=np.int64)
        self._rank[self._order] = np.arange(len(order))
        self._id_table = pa.table({"id": pa.array(self._sorted_ids, type=pa.string()),
                                   "pos": pa.array(self._order)})
        self._device_matrix = None

    @classmethod
    def load(cls, store: Store, space: Space) -> VectorIndex:
        cur = store.cursor()
        try:
            ids, matrix, keys = read_vectors(cur, space, keys=True)
        finally:
            cur.close()
        return cls(space, ids, matrix, keys)

    def use_ann(self, ann: AnnIndex | None) -> None:
        """Let ``ann`` (built over :attr:`keys`) propose candidates from now on."""
        if ann is not None and self.keys is None:
            raise ValueError("an approximate index needs the vectors' keys")
        self.ann = ann
        if ann is not None and self._key_order is None:
            self._key_order = np.argsort(self.keys, kind="stable")

    def __len__(self) -> int:
        return len(self.ids)

    def positions(self, artwork_ids) -> np.ndarray:
        """The row of each id, ``-1`` for ids without a vector."""
        wanted = np.asarray(list(artwork_ids), dtype=object)
        if len(wanted) == 0 or len(self.ids) == 0:
            return np.full(len(wanted), -1, dtype=np.int64)
        at = np.searchsorted(self._sorted_ids, wanted).clip(0, len(self.ids) - 1)
        found = self._sorted_ids[at] == wanted
        return np.where(found, self._order[at], -1)

    def position(self, artwork_id: str) -> int | None:
        pos = int(self.positions([artwork_id])[0])
        return None if pos < 0 else pos

    def allowed(self, store: Store, filters: Filters | None) -> np.ndarray | None:
        """Rows allowed by ``filters``, in ascending order (``None``: all rows)."""
        if filters is None or not filters.facets_active():
            return None
        where, params = filters.where()
        cur = store.cursor()
        cur.register("_index_rows", self._id_table)
        try:
            rows = cur.execute(f"SELECT i.pos FROM _index_rows i JOIN artworks a ON a.id = i.id "
                               f"WHERE {where}", params).fetchnumpy()["pos"]
        finally:
            cur.unregister("_index_rows")
            cur.close()
        return np.sort(np.asarray(rows, dtype=np.int64))

    def scores(self, query: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Cosine similarity with ``query`` (one vector) of every row, or of ``rows``."""
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        if rows is not None and len(rows) * 8 <= len(self.ids):
            return self.matrix[rows] @ query  # few rows: gather them rather than score all
        full = None
        if len(self.ids) >= 200_000:
            full = self._gpu_scores(query)
        if full is None:
            full = self.matrix @ query
        return full if rows is None else full[rows]

    def _gpu_scores(self, query: np.ndarray) -> np.ndarray | None:
        torch = sys.modules.get("torch")
        if torch is None:  # no model loaded in this process: not worth a second's import
            return None
        if not torch.cuda.is_available():
            return None
        if self._device_matrix is None:
            self._device_matrix = torch.from_numpy(self.matrix).to("cuda", torch.float16)
        q = torch.from_numpy(query).to("cuda", torch.float16)
        return (self._device_matrix @ q).float().cpu().numpy()

    def top_k(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None,
              exclude: set[str] | None = None) -> list[tuple[str, float]]:
        """The ``k`` best ``(id, score)`` pairs, best first; equal scores in id order.

        ``allowed`` restricts the candidates to those rows (see :meth:`allowed`).
        """
        rows = None if allowed is None else np.asarray(allowed, dtype=np.int64)
        # Few allowed rows are scored exactly (as fast as the graph); many go through it.
        if (self.ann is not None and k <= ANN_MAX_K and len(self) >= ann_module.MIN_VECTORS
                and (rows is None or len(rows) > ann_module.MIN_VECTORS)):
            found = self._approximate(query, k, rows, exclude)
            if found is not None:
                return found
        scores = self.scores(query, rows)
        if exclude:
            excluded = self.positions(exclude)
            excluded = excluded[excluded >= 0]
            if rows is None:
                scores[excluded] = -np.inf
            else:
                scores[np.isin(rows, excluded)] = -np.inf
        return self._best(scores, rows, k)

    def _approximate(self, query: np.ndarray, k: int, rows: np.ndarray | None,
                     exclude: set[str] | None) -> list[tuple[str, float]] | None:
        """Top ``k`` among the candidates the approximate index proposes, re-scored exactly;
        ``None`` when too few of them pass the filter (the caller then searches exactly)."""
        allowed_share = 1.0 if rows is None else len(rows) / max(1, len(self.ids))
        wanted = int(np.ceil((k + len(exclude or ())) * OVERSAMPLE / max(allowed_share, 1e-9)))
        if wanted > 20 * ANN_MAX_K:
            return None
        keys = self.ann.search(query, wanted)
        cand = self._rows_of(keys)
        if rows is not None:  # a binary search each, not a set of the whole filter
            if len(rows) > 1 and (rows[1:] < rows[:-1]).any():
                rows = np.sort(rows)
            at = np.searchsorted(rows, cand).clip(0, len(rows) - 1)
            cand = cand[rows[at] == cand] if len(rows) else cand[:0]
        if exclude:
            excluded = self.positions(exclude)
            cand = cand[~np.isin(cand, excluded)]
        if len(cand) < k and len(keys) >= wanted:
            return None  # the filter left too few: more exist beyond what was asked
        cand = np.sort(cand)
        return self._best(self.matrix[cand] @ np.asarray(query, dtype=np.float32).reshape(-1),
                          cand, k)

    def _rows_of(self, keys: np.ndarray) -> np.ndarray:
        """The rows of the approximate index's ``keys`` (in their order; unknown ones left
        out)."""
        at = np.searchsorted(self.keys, keys, sorter=self._key_order).clip(0, len(self.keys) - 1)
        rows = self._key_order[at]
        return rows[self.keys[rows] == keys]

    def neighbour_rows(self, rows: np.ndarray, count: int) -> list[np.ndarray]:
        """About the ``count`` rows nearest to each of ``rows`` (itself included, nearest
        first), proposed by the approximate index, which must be in use."""
        found = self.ann.search_many(self.matrix[np.asarray(rows, dtype=np.int64)], count)
        return [self._rows_of(keys) for keys in found]

    def _best(self, scores: np.ndarray, rows: np.ndarray | None, k: int
              ) -> list[tuple[str, float]]:
        """The ``k`` best of ``scores`` (of ``rows``, or of every row), ties by id."""
        k = min(k, int(np.isfinite(scores).sum()))
        if k <= 0:
            return []
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        # The k best and any within TIE of the k-th: a matrix product can give identical
        # vectors scores a rounding error apart, and such ties are broken by id.
        picked = np.flatnonzero(scores >= kth - TIE)
        picked = picked[np.argsort(-scores[picked], kind="stable")]
        tie_group = np.concatenate([[0], np.cumsum(np.diff(-scores[picked]) > TIE)])
        at = picked if rows is None else rows[picked]
        best = np.lexsort((self._rank[at], tie_group))[:k]
        return [(str(self.ids[at[i]]), float(scores[picked[i]])) for i in best]
