"""The sequence signal: what a visitor is likely to look at next, from the order of their history.

A small self-attentive sequential model (SASRec, Kang & McAuley 2018): each artwork is a
vector, a causal transformer reads a visitor's history in time order, and the state after
the last artwork scores every artwork as the next one. An artwork's vector is the
projection of its text vector plus a learned correction, so artworks nobody has touched yet
still have a place (the projection starts as the text vectors' principal directions).

Trained with a sampled softmax: at every position the true next artwork against a shared
set of uniformly drawn artworks. Each epoch is seeded from the base seed and its number, and
a checkpoint is written after every epoch, so a cancelled run resumes where it stopped and
ends with the same weights as one that was never interrupted.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from ..progress import CancelToken, ProgressFn, check, report
from ..recommend.interactions import Interactions
from ..recommend.signals import Because, FitData, Signal
from . import files

PAD = 0  # item ids inside the model are shifted by one; 0 pads a short history


@dataclass(frozen=True)
class SequenceConfig:
    """Model size and training settings (defaults sized for a few thousand visitors on a CPU)."""

    dim: int = 64
    layers: int = 2
    heads: int = 2
    max_len: int = 50
    dropout: float = 0.2
    negatives: int = 256          # sampled per batch when the loss cannot be a full softmax
    full_softmax_items: int = 20_000  # up to this many artworks, a full softmax (0: never)
    epochs: int = 50              # the most; fewer are chosen on validation (EPOCH_CHOICES)
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 0.0
    seed: int = 0

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class SequenceModel:
    """Trained weights as NumPy arrays (no pickle) and the artwork ids they were trained on."""

    config: SequenceConfig
    item_ids: np.ndarray                 # external ids, aligned with the rows of ``free``
    state: dict[str, np.ndarray]         # the torch module's state (free, proj, encoder ...)
    losses: list[float] = field(default_factory=list)  # mean training loss per epoch
    seconds: float = 0.0

    def save(self, path: Path, extra: dict | None = None) -> None:
        files.save_arrays(path.with_suffix(".safetensors"), self.state)
        files.save_json(path.with_suffix(".json"), {
            "config": self.config.to_json(), "item_ids": [str(i) for i in self.item_ids],
            "losses": self.losses, "seconds": self.seconds, **(extra or {})})

    @classmethod
    def load(cls, path: Path) -> SequenceModel | None:
        meta = files.load_json(path.with_suffix(".json"))
        weights = path.with_suffix(".safetensors")
        if meta is None or not weights.is_file():
            return None
        return cls(SequenceConfig(**meta["config"]), np.asarray(meta["item_ids"], dtype=object),
                   files.load_arrays(weights), meta.get("losses", []), meta.get("seconds", 0.0))


# -- histories as sequences -----------------------------------------------------------------
def ordered_histories(inter: Interactions) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each user's ``(artworks, times)`` in time order, each artwork once (at its first
    event; ties keep the events' order)."""
    order = np.lexsort((np.arange(len(inter.users)), inter.ts, inter.users))
    users, items, ts = inter.users[order], inter.items[order], inter.ts[order]
    _, first = np.unique(users * np.int64(inter.n_items) + items, return_index=True)
    keep = np.sort(first)
    users, items, ts = users[keep], items[keep], ts[keep]
    bounds = np.searchsorted(users, np.arange(inter.n_users + 1))
    return [(items[bounds[u]:bounds[u + 1]], ts[bounds[u]:bounds[u + 1]])
            for u in range(inter.n_users)]


def user_sequences(inter: Interactions) -> list[np.ndarray]:
    """Each user's artworks in time order, each artwork once (see :func:`ordered_histories`)."""
    return [items for items, _ in ordered_histories(inter)]


def training_windows(seqs: list[np.ndarray], max_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and next-item targets, ``max_len`` wide, left-padded, item ids shifted by one.

    A long history is cut into consecutive windows from its end, so every step is learned.
    """
    xs, ys = [], []
    for s in seqs:
        if len(s) < 2:
            continue
        x, y = s[:-1] + 1, s[1:] + 1
        for end in range(len(x), 0, -max_len):
            start = max(0, end - max_len)
            row_x = np.zeros(max_len, dtype=np.int64)
            row_y = np.zeros(max_len, dtype=np.int64)
            row_x[max_len - (end - start):] = x[start:end]
            row_y[max_len - (end - start):] = y[start:end]
            xs.append(row_x)
            ys.append(row_y)
    if not xs:
        return np.zeros((0, max_len), np.int64), np.zeros((0, max_len), np.int64)
    return np.stack(xs), np.stack(ys)


def last_windows(seqs: list[np.ndarray], max_len: int) -> np.ndarray:
    """Each history's last ``max_len`` artworks, left-padded (ids shifted by one)."""
    out = np.zeros((len(seqs), max_len), dtype=np.int64)
    for r, s in enumerate(seqs):
        tail = s[-max_len:] + 1
        if len(tail):
            out[r, max_len - len(tail):] = tail
    return out


# -- the torch module (defined on first use, so torch loads only when needed) ---------------
_MODULE = None


def _module_class():
    global _MODULE
    if _MODULE is not None:
        return _MODULE
    import torch
    from torch import nn

    class SASRec(nn.Module):
        def __init__(self, n_items: int, text_dim: int, cfg: SequenceConfig):
            super().__init__()
            self.cfg = cfg
            self.free = nn.Embedding(n_items + 1, cfg.dim, padding_idx=PAD)
            nn.init.normal_(self.free.weight, std=0.02)
            with torch.no_grad():
                self.free.weight[PAD].zero_()
            self.proj = nn.Linear(text_dim, cfg.dim, bias=False) if text_dim else None
            self.pos = nn.Embedding(cfg.max_len, cfg.dim)
            nn.init.normal_(self.pos.weight, std=0.02)
            layer = nn.TransformerEncoderLayer(cfg.dim, cfg.heads, 2 * cfg.dim, cfg.dropout,
                                               batch_first=True, norm_first=True)
            self.encoder = nn.TransformerEncoder(layer, cfg.layers, enable_nested_tensor=False)
            self.norm = nn.LayerNorm(cfg.dim)
            self.drop = nn.Dropout(cfg.dropout)

        def items(self, text):
            """Every artwork's vector (row 0 is the padding)."""
            table = self.free.weight
            if self.proj is not None and text is not None:
                table = table + self.proj(text)
            return table

        def forward(self, seq, table):
            length = seq.shape[1]
            h = table[seq] + self.pos.weight[None, -length:]
            h = self.drop(h)
            pad = seq == PAD
            eye = torch.eye(length, dtype=torch.bool, device=seq.device)
            causal = torch.tril(torch.ones(length, length, dtype=torch.bool, device=seq.device))
            # a position sees itself and the real artworks before it, never padding
            allowed = causal[None] & (~pad[:, None, :] | eye[None])
            mask = (~allowed).repeat_interleave(self.cfg.heads, dim=0)
            h = self.encoder(h, mask=mask)
            return self.norm(h)

    _MODULE = SASRec
    return SASRec


def _text_tensor(vectors: np.ndarray | None, n_items: int):
    """Text vectors with a zero row in front for the padding; ``None`` when there are none."""
    import torch

    if vectors is None:
        return None
    text = np.zeros((n_items + 1, vectors.shape[1]), dtype=np.float32)
    text[1:] = vectors
    return torch.from_numpy(text)


def _init_projection(module, vectors: np.ndarray | None, dim: int) -> None:
    """Start the projection at the text vectors' principal directions, scaled to unit rows."""
    import torch

    if module.proj is None or vectors is None:
        return
    rows = vectors[np.linalg.norm(vectors, axis=1) > 0]
    if len(rows) < 2:
        return
    centred = rows - rows.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    basis = vt[:dim]
    if basis.shape[0] < dim:  # fewer directions than model dimensions: pad with zeros
        basis = np.vstack([basis, np.zeros((dim - basis.shape[0], vt.shape[1]))])
    spread = np.linalg.norm(centred @ basis.T, axis=1).mean()
    with torch.no_grad():
        module.proj.weight.copy_(torch.from_numpy(
            (basis / max(spread, 1e-6)).astype(np.float32)))


def _state_to_numpy(module) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}


def fingerprint(inter: Interactions, cfg: SequenceConfig, extra: str = "") -> str:
    """Identifies the training data and settings, so a checkpoint resumes only its own run."""
    h = hashlib.sha256()
    h.update(json.dumps(cfg.to_json(), sort_keys=True).encode())
    h.update(np.ascontiguousarray(inter.users).tobytes())
    h.update(np.ascontiguousarray(inter.items).tobytes())
    h.update(np.ascontiguousarray(inter.ts).tobytes())
    h.update(extra.encode())
    return h.hexdigest()[:16]


def train(inter: Interactions, vectors: np.ndarray | None, cfg: SequenceConfig | None = None,
          *, device: str = "cpu", checkpoint: Path | None = None,
          progress: ProgressFn | None = None, cancel: CancelToken | None = None,
          label: str = "Learning the order of visits",
          on_epoch: Callable[[SequenceModel], None] | None = None) -> SequenceModel:
    """Train the sequence model on ``inter``'s events.

    Parameters
    ----------
    vectors
        Text vectors aligned with ``inter.item_ids`` (zero rows where missing), or ``None``.
    checkpoint
        A path stem; after each epoch the weights, the optimiser and the epoch go there, and
        a later call with the same data and settings resumes from it. Removed at the end.
    progress, cancel
        Reported per batch; a cancel stops between batches (the last epoch's checkpoint stays).
    on_epoch
        Called with the model as it is after each epoch (to pick the epochs on validation
        from one run).

    Call from one worker thread.
    """
    import torch

    cfg = cfg or SequenceConfig()
    started = time.perf_counter()
    seqs = user_sequences(inter)
    xs, ys = training_windows(seqs, cfg.max_len)
    n_items = inter.n_items
    torch.manual_seed(cfg.seed)
    module = _module_class()(n_items, 0 if vectors is None else vectors.shape[1], cfg)
    _init_projection(module, vectors, cfg.dim)
    module = module.to(device)
    text = _text_tensor(vectors, n_items)
    text = text.to(device) if text is not None else None
    opt = torch.optim.Adam(module.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    losses: list[float] = []
    first_epoch = 0
    key = fingerprint(inter, cfg, "" if vectors is None else str(vectors.shape))
    if checkpoint is not None:
        meta = files.load_json(checkpoint.with_suffix(".json"))
        if meta and meta.get("key") == key and checkpoint.with_suffix(".safetensors").is_file():
            arrays = files.load_arrays(checkpoint.with_suffix(".safetensors"))
            module.load_state_dict({k[6:]: torch.from_numpy(v.copy()) for k, v in arrays.items()
                                    if k.startswith("model.")})
            files.load_optimizer(opt, {k[4:]: v for k, v in arrays.items() if k.startswith("opt.")},
                        device)
            first_epoch, losses = int(meta["epoch"]), list(meta["losses"])
    batches = max(1, -(-len(xs) // cfg.batch_size))
    total = cfg.epochs * batches
    full_softmax = (cfg.negatives <= 0 or cfg.negatives >= n_items
                    or n_items <= cfg.full_softmax_items)
    for epoch in range(first_epoch, cfg.epochs):
        seed = cfg.seed * 100_003 + epoch
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(xs))
        module.train()
        epoch_loss, positions = 0.0, 0
        for b in range(batches):
            rows = order[b * cfg.batch_size:(b + 1) * cfg.batch_size]
            if len(rows) == 0:
                continue
            x = torch.from_numpy(xs[rows]).to(device)
            y = torch.from_numpy(ys[rows]).to(device)
            negatives = None if full_softmax else torch.from_numpy(
                rng.integers(1, n_items + 1, size=cfg.negatives)).to(device)
            loss, count = _loss(module, text, x, y, negatives)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            epoch_loss += float(loss.detach()) * count
            positions += count
            report(progress, epoch * batches + b + 1, total,
                   f"{label}: epoch {epoch + 1}/{cfg.epochs}, loss {float(loss.detach()):.3f}")
            check(cancel)
        losses.append(epoch_loss / max(positions, 1))
        if on_epoch is not None:
            on_epoch(SequenceModel(cfg, inter.item_ids.copy(), _state_to_numpy(module),
                                   list(losses), time.perf_counter() - started))
        if checkpoint is not None:
            arrays = {f"model.{k}": v for k, v in _state_to_numpy(module).items()}
            arrays.update({f"opt.{k}": v for k, v in files.optimizer_arrays(opt).items()})
            files.save_arrays(checkpoint.with_suffix(".safetensors"), arrays)
            files.save_json(checkpoint.with_suffix(".json"),
                            {"key": key, "epoch": epoch + 1, "losses": losses})
    if checkpoint is not None:
        files.remove(checkpoint.with_suffix(".safetensors"), checkpoint.with_suffix(".json"))
    return SequenceModel(cfg, inter.item_ids.copy(), _state_to_numpy(module), losses,
                         time.perf_counter() - started)


def _loss(module, text, x, y, negatives):
    """Sampled softmax: each real position's next artwork against the shared negatives;
    with ``negatives`` None, a full softmax over every artwork."""
    import torch

    table = module.items(text)
    h = module(x, table)
    real = y != PAD
    h, y = h[real], y[real]
    if negatives is None:
        return torch.nn.functional.cross_entropy(h @ table[1:].T, y - 1), int(len(y))
    pos = (h * table[y]).sum(-1, keepdim=True)
    neg = h @ table[negatives].T
    neg = neg.masked_fill(negatives[None, :] == y[:, None], float("-inf"))  # accidental hits
    logits = torch.cat([pos, neg], dim=1)
    target = torch.zeros(len(y), dtype=torch.long, device=x.device)
    return torch.nn.functional.cross_entropy(logits, target), int(len(y))


# -- the signal ---------------------------------------------------------------------------------
class SequenceSignal(Signal):
    """"What next" for each visitor: the trained model's probability of every artwork
    following their history (softmax over the whole catalog, so 0..1 and comparable
    between visitors).

    ``fit`` does not train: it reads the histories in ``data`` into the trained model and
    lines its artworks up with the data's (an artwork the model never saw gets its text
    projection). Any thread may score once fitted.
    """

    name = "sequence"
    label = "What they look at next"

    def __init__(self, model: SequenceModel, batch: int = 512, vectors=None):
        self.model = model
        self.batch = batch
        # The text vectors the model reads (those of the configured encoder, which it was
        # trained with) when the hybrid's content signal uses others, such as a fine-tuned
        # encoder's: an array aligned with the data's items, or a VectorIndex.
        self.vectors = vectors

    def fit(self, data: FitData) -> SequenceSignal:
        import torch

        self.data = data
        inter = data.interactions
        cfg = self.model.config
        state = dict(self.model.state)
        free = np.zeros((inter.n_items + 1, cfg.dim), dtype=np.float32)
        known = {str(i): r for r, i in enumerate(self.model.item_ids)}
        pos = np.asarray([known.get(str(i), -1) for i in inter.item_ids], dtype=np.int64)
        free[1:][pos >= 0] = state["free.weight"][1:][pos[pos >= 0]]
        state["free.weight"] = free
        text_dim = state["proj.weight"].shape[1] if "proj.weight" in state else 0
        source = self.vectors if self.vectors is not None else data.vectors
        if source is not None and not isinstance(source, np.ndarray):
            from ..recommend.build import aligned_vectors

            source = aligned_vectors(source, inter.item_ids)
        vectors = source if text_dim and source is not None \
            and source.shape[1] == text_dim else None
        if text_dim and vectors is None:
            vectors = np.zeros((inter.n_items, text_dim), dtype=np.float32)
        module = _module_class()(inter.n_items, text_dim, cfg)
        module.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v))
                                for k, v in state.items()})
        self.module = module.eval()
        self.text = _text_tensor(vectors, inter.n_items) if text_dim else None
        with torch.inference_mode():
            self.table = self.module.items(self.text)
        self.seqs = user_sequences(inter)
        return self

    def _states(self, windows: np.ndarray):
        import torch

        with torch.inference_mode():
            out = []
            for start in range(0, len(windows), self.batch):
                x = torch.from_numpy(windows[start:start + self.batch])
                out.append(self.module(x, self.table)[:, -1])
            return torch.cat(out) if out else torch.zeros((0, self.table.shape[1]))

    def _probabilities(self, windows: np.ndarray) -> np.ndarray:
        import torch

        with torch.inference_mode():
            logits = self._states(windows) @ self.table[1:].T
            return torch.softmax(logits, dim=1).numpy().astype(np.float32, copy=False)

    def score(self, users: np.ndarray) -> np.ndarray:
        seqs = [self.seqs[u] for u in users]
        probs = self._probabilities(last_windows(seqs, self.model.config.max_len))
        empty = np.asarray([len(s) == 0 for s in seqs])
        probs[empty] = 0.0  # no history, nothing follows on
        return probs

    def explain_many(self, user: int, items: np.ndarray, top: int = 2,
                     recent: int = 5) -> list[list[Because]]:
        """The last artworks whose removal from the history lowers each item's probability
        most (occlusion: one forward pass per left-out artwork)."""
        seq = self.seqs[user]
        items = np.asarray(items)
        if len(seq) == 0 or len(items) == 0:
            return [[] for _ in items]
        max_len = self.model.config.max_len
        last = seq[-recent:]
        variants = [seq] + [np.delete(seq, len(seq) - len(last) + j) for j in range(len(last))]
        probs = self._probabilities(last_windows(variants, max_len))[:, items]
        drops = np.maximum(probs[0][None, :] - probs[1:], 0.0)  # len(last) x items
        return [self._because(self.data, user, last, drops[:, j], top)
                for j in range(len(items))]


# -- training for a catalog, judged on validation -----------------------------------------------
@dataclass(frozen=True)
class SequenceReport:
    verdict: object            # gate.Verdict
    epochs: int
    seconds: float
    losses: list[float]
    path: Path

    def summary(self) -> str:
        epochs = (f"{self.epochs} epoch{'s' if self.epochs != 1 else ''} (the best of "
                  "those judged on validation)")
        return (f"{self.verdict.summary('The sequence signal is')} Trained for {epochs} "
                f"in {self.seconds:.1f} s; saved in {self.path.parent}.")


STEM = "sequence"
EPOCH_CHOICES = (10, 20, 50, 100, 200)  # judged on validation from one run, up to cfg.epochs


def epoch_choices(most: int) -> list[int]:
    """The epoch counts judged on validation when training for at most ``most``."""
    return sorted({e for e in EPOCH_CHOICES if e < most} | {max(1, most)})


def saved_signal(folder: Path, vectors=None) -> tuple[SequenceSignal, float] | None:
    """The switched-on sequence signal saved in ``folder`` and its weight, if there is one;
    ``vectors`` are the configured encoder's (see :class:`SequenceSignal`)."""
    meta = files.load_json(folder / f"{STEM}.json")
    if not meta or not meta.get("enabled"):
        return None
    model = SequenceModel.load(folder / STEM)
    return None if model is None else (SequenceSignal(model, vectors=vectors),
                                       float(meta["weight"]))


def train_signal(inter: Interactions, info, vectors: np.ndarray | None,
                 text: np.ndarray | None = None, *, config,
                 weights: dict[str, float], signals: list[Signal], folder: Path,
                 cfg: SequenceConfig | None = None, device: str = "cpu",
                 progress: ProgressFn | None = None,
                 cancel: CancelToken | None = None) -> SequenceReport:
    """Train on the validation split's training part, judge, and (if it earns its place)
    train again on every event and save the model as the switched-on sequence signal.

    ``vectors`` are the content signal's; ``text`` the configured encoder's, which the
    model learns from (when they differ, as with a fine-tuned encoder switched on).
    Each stage checkpoints in ``folder``; after a cancel the next call resumes.
    """
    from .gate import Verdict, judge_signal, validation_mask

    cfg = cfg or SequenceConfig()
    text = vectors if text is None else text
    started = time.perf_counter()
    key = fingerprint(inter, cfg, json.dumps(weights, sort_keys=True))
    verdict_file = folder / f"{STEM}-verdict.json"
    saved = files.load_json(verdict_file)
    if saved and saved.get("key") == key:
        verdict, epochs = Verdict(**saved["verdict"]), int(saved["epochs"])
    else:
        # one run on the validation split's training part, judged after each of the
        # epoch counts in epoch_choices: the best judged one is trained again on everything
        inner = inter.subset(validation_mask(inter))
        choices = epoch_choices(cfg.epochs)
        snapshots: dict[int, SequenceModel] = {}

        def keep(model: SequenceModel) -> None:
            if len(model.losses) in choices:
                snapshots[len(model.losses)] = model

        train(inner, text, cfg, device=device, checkpoint=folder / f"{STEM}-val.ckpt",
              progress=progress, cancel=cancel, label="Training on the validation split",
              on_epoch=keep)
        judged = {e: judge_signal(inter, info, vectors, config, weights, signals,
                                  SequenceSignal(m, vectors=text))
                  for e, m in sorted(snapshots.items())}
        epochs = max(judged, key=lambda e: (judged[e].learned, -e))
        verdict = judged[epochs]
        files.save_json(verdict_file, {"key": key, "verdict": verdict.to_json(),
                                       "epochs": epochs})
    losses: list[float] = []
    if verdict.enabled:
        model = train(inter, text, replace(cfg, epochs=epochs), device=device,
                      checkpoint=folder / f"{STEM}.ckpt", progress=progress, cancel=cancel,
                      label="Training on every event")
        losses = model.losses
        model.save(folder / STEM, {"enabled": True, "weight": verdict.weight,
                                   "verdict": verdict.to_json()})
    else:
        files.remove(folder / f"{STEM}.safetensors")
        files.save_json(folder / f"{STEM}.json", {"enabled": False, "config": cfg.to_json(),
                                                  "verdict": verdict.to_json()})
    files.remove(verdict_file)
    return SequenceReport(verdict, epochs, time.perf_counter() - started, losses,
                          folder / f"{STEM}.json")
