"""Exact top-k search at catalog scale: Curator's VectorIndex against a plain NumPy peer.

    python benchmarks/bench_search.py [--n 1000000] [--dim 384] [--k 20]

Random unit vectors stand in for artwork embeddings (the cost of an exact search does not
depend on their values). The peer is the textbook NumPy query: ``scores = M @ q`` then a
full ``argsort``; Curator uses one product and a partial sort (torch on a GPU past 200,000
vectors). Also timed: a query restricted by a facet mask (half the catalog).
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    matrix = np.empty((args.n, args.dim), dtype=np.float32)
    for start in range(0, args.n, 100_000):  # fill in slices to keep peak memory down
        block = rng.standard_normal((min(100_000, args.n - start), args.dim), dtype=np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        matrix[start:start + len(block)] = block
    ids = np.asarray([f"A{i:07d}" for i in range(args.n)], dtype=object)
    index = VectorIndex(Space(1, "text", "bench", "bench", args.dim), ids, matrix)
    query = matrix[12345]
    mask = np.zeros(args.n, dtype=bool)
    mask[::2] = True

    def peer():
        return np.argsort(-(matrix @ query))[: args.k]

    t_peer = timed(peer, max(1, args.repeat // 3))
    t_cur = timed(lambda: index.top_k(query, args.k), args.repeat)
    t_mask = timed(lambda: index.top_k(query, args.k, mask), args.repeat)
    assert index.top_k(query, 1)[0][0] == "A0012345"
    print(f"{args.n:,} vectors x {args.dim} dims, top {args.k}")
    print(f"peer (numpy product + full argsort): {t_peer * 1000:8.1f} ms")
    print(f"curator VectorIndex.top_k          : {t_cur * 1000:8.1f} ms  "
          f"({t_peer / t_cur:.1f}x faster)")
    print(f"curator with a facet mask          : {t_mask * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
