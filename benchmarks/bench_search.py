"""Top-k search at catalog scale: Curator's VectorIndex against a plain NumPy peer.

    python benchmarks/bench_search.py [--n 1000000] [--dim 384] [--k 20]
    python benchmarks/bench_search.py --catalog [--n 1000000] [--db PATH]
    python benchmarks/bench_search.py --ann [--n 1000000] [--db PATH] [--vectors clustered]
    python benchmarks/bench_search.py --tate [--db PATH] [--device cpu|cuda|auto]

Random unit vectors stand in for artwork embeddings (the cost of an exact search does not
depend on their values). The peer is the textbook NumPy query: ``scores = M @ q`` then a
full ``argsort``; Curator uses one product and a partial sort (torch on a GPU past 200,000
vectors). Also timed: a query restricted to the rows a facet filter allowed (half the catalog).

With ``--catalog`` the whole path runs through a real database of ``--n`` synthetic artworks
(built once at ``--db``, reused after): loading the vectors, "more like this" through
``Catalog.similar`` with and without facet filters. The peer is the same query written in
DuckDB alone (``array_cosine_similarity`` over the vector table, the filter in the WHERE).
That comparison is of the exact path, so the approximate index is switched off for it.

With ``--ann`` the same database gets its approximate index (built, or brought up to date,
and timed), and ``--queries`` queries run through both paths in one run: recall@50 of the
approximate path against the exact one, and each path's latency, unfiltered and with a
broad filter (three in four allowed), at the settings used and at a few others. It also
times exact top-k over the first 100,000, 250,000, 500,000 ... rows, which is how the size
that needs the index was chosen. Vectors are ``clustered`` (like a real catalog's) or
``random`` (the worst case for any graph); see ``benchmarks/synthetic.py``.

With ``--tate`` the real Tate catalog (69,202 works, ../shared/data) is imported into
``--db`` and embedded once (long on a CPU; reused after). Timed: building the keyword index,
and one query through each of: hybrid search (keyword + vectors fused, artist names first),
keyword search, the plain vector top-k and bm25s's own top-k over the same index (the two
peers), ranking only (the query vector computed beforehand) and end to end (with encoding).
The first ten results of plain-language queries naming artists are printed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.synthetic import VECTOR_KINDS, new_catalog, unit_vectors  # noqa: E402
from curator.core.embedding.search import VectorIndex  # noqa: E402
from curator.core.embedding.spaces import Space  # noqa: E402


def timed(func, repeat: int) -> float:
    func()
    start = time.perf_counter()
    for _ in range(repeat):
        func()
    return (time.perf_counter() - start) / repeat


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
    parser.add_argument("--ann", action="store_true",
                        help="approximate against exact search through that database")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--vectors", choices=VECTOR_KINDS, default="clustered",
                        help="synthetic vectors of the database built (default clustered)")
    parser.add_argument("--tate", action="store_true",
                        help="hybrid search on the real Tate catalog against its two parts")
    parser.add_argument("--device", default="auto", help="--tate: where to embed")
    parser.add_argument("--as-is", action="store_true",
                        help="--tate: time the catalog at --db as it is, even if only partly "
                             "embedded")
    args = parser.parse_args()
    if args.catalog or args.ann:
        folder = None
        if args.db is None:
            folder = tempfile.TemporaryDirectory()
            args.db = Path(folder.name) / "scale.duckdb"
        if not args.db.exists():
            start = time.perf_counter()
            new_catalog(args.db, args.n, vectors_kind=args.vectors)
            print(f"built {args.n:,} synthetic artworks with {args.vectors} vectors in "
                  f"{time.perf_counter() - start:.1f} s ({args.db})")
        (ann_scale if args.ann else catalog_scale)(args)
        if folder is not None:
            folder.cleanup()
        return
    if args.tate:
        tate(args)
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


def catalog_scale(args: argparse.Namespace) -> None:
    from curator.core.catalog import Catalog
    from curator.core.embedding.search import Filters

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
        index.use_ann(None)  # the exact path, compared with DuckDB's exact answer
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


_ALLOWED: dict = {}


def allowed_ids(index: VectorIndex, rows: np.ndarray) -> set:
    if id(rows) not in _ALLOWED:
        _ALLOWED[id(rows)] = set(index.ids[rows])
    return _ALLOWED[id(rows)]


def ann_scale(args: argparse.Namespace) -> None:
    from curator.core.catalog import Catalog
    from curator.core.embedding import ann
    from curator.core.embedding import search as search_module

    k = 50
    with Catalog(args.db) as catalog:
        start = time.perf_counter()
        index = catalog.embeddings.text_index()
        print(f"{len(index):,} artworks x {index.matrix.shape[1]} dims; loading the vectors: "
              f"{time.perf_counter() - start:.1f} s")
        if len(index) < ann.MIN_VECTORS:
            ann.MIN_VECTORS = len(index) // 2  # measure the approximate path anyway
        existed = ann.ann_path(args.db, "text", index.space.id).is_file()
        start = time.perf_counter()
        catalog.embeddings.index_vectors()
        took = time.perf_counter() - start
        print(f"approximate index {'checked (already built)' if existed else 'built'} in "
              f"{took:.1f} s: {index.ann.path.stat().st_size / 2**20:,.0f} MiB on disk")
        graph = index.ann
        rng = np.random.default_rng(1)
        rows = rng.choice(len(index), args.queries, replace=False)
        noise = unit_vectors(rng, args.queries, index.matrix.shape[1]) * 0.5
        queries = index.matrix[rows] + noise  # near a work, as a text query or "more like" is
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        broad = np.flatnonzero(np.arange(len(index)) % 4 != 0)  # a filter allowing 3 in 4
        print(f"{args.queries} queries, top {k}; exact and approximate in the same run")
        print(f"{'':38} {'recall@50':>9} {'median':>9} {'p95':>9} {'exact median':>13} "
              f"{'ratio':>6}")
        for name, allowed in (("no filter", None), ("filter allowing 3 in 4", broad)):
            index.use_ann(None)
            exact_t, truth = [], []
            for q in queries:
                t0 = time.perf_counter()
                truth.append({i for i, _ in index.top_k(q, k, allowed)})
                exact_t.append(time.perf_counter() - t0)
            index.use_ann(graph)
            for q in queries:  # the graph's pages mapped in once, before any timing
                index.top_k(q, k, allowed)
            for expansion, oversample in ((ann.EXPANSION_SEARCH, search_module.OVERSAMPLE),
                                          (64, 2), (256, 2), (1024, 2), (512, 4)):
                graph._index.expansion_search = expansion
                search_module.OVERSAMPLE, saved = oversample, search_module.OVERSAMPLE
                ann_t, recalls = [], []
                for q, want in zip(queries, truth, strict=True):
                    t0 = time.perf_counter()
                    got = {i for i, _ in index.top_k(q, k, allowed)}
                    ann_t.append(time.perf_counter() - t0)
                    recalls.append(len(got & want) / len(want))
                    if allowed is not None and not got <= allowed_ids(index, allowed):
                        sys.exit("a filtered approximate query returned a row the filter "
                                 "excludes")
                search_module.OVERSAMPLE = saved
                label = f"{name} (ef {expansion}, x{oversample})"
                print(f"{label:38} {np.mean(recalls):9.3f} {np.median(ann_t) * 1000:6.2f} ms "
                      f"{np.percentile(ann_t, 95) * 1000:6.2f} ms "
                      f"{np.median(exact_t) * 1000:10.2f} ms "
                      f"{np.median(exact_t) / np.median(ann_t):5.1f}x")
            graph._index.expansion_search = ann.EXPANSION_SEARCH
        print("exact top-50 by catalog size (median of 20 queries):")
        size = 100_000
        while size <= len(index):
            part = VectorIndex(index.space, index.ids[:size], index.matrix[:size])
            times = []
            for q in queries[:20]:
                t0 = time.perf_counter()
                part.top_k(q, k)
                times.append(time.perf_counter() - t0)
            print(f"  {size:>10,} vectors: {np.median(times) * 1000:7.1f} ms")
            size = size * 5 // 2 if str(size).startswith("1") else size * 2



ARTIST_QUERIES = ["Van Gogh masterpieces", "works by Turner", "Turner's masterpieces",
                  "Henry Moore sculpture", "Hepworth", "Constable clouds", "Warhol"]
OTHER_QUERIES = ["stormy sea with ships", "portrait of a woman", "sea", "Durer"]


def tate(args: argparse.Namespace) -> None:
    from _common import SHARED_DATA, need

    from curator.core.catalog import Catalog
    from curator.core.search.hybrid import Query, rank
    from curator.core.search.lexical import LexicalIndex, terms

    source = need(SHARED_DATA / "tate" / "artworks.jsonl.gz")
    args.db = args.db or Path("/tmp/curator-bench-tate.duckdb")
    if not args.as_is:
        with Catalog(args.db) as catalog:
            if catalog.counts()["artworks"] == 0:
                catalog.imports.catalog(source)
            progress = catalog.embeddings.progress()
            if not progress.done:
                print(f"embedding {progress.total - progress.embedded:,} artworks (once) ...",
                      flush=True)
                start = time.perf_counter()
                catalog.embeddings.embed(device=args.device)
                print(f"embedded in {time.perf_counter() - start:.0f} s")
    with Catalog(args.db, read_only=True) as catalog:
        progress = catalog.embeddings.progress()
        if not progress.done:
            print(progress.sentence("vectors cover those only"))
        builds = []
        for _ in range(3):
            start = time.perf_counter()
            lexical = LexicalIndex.build(catalog.store)
            builds.append(time.perf_counter() - start)
        start = time.perf_counter()
        index = catalog.embeddings.text_index()
        load = time.perf_counter() - start
        encoder = catalog.embeddings.text_encoder()
        catalog.artworks.search("warm up", k=args.k)  # loads the model and caches the index
        lexical = catalog.artworks.lexical_index()
        rows = catalog.artworks._vector_rows(lexical, index)
        print(f"{len(lexical):,} artworks, {len(lexical._vocab):,} terms; top {args.k}")
        print(f"keyword index build (best of 3): {min(builds):.2f} s; "
              f"vectors load: {load:.2f} s")
        queries = ARTIST_QUERIES + OTHER_QUERIES
        vectors = {q: encoder.encode([q])[0] for q in queries}

        def bm25s_alone(q):
            wanted = [lexical._vocab[t] for t in terms(q) if t in lexical._vocab]
            return lexical._bm25.retrieve([wanted], k=args.k, show_progress=False,
                                          n_threads=1) if wanted else None

        cases = [
            ("hybrid, ranking", lambda q: rank(Query(q, "hybrid", lexical, index, vectors[q],
                                                     vector_rows=rows), args.k)),
            ("keyword, ranking", lambda q: rank(Query(q, "keyword", lexical), args.k)),
            ("peer: vector top-k", lambda q: index.top_k(vectors[q], args.k)),
            ("peer: bm25s top-k", bm25s_alone),
            ("encode the query", lambda q: encoder.encode([q])),
            ("hybrid, end to end", lambda q: catalog.artworks.search(q, k=args.k)),
            ("vector, end to end", lambda q: catalog.artworks.search(q, k=args.k,
                                                                     mode="semantic")),
        ]
        print(f"median ms per query over {len(queries)} queries x {args.repeat}:")
        medians = {}
        for name, func in cases:
            times = []
            for q in queries:
                func(q)
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    func(q)
                    times.append(time.perf_counter() - start)
            medians[name] = float(np.median(times)) * 1000
            print(f"  {name:22} {medians[name]:8.2f} ms")
        peers = medians["peer: vector top-k"] + medians["peer: bm25s top-k"]
        print(f"hybrid ranking / (vector top-k + bm25s top-k): "
              f"{medians['hybrid, ranking'] / peers:.2f}x; end to end hybrid / vector: "
              f"{medians['hybrid, end to end'] / medians['vector, end to end']:.2f}x")
        for q in ARTIST_QUERIES:
            print(f"\n{q!r}:")
            for n, h in enumerate(catalog.artworks.search(q, k=10), 1):
                how = "artist" if "artist" in (h.parts or {}) else "+".join(sorted(h.parts or {}))
                print(f"  {n:>2}. {h.id:<7} {(h.title or '')[:60]:<60} "
                      f"{', '.join(h.artists)[:34]:<34} {how}")


if __name__ == "__main__":
    main()
