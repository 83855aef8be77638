"""One visitor's top-50 with breakdowns over the whole Tate catalog, on the CPU, once warm.

    python benchmarks/bench_recommend.py [--db tate-bench.duckdb] [--users 1000]
        [--random-vectors]

Imports the 69,202 Tate artworks, embeds them (minutes on a CPU the first time; pass
--db to keep the database between runs), adds SYNTHETIC visitor histories (deterministic,
see ``synthetic_events``), then times ``Catalog.recommend(user, k=50)`` with breakdowns
and explanations for many visitors after one warm-up call. Target: under 30 ms.
For scale it also times the peer step every recommender must do: one exact cosine
top-50 over all vectors for one query (NumPy).

``--random-vectors`` stores random unit vectors of the model's shape instead of running the
encoder: the timings are the same (they depend on the shapes, not the values), the lists
and explanations are not meaningful. For machines that cannot embed 69,202 texts in time.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks._common import SHARED_DATA, need  # noqa: E402
from curator.core.catalog import Catalog  # noqa: E402


def synthetic_events(catalog: Catalog, path: Path, n_users: int, seed: int = 7) -> None:
    """Visitors with 2-3 subject interests, 10-60 events each, over 2024-2025."""
    rng = np.random.default_rng(seed)
    rows = catalog.store.con.sql(
        "SELECT id, tags FROM artworks WHERE len(tags) > 0 ORDER BY id").fetchall()
    by_tag: dict[str, list[str]] = {}
    for artwork_id, tags in rows:
        for t in tags:
            by_tag.setdefault(t, []).append(artwork_id)
    common = sorted(t for t, ids in by_tag.items() if len(ids) >= 50)
    kinds = np.array(["view", "favourite", "rating", "purchase"])
    with open(path, "w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["user_id", "artwork_id", "kind", "value", "timestamp"])
        for u in range(n_users):
            interests = rng.choice(common, size=rng.integers(2, 4), replace=False)
            for _ in range(int(rng.integers(10, 61))):
                pool = by_tag[str(rng.choice(interests))]
                kind = kinds[rng.choice(4, p=[0.7, 0.15, 0.1, 0.05])]
                value = int(rng.integers(1, 6)) if kind == "rating" else ""
                ts = 1_704_067_200 + int(rng.integers(0, 2 * 365 * 86400))
                out.writerow([f"V{u:05d}", pool[int(rng.integers(len(pool)))], kind, value, ts])


class RandomEncoder:
    """Stands in for the text encoder in timing runs: random unit vectors, same shape."""

    def __init__(self, dim: int, seed: int = 0):
        self.dim, self.rng = dim, np.random.default_rng(seed)

    def stream(self, texts: list[str], batch: int = 8192):
        for start in range(0, len(texts), batch):
            n = min(batch, len(texts) - start)
            vectors = self.rng.standard_normal((n, self.dim)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            yield np.arange(start, start + n), vectors


def embed_random(catalog: Catalog) -> int:
    from curator.core.embedding.pipeline import embed_text
    from curator.core.embedding.text_encoder import read_model_info

    info = read_model_info(catalog.embeddings.model_path())
    return embed_text(catalog.store, model_id=info.model_id, dim=info.dim,
                      template=catalog.embeddings.template(),
                      load_encoder=lambda: RandomEncoder(info.dim)).embedded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="reuse (or create) this database")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=50, help="visitors timed")
    parser.add_argument("--random-vectors", action="store_true",
                        help="random unit vectors instead of the encoder (timings only)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "tate.duckdb"
        catalog = Catalog(db)
        if catalog.counts()["artworks"] == 0:
            catalog.imports.catalog(need(SHARED_DATA / "tate" / "artworks.jsonl.gz"))
        t = time.perf_counter()
        if args.random_vectors:
            n = embed_random(catalog)
            print(f"stored {n:,} RANDOM vectors (timings only; lists are not meaningful)")
        result = catalog.embeddings.embed(device="cpu").detail
        if result.embedded:
            print(f"embedded {result.embedded:,} artworks in {time.perf_counter() - t:.0f} s")
        if catalog.counts()["events"] == 0:
            events = Path(tmp) / "events.csv"
            synthetic_events(catalog, events, args.users)
            catalog.imports.events(events)
        counts = catalog.counts()
        print(f"{counts['artworks']:,} artworks, {counts['users']:,} synthetic visitors, "
              f"{counts['events']:,} events")
        t = time.perf_counter()
        rec = catalog.recommendations.recommender()
        print(f"fit (content, item CF [{rec.signals['item'].method}], popularity): "
              f"{time.perf_counter() - t:.2f} s")
        users = catalog.visitors.ids()[: args.repeat]
        catalog.recommendations.recommend(users[0], k=50)  # warm-up
        times = []
        for user in users:
            start = time.perf_counter()
            recs = catalog.recommendations.recommend(user, k=50)
            times.append(time.perf_counter() - start)
            assert len(recs) == 50
            assert all(abs(sum(r.breakdown().values()) - r.score) < 1e-5 for r in recs)
        times_ms = np.array(times) * 1000
        # where the time goes: the content signal alone for the same visitors (each one's
        # history x catalog similarities, history x 69,202 x 384 multiply-adds)
        content = rec.signals["content"]
        content_ms = []
        for user in users:
            row = np.asarray([rec.interactions.user_index(user)])
            start = time.perf_counter()
            content.score(row)
            content_ms.append((time.perf_counter() - start) * 1000)
        history = np.median(np.diff(rec.data.binary.indptr)[
            [rec.interactions.user_index(u) for u in users]])
        index = catalog.embeddings.text_index()
        q = index.matrix[0]
        start = time.perf_counter()
        for _ in range(20):
            index.top_k(q, 50)
        peer_ms = (time.perf_counter() - start) / 20 * 1000
        print(f"recommend(user, k=50) with breakdowns + explanations, {len(users)} visitors: "
              f"median {np.median(times_ms):.1f} ms, p95 {np.percentile(times_ms, 95):.1f} ms, "
              f"max {times_ms.max():.1f} ms  (target < 30 ms); load average "
              f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        print(f"  of which the content signal alone: median {np.median(content_ms):.1f} ms "
              f"(median history {history:.0f} artworks)")
        print(f"peer: one exact cosine top-50 over {len(index):,} vectors: {peer_ms:.1f} ms; "
              f"ratio {np.median(times_ms) / peer_ms:.1f}x")
        catalog.close()


if __name__ == "__main__":
    main()
