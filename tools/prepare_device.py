"""Prepare what a GPU run needs in .device/ (ignored by git, carried to the device machine).

    python tools/prepare_device.py

Writes .device/minilm-fp16/ (the default model with its weights in half precision, about
45 MB, so it fits the 64 MiB carry limit) and .device/tate-texts.txt (every Tate artwork
rendered with Curator's default text template, one per line). Then, on the device:

    python benchmarks/bench_encoder.py --model .device/minilm-fp16 --texts .device/tate-texts.txt
"""

from __future__ import annotations

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
    (out / "tate-texts.txt").write_text("\n".join(t.replace("\n", " ") for t in texts) + "\n")
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"{len(texts):,} texts and an fp16 model in {out} ({size / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
