"""An approximate nearest-neighbour index for spaces too large for an exact search.

Exact top-k scores every vector: its cost grows with the catalog (about 60 ns a vector on
two CPU cores, so tens of milliseconds per query at a million works, on top of the rest of a
search). Past ``MIN_VECTORS`` a space also gets an HNSW graph (usearch), kept in a file beside
the database (``<db>.<kind>-<space>.usearch``, usearch's own format, never pickle) and opened
memory-mapped. The graph only proposes candidates; :class:`~.search.VectorIndex` re-scores
them exactly, and facet filters are applied exactly to what it proposes.

Keys are 64-bit hashes of each vector's artwork id and content hash, so the file can be
checked against the vectors in the database: a changed artwork's old key is removed and its
new vector added, a new one added, a deleted one removed (:func:`sync`), and the graph is
rebuilt from scratch only when most of it changed.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import CuratorError
from ..progress import CancelToken, ProgressFn, check, report

# Vectors from which a space gets an approximate index: below it an exact search answers
# within an interactive budget (see benchmarks/bench_search.py --ann for the measurement).
MIN_VECTORS = 500_000
# From this many vectors a space gets the graph although its searches stay exact: the
# content signal takes a visitor's candidates from the graph's neighbours of their history
# (see :class:`~curator.core.recommend.signals.ContentSignal`) instead of comparing the
# history with every artwork, which costs about 45 ms a visitor at 100,000 works.
GRAPH_MIN_VECTORS = 50_000
CONNECTIVITY = 16  # graph edges per node
EXPANSION_ADD = 64  # candidates weighed when a vector is inserted
EXPANSION_SEARCH = 512  # ... and when a query walks the graph (recall@50 0.94 at 1M here)
ADD_CHUNK = 50_000  # vectors inserted between progress reports and cancel checks
QUANTIZATION = "i8"  # stored as 8-bit integers (a quarter of the size); re-scored exactly

KEY_SQL = "hash(artwork_id || chr(0) || content_hash)"  # the key of a vector row, in DuckDB


def _usearch():
    try:
        from usearch.index import Index
    except ImportError as exc:  # pragma: no cover - a broken install
        raise CuratorError("The approximate index needs the usearch package; "
                           "reinstall Curator.") from exc
    return Index


def ann_path(db_path: str | Path, kind: str, space_id: int) -> Path:
    """Where the approximate index of a space lives, beside the database."""
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.name}.{kind}-{int(space_id)}.usearch")


class AnnIndex:
    """A memory-mapped HNSW graph over a space's vectors. Read-only; any thread may search."""

    def __init__(self, index, path: Path):
        self._index = index
        self.path = path

    def __len__(self) -> int:
        return len(self._index)

    def search(self, query: np.ndarray, count: int) -> np.ndarray:
        """The keys of about the ``count`` nearest vectors to ``query``, nearest first."""
        count = min(int(count), len(self._index))
        if count <= 0:
            return np.empty(0, dtype=np.uint64)
        found = self._index.search(np.asarray(query, dtype=np.float32), count, threads=1)
        return np.asarray(found.keys, dtype=np.uint64)

    def search_many(self, queries: np.ndarray, count: int) -> list[np.ndarray]:
        """:meth:`search` for each row of ``queries``, in one call."""
        count = min(int(count), len(self._index))
        if count <= 0 or not len(queries):
            return [np.empty(0, dtype=np.uint64) for _ in range(len(queries))]
        queries = np.asarray(queries, dtype=np.float32).reshape(len(queries), -1)
        if len(queries) == 1:
            return [self.search(queries[0], count)]
        found = self._index.search(queries, count, threads=1)
        keys = np.asarray(found.keys, dtype=np.uint64).reshape(len(queries), -1)
        counts = np.asarray(found.counts).reshape(-1)
        return [keys[i, :counts[i]] for i in range(len(queries))]

    @classmethod
    def open(cls, path: Path, ndim: int) -> AnnIndex:
        """Map the file at ``path`` (an index of ``ndim``-dimensional vectors) read-only."""
        Index = _usearch()
        index = Index(ndim=ndim, metric="ip", dtype=QUANTIZATION)
        try:
            index.view(str(path))
        except (RuntimeError, ValueError) as exc:
            raise CuratorError(f"The approximate index {path} is damaged ({exc}); delete it "
                               "and it is rebuilt.") from exc
        if index.ndim != ndim:
            raise CuratorError(f"The approximate index {path} holds vectors of {index.ndim} "
                               f"dimensions, not {ndim}; delete it and it is rebuilt.")
        index.expansion_search = EXPANSION_SEARCH
        return cls(index, path)

    def keys(self) -> np.ndarray:
        return np.asarray(self._index.keys, dtype=np.uint64)


def in_sync(path: Path, keys: np.ndarray, ndim: int) -> AnnIndex | None:
    """The index at ``path`` when it holds exactly ``keys``; else ``None``."""
    if not path.is_file():
        return None
    try:
        ann = AnnIndex.open(path, ndim)
    except CuratorError:
        return None
    if len(ann) != len(keys) or not np.array_equal(np.sort(ann.keys()), np.sort(keys)):
        return None
    return ann


def sync(path: Path, keys: np.ndarray, matrix: np.ndarray, *,
         progress: ProgressFn | None = None, cancel: CancelToken | None = None) -> AnnIndex:
    """Bring the index at ``path`` up to ``keys`` (row ``i`` of ``matrix`` is key ``i``).

    Extends the existing file with the vectors it lacks and removes those no longer
    present; builds it afresh when there is none, it cannot be read, or most of it changed.
    The new file replaces the old one only once it is complete, so a cancelled or failed
    run leaves the previous index as it was.
    """
    keys = np.asarray(keys, dtype=np.uint64)
    ndim = matrix.shape[1]
    current = in_sync(path, keys, ndim)
    if current is not None:
        return current
    Index = _usearch()
    index = None
    if path.is_file():
        index = Index(ndim=ndim, metric="ip", dtype=QUANTIZATION)
        try:
            index.load(str(path))
            if index.ndim != ndim:
                index = None
        except (RuntimeError, ValueError):
            index = None
    add = np.arange(len(keys))
    if index is not None:
        have = np.asarray(index.keys, dtype=np.uint64)
        gone = np.setdiff1d(have, keys, assume_unique=True)
        add = np.flatnonzero(~np.isin(keys, have, assume_unique=True))
        if len(gone) + len(add) > len(keys) // 2:
            index = None  # mostly new: a fresh graph is better than a patched one
            add = np.arange(len(keys))
        elif len(gone):
            index.remove(gone)
    if index is None:
        index = Index(ndim=ndim, metric="ip", dtype=QUANTIZATION, connectivity=CONNECTIVITY,
                      expansion_add=EXPANSION_ADD, expansion_search=EXPANSION_SEARCH)
    for start in range(0, len(add), ADD_CHUNK):
        rows = add[start:start + ADD_CHUNK]
        report(progress, start, len(add), "Indexing vectors for fast search")
        index.add(keys[rows], np.ascontiguousarray(matrix[rows]), threads=0)
        check(cancel)
    report(progress, len(add), len(add), "Indexing vectors for fast search")
    partial = path.with_name(path.name + ".partial")
    index.save(str(partial))
    del index
    os.replace(partial, path)
    return AnnIndex.open(path, ndim)
