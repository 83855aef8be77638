"""What the learned models add on MovieLens (ml-latest-small), in one run, on this machine.

    python benchmarks/bench_learned.py [--data ../shared/data/movielens/ml-latest-small]
        [--tune-pairs 1600] [--tune-epochs 1] [--epochs 5 10 20] [--negatives 256]
        [--max-len 50] [--threads 1] [--device cpu|cuda]

Protocols (every choice of weights, epochs or l2 is made on a validation split carved out
of the training events, never on the test events):

1. Temporal + cold items: the last 20% of each user's ratings are the test; 10% of the
   rated movies (seed 0) lose *all* their ratings from training. nDCG@10 on the warm test
   ratings (all unseen movies are candidates); cold recall@50 on the cold movies' ratings,
   ranked among the cold movies only (the usual cold-start protocol). Rows: the frozen
   MiniLM content signal, the fine-tuned one, the sequence signal alone, EASE alone, and the
   hybrid without and with the new signals.
2. Next item, leave the last one out: hit rate@10 of each user's last rating for the
   sequence signal, EASE and popularity (epochs and l2 chosen on the second-to-last).

The movie texts' MiniLM vectors (and the fine-tuned encoder with its vectors, keyed by its
settings and training pairs) are cached in ``.cache/bench_learned`` so reruns are fast.
Training times and the process's peak resident memory are printed as they happen.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks._common import SHARED_DATA, need  # noqa: E402
from curator.core.catalog import Catalog  # noqa: E402
from curator.core.embedding.templates import DEFAULT_TEMPLATE, catalog_texts  # noqa: E402
from curator.core.evaluate.runner import Evaluation  # noqa: E402
from curator.core.evaluate.splits import temporal_split  # noqa: E402
from curator.core.learn.embedder import TuneConfig, fine_tune, training_pairs  # noqa: E402
from curator.core.learn.sequence import SequenceConfig, SequenceSignal, train  # noqa: E402
from curator.core.recommend.explain import ItemInfo  # noqa: E402
from curator.core.recommend.interactions import Interactions, WeightConfig  # noqa: E402
from curator.core.recommend.signals import (  # noqa: E402
    ContentSignal,
    ItemCFSignal,
    PopularitySignal,
)

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "bench_learned"
CONFIG = WeightConfig(half_life_days=None)  # every rating alike, as in bench_movielens


def peak_mb() -> float:
    """The process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def gpu_peak() -> str:
    """The GPU's peak allocated memory so far, when one is in use."""
    import torch

    if not torch.cuda.is_available() or not torch.cuda.is_initialized():
        return ""
    return f", GPU peak {torch.cuda.max_memory_allocated() / 2**20:,.0f} MB"


def load(data: Path):
    with tempfile.TemporaryDirectory() as tmp:
        cat = Catalog(Path(tmp) / "ml.duckdb")
        cat.imports.catalog(need(data / "movies.csv"))
        cat.imports.events(need(data / "ratings.csv"))
        inter = Interactions.from_store(cat.store)
        info = ItemInfo.from_store(cat.store, inter.item_ids)
        cur = cat.store.cursor()
        by_id = dict(zip(*catalog_texts(cur, DEFAULT_TEMPLATE), strict=True))
        texts = [by_id.get(i) or "" for i in inter.item_ids]
        cur.close()
        cat.close()
    return inter, info, texts


def encode(path: Path | None, texts: list[str], cache: Path,
           device: str = "cpu") -> tuple[np.ndarray, float]:
    if cache.is_file():
        return np.load(cache, allow_pickle=False), 0.0
    from curator.core.embedding.text_encoder import TextEncoder

    start = time.perf_counter()
    vectors = TextEncoder(path, device=device).encode(texts)
    seconds = time.perf_counter() - start
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors, allow_pickle=False)
    return vectors, seconds


def best_weights(ev: Evaluation, grid: dict[str, list[float]], metric: str) -> dict:
    best = None
    names = list(grid)
    for values in itertools.product(*(grid[n] for n in names)):
        weights = {"item": 1.0, **dict(zip(names, values, strict=True))}
        score = ev.measure(weights).metrics[metric]
        if best is None or score > best[0]:
            best = (score, weights)
    return best[1]


def timed_train(label: str, inter: Interactions, vectors, cfg: SequenceConfig,
                keep: list[int] | None = None, device: str = "cpu"):
    """Train; with ``keep``, also return the model as it was after each of those epochs."""
    kept: dict[int, object] = {}

    def snapshot(model) -> None:
        if keep and len(model.losses) in keep:
            kept[len(model.losses)] = model

    start = time.perf_counter()
    model = train(inter, vectors, cfg, device=device, on_epoch=snapshot)
    print(f"  {label}: {cfg.epochs} epochs in {time.perf_counter() - start:.1f} s on {device}, "
          f"loss {model.losses[0]:.3f} -> {model.losses[-1]:.3f}; peak RSS {peak_mb():,.0f} MB"
          f"{gpu_peak()}", flush=True)
    return kept if keep else model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path,
                        default=SHARED_DATA / "movielens" / "ml-latest-small")
    parser.add_argument("--tune-pairs", type=int, default=1600,
                        help="training pairs the encoder is fine-tuned on (one epoch)")
    parser.add_argument("--epochs", type=int, nargs="+", default=[10, 20, 50],
                        help="sequence-model epochs to choose from on validation (one run, "
                             "snapshots after each)")
    parser.add_argument("--tune-epochs", type=int, default=1,
                        help="passes over the training pairs when fine-tuning the encoder")
    parser.add_argument("--negatives", type=int, default=0,
                        help="sampled negatives per batch in the sequence model's loss "
                             "(default 0: the product's choice, a full softmax at this size)")
    parser.add_argument("--max-len", type=int, default=SequenceConfig.max_len,
                        help="history length the sequence model reads")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--model", type=Path, default=None,
                        help="the frozen encoder's folder (default: the installed MiniLM)")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"],
                        help="where the encoders and the sequence model train")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # each figure shows as soon as it is known
    import torch

    torch.set_num_threads(args.threads)
    gpu = (f"GPU {torch.cuda.get_device_name()}" if args.device == "cuda" else "no GPU used")
    print(f"torch {torch.__version__}, {args.threads} CPU thread(s); {gpu}")
    device = args.device

    t = time.perf_counter()
    inter, info, texts = load(args.data)
    print(f"loaded {inter.n_users} users, {inter.n_items:,} movies, {len(inter.users):,} "
          f"ratings in {time.perf_counter() - t:.1f} s")
    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:12]
    frozen, secs = encode(args.model, texts, CACHE / f"frozen-{key}.npy", device)
    print(f"frozen MiniLM vectors: {'cached' if not secs else f'{secs:.1f} s'}")

    # ---- protocol 1: temporal split + cold movies ------------------------------------------
    rng = np.random.default_rng(0)
    rated = np.unique(inter.items)
    cold = np.zeros(inter.n_items, dtype=bool)
    cold[rng.choice(rated, round(0.1 * len(rated)), replace=False)] = True
    temporal = temporal_split(inter, fraction=0.2)
    on_cold = cold[inter.items]
    train_mask = temporal & ~on_cold
    warm = inter.subset(train_mask | (~temporal & ~on_cold))
    warm_train = train_mask[train_mask | (~temporal & ~on_cold)]
    train_inter = inter.subset(train_mask)
    inner_mask = temporal_split(train_inter, fraction=0.2)  # validation inside training
    print(f"\nprotocol 1: {train_mask.sum():,} training ratings, {(~temporal & ~on_cold).sum():,}"
          f" warm test ratings, {cold.sum():,} cold movies with {on_cold.sum():,} ratings")

    # fine-tune on pairs from the validation split's training part only, so validation and
    # test both judge it on ratings it never saw
    tune_cfg = TuneConfig(max_pairs=args.tune_pairs or None, epochs=args.tune_epochs)
    inner_train = train_inter.subset(inner_mask)
    pairs = training_pairs(inner_train, np.arange(inner_train.n_users), info.tags, tune_cfg)
    tkey = hashlib.sha256(pairs.anchors.tobytes() + pairs.positive_items.tobytes()
                          + repr(tune_cfg).encode() + key.encode()).hexdigest()[:12]
    model_dir = CACHE / f"encoder-{tkey}"
    if not (model_dir / "model.safetensors").is_file():
        from curator.core.embedding.text_encoder import default_model_path

        result = fine_tune(texts, pairs, args.model or default_model_path(), model_dir, tune_cfg,
                           device=device)
        steps = result.steps
        used = min(len(pairs), args.tune_pairs or len(pairs))
        print(f"fine-tuned MiniLM on {used:,} of {len(pairs):,} pairs x {tune_cfg.epochs} "
              f"epoch(s) ({steps} steps of {tune_cfg.batch_size}) in {result.seconds:.1f} s on "
              f"{device}; loss {np.mean(result.first_losses):.3f} (first 5 steps) -> "
              f"{result.losses[-1]:.3f} (last epoch's mean); peak RSS {peak_mb():,.0f} MB"
              f"{gpu_peak()}", flush=True)
    else:
        print(f"fine-tuned encoder: cached in {model_dir}")
    tuned, secs = encode(model_dir, texts, CACHE / f"tuned-{tkey}.npy", device)
    print(f"fine-tuned vectors: {'cached' if not secs else f'{secs:.1f} s'}")

    seq_cfg = SequenceConfig(epochs=max(args.epochs), max_len=args.max_len)
    if args.negatives:
        seq_cfg = replace(seq_cfg, negatives=args.negatives, full_softmax_items=0)
    print(f"sequence model settings: {seq_cfg}")

    def signals(seq_model):
        # the sequence model always reads the frozen vectors it was trained with
        return [ContentSignal(), ItemCFSignal(), PopularitySignal(),
                SequenceSignal(seq_model, vectors=frozen)]

    print("sequence model, temporal protocol:")
    # validation: choose the epochs and the hybrid weights
    val_models = timed_train("validation model", inner_train, frozen, seq_cfg, args.epochs,
                             device)
    val_scores = {}
    for e, m in val_models.items():
        ev = Evaluation(train_inter, inner_mask, signals=signals(m), info=info, vectors=frozen,
                        config=CONFIG, k=10)
        val_scores[e] = (ev.measure({"sequence": 1.0}).metrics["ndcg"], ev)
    epochs = max(val_scores, key=lambda e: val_scores[e][0])
    val = val_scores[epochs][1]
    val_tuned = Evaluation(train_inter, inner_mask, signals=signals(val_models[epochs]),
                           info=info, vectors=tuned, config=CONFIG, k=10)
    print(f"  validation nDCG@10 of the sequence alone by epochs: "
          f"{ {e: round(s, 4) for e, (s, _) in val_scores.items()} } -> {epochs}")
    grid = [0.0, 0.05, 0.1, 0.3, 0.5]
    without = best_weights(val, {"content": grid, "popularity": grid[:3]}, "ndcg")
    with_new = best_weights(val_tuned, {"content": grid, "popularity": grid[:3],
                                        "sequence": [0.0, 0.25, 0.5, 1.0, 2.0]}, "ndcg")
    print(f"  hybrid weights chosen on validation: without {without}; with {with_new} "
          "(content: fine-tuned)")
    test_model = timed_train(f"test model ({epochs} epochs, all training ratings)",
                             train_inter, frozen, replace(seq_cfg, epochs=epochs),
                             device=device)

    def both(vectors):
        warm_ev = Evaluation(warm, warm_train, signals=signals(test_model), info=info,
                             vectors=vectors, config=CONFIG, k=10)
        cold_ev = Evaluation(inter.subset(train_mask | on_cold),
                             train_mask[train_mask | on_cold], signals=signals(test_model),
                             info=info, vectors=vectors, config=CONFIG, k=50,
                             allowed=cold)  # cold movies ranked among themselves
        return warm_ev, cold_ev

    worlds = {"frozen": both(frozen), "tuned": both(tuned)}
    rows = [("content, frozen MiniLM", "frozen", {"content": 1.0}),
            ("content, fine-tuned", "tuned", {"content": 1.0}),
            ("sequence alone", "frozen", {"sequence": 1.0}),
            ("EASE alone", "frozen", {"item": 1.0}),
            ("hybrid without new signals", "frozen", without),
            ("hybrid with new signals", "tuned", with_new)]
    ev, cold_ev = worlds["frozen"]
    print(f"\n{'':<30}{'nDCG@10':>9}{'cold R@50':>11}   ({len(ev.users)} warm users, "
          f"{len(cold_ev.users)} users with cold ratings)")
    for name, world, weights in rows:
        warm_ev, cold_ev = worlds[world]
        ndcg = warm_ev.measure(weights).metrics["ndcg"]
        recall = cold_ev.measure(weights).metrics["recall"]
        print(f"{name:<30}{ndcg:>9.4f}{recall:>11.4f}")

    # ---- protocol 2: next item, leave the last one out ---------------------------------------
    print("\nprotocol 2: next item (leave the last rating out)")
    loo = temporal_split(inter, last_n=1)
    loo_train = inter.subset(loo)
    loo_inner = temporal_split(loo_train, last_n=1)
    models = timed_train("validation model", loo_train.subset(loo_inner), frozen, seq_cfg,
                         args.epochs, device)
    l2_grid = [50.0, 250.0, 1000.0]
    scores = {}
    for e, m in models.items():
        v = Evaluation(loo_train, loo_inner, signals=[SequenceSignal(m)], info=info,
                       vectors=frozen, config=CONFIG, k=10)
        scores[e] = v.measure({"sequence": 1.0}).metrics["hit_rate"]
    l2_scores = {}
    for l2 in l2_grid:
        v = Evaluation(loo_train, loo_inner, signals=[ItemCFSignal(l2=l2)], info=info,
                       vectors=frozen, config=CONFIG, k=10)
        l2_scores[l2] = v.measure({"item": 1.0}).metrics["hit_rate"]
    epochs = max(scores, key=scores.get)
    l2 = max(l2_scores, key=l2_scores.get)
    print(f"  validation HR@10: sequence by epochs "
          f"{ {e: round(v, 4) for e, v in scores.items()} } -> {epochs}; EASE by l2 "
          f"{ {k: round(v, 4) for k, v in l2_scores.items()} } -> {l2:g}")
    final = timed_train(f"test model ({epochs} epochs)", loo_train, frozen,
                        replace(seq_cfg, epochs=epochs), device=device)
    ev = Evaluation(inter, loo, signals=[SequenceSignal(final), ItemCFSignal(l2=l2),
                                         PopularitySignal()], info=info, vectors=frozen,
                    config=CONFIG, k=10)
    print(f"\n{'':<30}{'HR@10':>9}{'nDCG@10':>9}   ({len(ev.users)} users)")
    for name, weights in (("sequence", {"sequence": 1.0}), (f"EASE (l2 {l2:g})", {"item": 1.0}),
                          ("popularity", {"popularity": 1.0})):
        m = ev.measure(weights).metrics
        print(f"{name:<30}{m['hit_rate']:>9.4f}{m['ndcg']:>9.4f}")
    print(f"\npeak resident memory of the whole run: {peak_mb():,.0f} MB")


if __name__ == "__main__":
    main()
