"""Exact top-k search at catalog scale: Curator's VectorIndex against a plain NumPy peer.

    python benchmarks/bench_search.py [--n 1000000] [--dim 384] [--k 20]
    python benchmarks/bench_search.py --catalog [--n 1000000] [--db PATH]

Random unit vectors stand in for artwork embeddings (the cost of an exact search does not
depend on their values). The peer is the textbook NumPy query: ``scores = M @ q`` then a
full ``argsort``; Curator uses one product and a partial sort (torch on a GPU past 200,000
vectors). Also timed: a query restricted to the rows a facet filter allowed (half the catalog).

With ``--catalog`` the whole path runs through a real database of ``--n`` synthetic artworks
(built once at ``--db``, reused after): loading the vectors, "more like this" through
``Catalog.similar`` with and without facet filters. The peer is the same query written in
DuckDB alone (``array_cosine_similarity`` over the vector table, the filter in the WHERE).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from curator.core.embedding.search import VectorIndex  # noqa: E402
from curator.core.embedding.spaces import Space  # noqa: E402


def timed(func, repeat: int) -> float:
    func()
    start = time.perf_counter()
    for _ in range(repeat):
        func()
    return (time.perf_counter() - start) / repeat


def unit_vectors(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    block = rng.standard_normal((n, dim), dtype=np.float32)
    block /= np.linalg.norm(block, axis=1, keepdims=True)
    return block


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--catalog", action="store_true",
                        help="run through a database of --n synthetic artworks")
    parser.add_argument("--db", type=Path, default=None,
                        help="where that database is built (default: a temporary folder)")
    args = parser.parse_args()
    if args.catalog:
        catalog_scale(args)
        return
    rng = np.random.default_rng(0)
    matrix = np.empty((args.n, args.dim), dtype=np.float32)
    for start in range(0, args.n, 100_000):  # fill in slices to keep peak memory down
        matrix[start:start + 100_000] = unit_vectors(rng, min(100_000, args.n - start), args.dim)
    ids = np.asarray([f"A{i:07d}" for i in range(args.n)], dtype=object)
    index = VectorIndex(Space(1, "text", "bench", "bench", args.dim), ids, matrix)
    query = matrix[12345]
    half = np.arange(0, args.n, 2)  # rows a facet filter allowed

    def peer():
        return np.argsort(-(matrix @ query))[: args.k]

    t_peer = timed(peer, max(1, args.repeat // 3))
    t_cur = timed(lambda: index.top_k(query, args.k), args.repeat)
    t_mask = timed(lambda: index.top_k(query, args.k, half), args.repeat)
    assert index.top_k(query, 1)[0][0] == "A0012345"
    print(f"{args.n:,} vectors x {args.dim} dims, top {args.k}")
    print(f"peer (numpy product + full argsort): {t_peer * 1000:8.1f} ms")
    print(f"curator VectorIndex.top_k          : {t_cur * 1000:8.1f} ms  "
          f"({t_peer / t_cur:.1f}x faster)")
    print(f"curator, half the rows allowed     : {t_mask * 1000:8.1f} ms")


def build_catalog(path: Path, n: int) -> None:
    """``n`` synthetic artworks with facets and a vector each, in the current text space."""
    from curator.core.catalog import Catalog
    from curator.core.embedding.spaces import get_or_create_space, write_vectors
    from curator.core.embedding.text_encoder import read_model_info

    with Catalog(path) as catalog:
        info = read_model_info(catalog.embeddings.model_path())
        with catalog.store.transaction() as cur:
            cur.execute("INSERT INTO import_batches (id, kind, source_path, source_sha256, "
                        "started_at, finished_at, accepted, rejected, inserted, updated, "
                        "unchanged) VALUES (1, 'catalog', 'synthetic', '', now(), now(), ?, 0, "
                        "?, 0, 0)", [n, n])
            cur.execute(
                "INSERT INTO artworks (id, title, artists, year_start, year_end, medium, "
                "classification, tags, content_hash, batch_id, updated_at) "
                "SELECT printf('A%07d', i), 'Work ' || i, ['Artist ' || (i % 20000)], "
                "1500 + i % 520, 1500 + i % 520 + i % 3, "
                "['oil on canvas', 'watercolour', 'bronze', 'etching', 'photograph'][i % 5 + 1], "
                "'artwork', ['subject ' || (i % 400), 'theme ' || (i % 23)], md5(i::VARCHAR), 1, "
                "now() FROM range(?) t(i)", [n])
        space = get_or_create_space(catalog.store, "text", info.model_id,
                                    catalog.embeddings.template(), info.dim)
        rng = np.random.default_rng(0)
        step = 100_000
        for start in range(0, n, step):
            count = min(step, n - start)
            cur = catalog.store.cursor()
            ids = [f"A{i:07d}" for i in range(start, start + count)]
            hashes = [r[0] for r in cur.execute(
                "SELECT md5(i::VARCHAR) FROM range(?, ?) t(i) ORDER BY i",
                [start, start + count]).fetchall()]
            with catalog.store.transaction(cur) as cur:
                write_vectors(cur, space, ids, hashes, unit_vectors(rng, count, info.dim))
            cur.close()


def catalog_scale(args: argparse.Namespace) -> None:
    import tempfile

    from curator.core.catalog import Catalog
    from curator.core.embedding.search import Filters

    folder = None
    if args.db is None:
        folder = tempfile.TemporaryDirectory()
        args.db = Path(folder.name) / "scale.duckdb"
    if not args.db.exists():
        start = time.perf_counter()
        build_catalog(args.db, args.n)
        print(f"built {args.n:,} synthetic artworks with vectors in "
              f"{time.perf_counter() - start:.1f} s ({args.db})")
    cases = [
        ("no filter", Filters(), "TRUE", []),
        ("artist (50 works)", Filters(artist="Artist 77"),
         "list_contains([lower(x) for x in a.artists], lower(?))", ["Artist 77"]),
        ("tag (1 in 23)", Filters(tag="theme 5"),
         "list_contains([lower(x) for x in a.tags], lower(?))", ["theme 5"]),
        ("years 1800-1850", Filters(year_from=1800, year_to=1850),
         "a.year_end >= ? AND a.year_start <= ?", [1800, 1850]),
        ("medium (1 in 5)", Filters(medium="bronze"), "a.medium ILIKE ?", ["%bronze%"]),
    ]
    with Catalog(args.db, read_only=True) as catalog:
        start = time.perf_counter()
        index = catalog.embeddings.text_index()
        load = time.perf_counter() - start
        start = time.perf_counter()
        catalog.artworks.similar("A0012345", k=args.k)
        first = time.perf_counter() - start
        print(f"{len(index):,} artworks x {index.matrix.shape[1]} dims, top {args.k}")
        print(f"loading the vectors: {load:.2f} s; first query after: {first * 1000:.0f} ms")
        table = index.space.table
        cur = catalog.store.cursor()
        print(f"{'':20} {'curator':>10} {'duckdb sql':>11} {'ratio':>7}")
        for name, filters, where, params in cases:
            ours = catalog.artworks.similar("A0012345", k=args.k, filters=filters)
            sql = (f"SELECT e.artwork_id, array_cosine_similarity(e.vector, q.vector) AS s "
                   f"FROM {table} e JOIN artworks a ON a.id = e.artwork_id "
                   f"AND a.content_hash = e.content_hash, "
                   f"(SELECT vector FROM {table} WHERE artwork_id = 'A0012345') q "
                   f"WHERE e.artwork_id <> 'A0012345' AND {where} ORDER BY s DESC LIMIT {args.k}")
            theirs = cur.execute(sql, params).fetchall()
            if [h.id for h in ours][:5] != [r[0] for r in theirs][:5]:
                sys.exit(f"{name}: the two disagree: {[h.id for h in ours][:5]} vs "
                         f"{[r[0] for r in theirs][:5]}")
            repeat = max(1, args.repeat // 2)
            t_ours = timed(lambda f=filters: catalog.artworks.similar("A0012345", k=args.k,
                                                                      filters=f), repeat)
            t_sql = timed(lambda q=sql, p=params: cur.execute(q, p).fetchall(), repeat)
            print(f"{name:20} {t_ours * 1000:8.1f} ms {t_sql * 1000:8.1f} ms "
                  f"{t_sql / t_ours:6.1f}x")
        cur.close()
    if folder is not None:
        folder.cleanup()


if __name__ == "__main__":
    main()
