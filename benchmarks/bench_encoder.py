"""Encoder throughput on plain texts: sentence-transformers against Curator's TextEncoder.

    python benchmarks/bench_encoder.py [--model DIR] [--texts FILE] [--device auto|cpu|cuda]

Needs only numpy, torch, transformers and sentence-transformers, so it runs on a machine
without the rest of Curator's dependencies (the GPU device); see tools/prepare_device.py.
``bench_embed.py`` measures the same encoder end to end through the database.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from curator.core.embedding.text_encoder import TextEncoder, default_model_path  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--texts", type=Path, required=True, help="one text per line")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    import torch
    from sentence_transformers import SentenceTransformer

    texts = args.texts.read_text(encoding="utf-8").splitlines()[: args.limit]
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
    sync()
    start = time.perf_counter()
    expected = peer.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    sync()
    t_peer = time.perf_counter() - start
    del peer

    encoder.encode(texts[:512])
    sync()
    start = time.perf_counter()
    got = encoder.encode(texts)
    sync()
    t_cur = time.perf_counter() - start
    cosine = (got * expected.astype(np.float32)).sum(axis=1)
    print(f"sentence-transformers encode(): {len(texts) / t_peer:10,.0f} texts/s")
    print(f"curator TextEncoder.encode()  : {len(texts) / t_cur:10,.0f} texts/s")
    print(f"ratio curator/peer            : {t_peer / t_cur:10.2f}x")
    print(f"min cosine agreement          : {cosine.min():10.5f}")


if __name__ == "__main__":
    main()
