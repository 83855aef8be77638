"""Encoder throughput on plain texts: sentence-transformers against Curator's TextEncoder.

    python benchmarks/bench_encoder.py [--model DIR] [--texts FILE] [--device auto|cpu|cuda]

Needs only numpy, torch, transformers and sentence-transformers, so it runs on a machine
without the rest of Curator's dependencies (the GPU device); see tools/prepare_device.py.
``bench_embed.py`` measures the same encoder end to end through the database.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from curator.core.embedding.text_encoder import TextEncoder, default_model_path  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--texts", type=Path, required=True,
                        help="one text per line (.gz read as gzip)")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--cluster-worker", type=int, nargs="*", default=None, metavar="ROWS",
                        help="also time the cluster embedder's worker (what each Ray worker "
                             "runs, one per GPU) fed Parquet-style batches of ROWS texts "
                             "(default: the cluster's batch size); needs pyarrow")
    parser.add_argument("--budgets", type=lambda v: tuple(map(int, v.split(":"))), nargs="*",
                        metavar="TOKENS:TEXTS",
                        help="also time the encoder with these batch limits (e.g. 64000:1024)")
    args = parser.parse_args()
    import torch
    from sentence_transformers import SentenceTransformer

    opener = gzip.open if args.texts.suffix == ".gz" else open
    with opener(args.texts, "rt", encoding="utf-8") as f:
        texts = f.read().splitlines()[: args.limit]
    model = str(args.model or default_model_path())
    encoder = TextEncoder(model, device=args.device)
    device = encoder.device
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    name = torch.cuda.get_device_name() if device == "cuda" else "CPU"
    print(f"{len(texts):,} texts on {device} ({name})")

    peer = SentenceTransformer(model, device=device)
    if device == "cuda":
        peer.half()
    peer.encode(texts[:512])
    encoder.encode(texts[:512])
    # Two rounds, each side in turn: the first meets every batch shape for the first time
    # (and a GPU may still be raising its clocks); the second is the steady state.
    def timed(fn, *args, **kwargs):
        """``fn(*args, **kwargs)`` and the seconds it took, the device's queued work included."""
        sync()
        start = time.perf_counter()
        out = fn(*args, **kwargs)
        sync()
        return out, time.perf_counter() - start

    for round_ in (1, 2):
        expected, t_peer = timed(peer.encode, texts, normalize_embeddings=True,
                                 convert_to_numpy=True)
        got, t_cur = timed(encoder.encode, texts)
        cosine = (got * expected.astype(np.float32)).sum(axis=1)
        print(f"round {round_}")
        print(f"  sentence-transformers encode(): {len(texts) / t_peer:10,.0f} texts/s")
        print(f"  curator TextEncoder.encode()  : {len(texts) / t_cur:10,.0f} texts/s")
        print(f"  ratio curator/peer            : {t_peer / t_cur:10.2f}x")
        print(f"  min cosine agreement          : {cosine.min():10.5f}")
    del peer
    for budget, rows in args.budgets or []:
        encoder.token_budget, encoder.max_rows = budget, rows
        encoder.encode(texts[:4096])
        got, seconds = timed(encoder.encode, texts)
        cosine = (got * expected.astype(np.float32)).sum(axis=1)
        print(f"  curator, {budget:>7,} tokens / {rows:>5,} texts per batch: "
              f"{len(texts) / seconds:10,.0f} texts/s ({t_peer / seconds:.2f}x the peer's "
              f"second round; min cosine {cosine.min():.5f})")
    if args.cluster_worker is not None:
        cluster_worker(args, texts, expected, timed)


def cluster_worker(args, texts: list[str], expected: np.ndarray, timed) -> None:
    """Throughput of one cluster worker (``EmbedBatch``) on this device, batch by batch as
    Ray Data hands them over, without Ray itself."""
    import pyarrow as pa

    from curator.core.embedding.cluster import DEFAULT_BATCH, EmbedBatch

    worker = EmbedBatch(str(args.model) if args.model else None, args.device)
    for rows in args.cluster_worker or [DEFAULT_BATCH]:
        tables = [pa.table({"id": list(range(s, min(s + rows, len(texts)))),
                            "content_hash": ["-"] * len(texts[s:s + rows]),
                            "text": texts[s:s + rows]})
                  for s in range(0, len(texts), rows)]
        worker(tables[0])
        out, seconds = timed(list, map(worker, tables))
        got = np.concatenate([np.asarray(t.column("vector").combine_chunks().flatten())
                              .reshape(t.num_rows, -1) for t in out])
        cosine = (got * expected.astype(np.float32)).sum(axis=1)
        print(f"cluster worker, {rows:>6,} texts per batch: {len(texts) / seconds:10,.0f} "
              f"texts/s (min cosine {cosine.min():.5f})")


if __name__ == "__main__":
    main()
