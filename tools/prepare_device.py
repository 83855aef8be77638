"""Prepare what a GPU run needs in .device/ (ignored by git, carried to the device machine).

    python tools/prepare_device.py

Writes .device/minilm-fp16/ (the default model with its weights in half precision, about
45 MB, so it fits the 64 MiB carry limit), .device/tate-texts.txt.gz (every Tate artwork
rendered with Curator's default text template, one per line), and copies of the Tate
catalog and ml-latest-small that the end-to-end and training benchmarks read. Then, on the
device (with Curator's missing dependencies carried as wheels):

    python benchmarks/bench_encoder.py --model .device/minilm-fp16 --texts .device/tate-texts.txt.gz
    python benchmarks/bench_embed.py --device cuda --model .device/minilm-fp16 \
        --catalog .device/artworks.jsonl.gz
    python benchmarks/bench_learned.py --device cuda --model .device/minilm-fp16 \
        --data .device/ml-latest-small
"""

from __future__ import annotations

import gzip
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    import torch
    from safetensors.torch import load_file, save_file

    from curator.core.catalog import Catalog
    from curator.core.embedding.templates import catalog_texts
    from curator.core.embedding.text_encoder import default_model_path

    out = ROOT / ".device"
    model_dir = out / "minilm-fp16"
    shutil.rmtree(model_dir, ignore_errors=True)
    shutil.copytree(default_model_path(), model_dir)
    weights = load_file(model_dir / "model.safetensors")
    save_file({k: v.to(torch.float16) if v.is_floating_point() else v
               for k, v in weights.items()}, model_dir / "model.safetensors",
              metadata={"format": "pt"})
    tate = ROOT.parent / "shared" / "data" / "tate" / "artworks.jsonl.gz"
    with tempfile.TemporaryDirectory() as tmp:
        catalog = Catalog(Path(tmp) / "t.duckdb")
        catalog.imports.catalog(tate)
        _, texts = catalog_texts(catalog.store.con, catalog.embeddings.template())
        catalog.close()
    with gzip.open(out / "tate-texts.txt.gz", "wt", encoding="utf-8") as f:
        f.write("\n".join(t.replace("\n", " ") for t in texts) + "\n")
    shutil.copy(tate, out / "artworks.jsonl.gz")
    shutil.rmtree(out / "ml-latest-small", ignore_errors=True)
    shutil.copytree(tate.parents[1] / "movielens" / "ml-latest-small", out / "ml-latest-small")
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"{len(texts):,} texts and an fp16 model in {out} ({size / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
