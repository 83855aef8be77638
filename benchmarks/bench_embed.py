"""Embedding throughput: sentence-transformers' encode() against Curator's embedder.

    python benchmarks/bench_embed.py [--device auto|cpu|cuda] [--limit N] [--ceiling]

Both run in this process on the same device over the same texts: the Tate catalog's
artworks rendered with Curator's text template. The peer is
``SentenceTransformer.encode()`` with its defaults (batch size 32, fp32; on CUDA also
fp16 for a fair comparison). Curator's figure is end to end: texts read from the
database, encoded, vectors written back. Prints texts/second for each, the ratio and the
minimum cosine agreement.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks._common import SHARED_DATA, need  # noqa: E402
from curator.core.catalog import Catalog  # noqa: E402
from curator.core.embedding.spaces import read_vectors  # noqa: E402
from curator.core.embedding.templates import catalog_texts  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--limit", type=int, default=None,
                        help="embed only the first N artworks (the CPU takes minutes for all)")
    parser.add_argument("--catalog", type=Path,
                        default=SHARED_DATA / "tate" / "artworks.jsonl.gz")
    parser.add_argument("--model", type=Path, default=None, help="model folder (default MiniLM)")
    parser.add_argument("--ceiling", action="store_true",
                        help="also time the pipeline with the model's work replaced by a "
                             "constant: the most any device could give on this machine")
    args = parser.parse_args()
    import torch
    from sentence_transformers import SentenceTransformer

    device = args.device if args.device != "auto" else (
        "cuda" if torch.cuda.is_available() else "cpu")
    with tempfile.TemporaryDirectory() as tmp:
        catalog = Catalog(Path(tmp) / "bench.duckdb")
        catalog.imports.catalog(need(args.catalog))
        if args.limit:
            catalog.store.con.execute(
                "DELETE FROM artworks WHERE id NOT IN (SELECT id FROM artworks ORDER BY id "
                "LIMIT ?)", [args.limit])
        if args.model:
            catalog.embeddings.set_model_path(args.model)
        model_path = str(catalog.embeddings.model_path())
        text_ids, texts = catalog_texts(catalog.store.con, catalog.embeddings.template())
        n = len(texts)
        print(f"device: {device} ({torch.cuda.get_device_name() if device == 'cuda' else 'CPU'}, "
              f"{torch.get_num_threads()} threads); {n:,} texts, "
              f"mean {np.mean([len(t) for t in texts]):.0f} characters")

        peer = SentenceTransformer(model_path, device=device)
        if device == "cuda":
            peer.half()
        peer.encode(texts[:256], normalize_embeddings=True)  # warm up
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        expected = peer.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
        if device == "cuda":
            torch.cuda.synchronize()
        t_peer = time.perf_counter() - start
        del peer

        encoder = catalog.embeddings.text_encoder(device)
        encoder.encode(texts[:256])  # warm up, as for the peer
        start = time.perf_counter()
        result = catalog.embeddings.embed(device=device).detail
        t_cur = time.perf_counter() - start
        assert result.embedded == n, result
        ids, matrix = read_vectors(catalog.store.cursor(), result.space)
        order = {a: i for i, a in enumerate(ids)}
        got = matrix[[order[i] for i in text_ids]]
        cosine = (got * expected.astype(np.float32)).sum(axis=1)
        print(f"sentence-transformers encode(): {n / t_peer:10,.0f} texts/s ({t_peer:.1f} s)")
        print(f"curator embed (db -> db)      : {n / t_cur:10,.0f} texts/s ({t_cur:.1f} s)")
        print(f"ratio curator/peer            : {t_peer / t_cur:10.2f}x")
        print(f"min cosine agreement          : {cosine.min():10.5f}")
        if args.ceiling:
            # Everything but the model: reading and rendering, tokenising, padding, writing.
            constant = torch.full((1, encoder.dim), encoder.dim ** -0.5)
            encoder._launch = lambda ids, mask: (constant.expand(ids.shape[0], -1), None)
            catalog.store.con.execute(f"DELETE FROM {result.space.table}")
            start = time.perf_counter()
            catalog.embeddings.embed(device=device)
            t_free = time.perf_counter() - start
            print(f"same, without the model       : {n / t_free:10,.0f} texts/s (ceiling)")
        catalog.close()


if __name__ == "__main__":
    main()
