"""Fine-tuning the text encoder on what the collection's visitors engage with together.

Training pairs: two artworks the same visitor engaged with close in time (within
``window`` steps of their history and ``max_gap_hours``), and, where artworks have
subjects, an artwork's text against the list of its subjects. The loss is the in-batch
contrastive one of sentence-transformers' MultipleNegativesRankingLoss, written in plain
torch: each anchor must pick its own positive among all positives of the batch (scaled
cosine similarities, cross-entropy); a positive that is the same artwork or text as the
anchor's own is masked, not counted as a negative.

A checkpoint (weights, optimiser, schedule position) is written every
``checkpoint_every`` steps and at the end of each epoch; every step is seeded from its
number, so a run that is cancelled and resumed ends with the weights of one that was not.
On CUDA the forward pass runs under bf16 autocast (fp16 with a gradient scaler where bf16 is
missing); on the CPU everything stays in float32.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..progress import CancelToken, ProgressFn, check, report
from ..recommend.interactions import Interactions
from . import files
from .sequence import ordered_histories


@dataclass(frozen=True)
class TuneConfig:
    """Fine-tuning settings (defaults: one pass over at most 10,000 pairs, fine on a CPU)."""

    epochs: int = 1
    batch_size: int = 32
    lr: float = 2e-5
    warmup: float = 0.1           # share of steps with a rising learning rate
    scale: float = 20.0           # cosine similarities x scale before the softmax
    window: int = 3               # pair each artwork with the next ``window`` in a history
    max_gap_hours: float = 24.0   # ... when visited at most this long after it
    max_pairs: int | None = 10_000  # pairs drawn per epoch (None: all)
    subjects: bool = True         # also pair an artwork's text with its subjects
    max_length: int = 128
    validation_share: float = 0.1  # visitors held out to judge the result
    checkpoint_every: int = 100
    seed: int = 0

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Pairs:
    """Training examples: ``anchors`` are item indices; each positive is an item index
    (``positive_items`` >= 0) or, for subject pairs, a text (``positive_items`` == -1)."""

    anchors: np.ndarray
    positive_items: np.ndarray
    positive_texts: list[str | None]

    def __len__(self) -> int:
        return len(self.anchors)


def visit_pairs(inter: Interactions, users: np.ndarray, window: int,
                max_gap_hours: float) -> np.ndarray:
    """``(a, b)`` item pairs (a != b, each unordered pair once) that one of ``users`` engaged
    with within ``window`` steps and ``max_gap_hours`` of each other."""
    allowed = np.zeros(inter.n_users, dtype=bool)
    allowed[users] = True
    found = []
    for u, (items, ts) in enumerate(ordered_histories(inter)):
        if not allowed[u] or len(items) < 2:
            continue
        for step in range(1, window + 1):
            a, b = items[:-step], items[step:]
            close = (ts[step:] - ts[:-step]) <= max_gap_hours * 3600.0
            found.append(np.stack([a[close], b[close]], axis=1))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(found)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    return np.unique(np.sort(pairs, axis=1), axis=0)


def training_pairs(inter: Interactions, users: np.ndarray, tags: list[list[str]] | None,
                   cfg: TuneConfig) -> Pairs:
    """Visit pairs of ``users`` plus, when ``cfg.subjects``, artwork-to-subjects pairs."""
    visits = visit_pairs(inter, users, cfg.window, cfg.max_gap_hours)
    anchors = [visits[:, 0]]
    items = [visits[:, 1]]
    texts: list[str | None] = [None] * len(visits)
    if cfg.subjects and tags is not None:
        with_tags = [i for i, t in enumerate(tags) if t]
        anchors.append(np.asarray(with_tags, dtype=np.int64))
        items.append(np.full(len(with_tags), -1, dtype=np.int64))
        texts += ["Subjects: " + ", ".join(tags[i]) + "." for i in with_tags]
    return Pairs(np.concatenate(anchors), np.concatenate(items), texts)


@dataclass
class TuneResult:
    folder: Path
    losses: list[float] = field(default_factory=list)   # mean loss per epoch
    first_losses: list[float] = field(default_factory=list)  # loss of the first batches
    steps: int = 0
    pairs: int = 0
    seconds: float = 0.0
    device: str = "cpu"


def _autocast(device: str):
    """bf16 autocast on a GPU that has it, fp16 otherwise on CUDA; nothing on the CPU."""
    import contextlib

    import torch

    if device != "cuda":
        return contextlib.nullcontext(), None
    dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    scaler = torch.amp.GradScaler("cuda") if dtype == torch.float16 else None
    return torch.autocast("cuda", dtype=dtype), scaler


def _key(source: Path, pairs: Pairs, cfg: TuneConfig) -> str:
    h = hashlib.sha256(json.dumps([str(source), cfg.to_json()], sort_keys=True).encode())
    h.update(pairs.anchors.tobytes())
    h.update(pairs.positive_items.tobytes())
    return h.hexdigest()[:16]


def fine_tune(texts: list[str], pairs: Pairs, source: Path, out: Path,
              cfg: TuneConfig | None = None, *, device: str = "cpu",
              checkpoint: Path | None = None, progress: ProgressFn | None = None,
              cancel: CancelToken | None = None) -> TuneResult:
    """Fine-tune the encoder in ``source`` on ``pairs`` and save it as a model folder ``out``.

    ``texts`` are the artworks' texts, indexed like the pairs' items. ``checkpoint`` is a
    folder for resuming (removed at the end). Call from one worker thread.
    """
    import torch
    from transformers import AutoModel, AutoTokenizer

    from ..embedding.text_encoder import pool, read_model_info

    cfg = cfg or TuneConfig()
    started = time.perf_counter()
    info = read_model_info(source)
    max_length = min(cfg.max_length, info.max_length)
    key = _key(source, pairs, cfg)
    meta = files.load_json(checkpoint / "progress.json") if checkpoint is not None else None
    resume = bool(meta and meta.get("key") == key)
    weights_from = checkpoint if resume else source
    tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
    model = AutoModel.from_pretrained(weights_from, local_files_only=True).float().to(device)
    per_epoch = len(pairs) if cfg.max_pairs is None else min(cfg.max_pairs, len(pairs))
    steps_per_epoch = -(-per_epoch // cfg.batch_size)
    total = max(1, steps_per_epoch * cfg.epochs)
    warm = max(1, int(cfg.warmup * total))
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr)

    def rate(step: int) -> float:  # linear warm-up, then linear decay to zero
        return cfg.lr * min((step + 1) / warm, max(0.0, (total - step) / max(1, total - warm)))

    autocast, scaler = _autocast(device)
    done, losses, first, epoch_sum = 0, [], [], 0.0
    if resume:
        files.load_optimizer(opt, files.load_arrays(checkpoint / "optimizer.safetensors"),
                             device)
        done, losses, first = int(meta["step"]), list(meta["losses"]), list(meta["first"])
        epoch_sum = float(meta["epoch_sum"])

    def encode(batch: list[str]):
        enc = tokenizer(batch, padding=True, truncation=True, max_length=max_length,
                        return_tensors="pt").to(device)
        hidden = model(input_ids=enc["input_ids"],
                       attention_mask=enc["attention_mask"]).last_hidden_state
        return pool(hidden, enc["attention_mask"], info.pooling)

    model.train()
    while done < total:
        epoch, step = divmod(done, steps_per_epoch)
        order = np.random.default_rng(cfg.seed * 7919 + epoch).permutation(len(pairs))[:per_epoch]
        rows = order[step * cfg.batch_size:(step + 1) * cfg.batch_size]
        torch.manual_seed(cfg.seed * 1_000_003 + done)
        anchor_items = pairs.anchors[rows]
        pos_items = pairs.positive_items[rows]
        pos_texts = [texts[i] if i >= 0 else pairs.positive_texts[r]
                     for r, i in zip(rows, pos_items, strict=True)]
        with autocast:
            a = encode([texts[i] for i in anchor_items])
            b = encode(pos_texts)
            sims = cfg.scale * (a.float() @ b.float().T)
        # the same artwork or text elsewhere in the batch is not a negative
        same = (np.asarray(pos_texts, dtype=object)[:, None]
                == np.asarray(pos_texts, dtype=object)[None, :])
        same |= anchor_items[:, None] == np.where(pos_items >= 0, pos_items, -2)[None, :]
        np.fill_diagonal(same, False)
        sims = sims.masked_fill(torch.from_numpy(same).to(sims.device), float("-inf"))
        loss = torch.nn.functional.cross_entropy(
            sims, torch.arange(len(rows), device=sims.device))
        opt.zero_grad(set_to_none=True)
        for group in opt.param_groups:
            group["lr"] = rate(done)
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
        else:
            loss.backward()
            opt.step()
        value = float(loss.detach())
        done += 1
        epoch_sum += value
        if len(first) < 5:
            first.append(value)
        end_of_epoch = done % steps_per_epoch == 0
        if end_of_epoch:
            losses.append(epoch_sum / steps_per_epoch)
            epoch_sum = 0.0
        report(progress, done, total,
               f"Fine-tuning the encoder: epoch {epoch + 1}/{cfg.epochs}, loss {value:.3f}")
        if checkpoint is not None and done < total and (
                end_of_epoch or done % cfg.checkpoint_every == 0):
            _save_checkpoint(checkpoint, model, opt, {
                "key": key, "step": done, "losses": losses, "first": first,
                "epoch_sum": epoch_sum})
        check(cancel)
    _save_model(model, tokenizer, source, out)
    if checkpoint is not None:
        shutil.rmtree(checkpoint, ignore_errors=True)
    return TuneResult(out, losses, first, done, len(pairs), time.perf_counter() - started,
                      device)


def _save_checkpoint(folder: Path, model, opt, meta: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    files.save_arrays(folder / "optimizer.safetensors", files.optimizer_arrays(opt))
    files.save_json(folder / "progress.json", meta)  # last: it makes the rest count


def _save_model(model, tokenizer, source: Path, out: Path) -> None:
    """A model folder :class:`~..embedding.text_encoder.TextEncoder` loads like the source:
    safetensors weights, the tokenizer, and the source's sentence-transformers settings."""
    tmp = out.with_name(out.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    for name in ("sentence_bert_config.json", "modules.json", "config_sentence_transformers.json"):
        if (source / name).is_file():
            shutil.copy(source / name, tmp / name)
    if (source / "1_Pooling").is_dir():
        shutil.copytree(source / "1_Pooling", tmp / "1_Pooling")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)


@dataclass(frozen=True)
class TuneReport:
    result: TuneResult
    verdict: object  # gate.Verdict: content alone, frozen (baseline) against fine-tuned

    def summary(self) -> str:
        r, v = self.result, self.verdict
        which = ("the fine-tuned encoder" if v.enabled
                 else "the frozen encoder (the fine-tuned one was removed)")
        return (f"{v.summary('The fine-tuned encoder is', 'with the frozen one')} "
                f"Content similarity uses {which}. "
                f"Trained {r.steps:,} steps on {r.pairs:,} pairs in {r.seconds:.0f} s "
                f"on {r.device}.")
