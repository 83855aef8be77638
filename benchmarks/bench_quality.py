"""Recommendation quality: every model, every protocol, one run, one table.

    python benchmarks/bench_quality.py [--quick] [--protocols ml100k,temporal,cold,synthetic]
        [--item-cf auto|ease|knn] [--no-peers]

The curator rows fit item CF as the app does (``auto``: EASE while its predicted fit is
within budget, else kNN; the "item CF alone" row names the one chosen); ``--item-cf``
forces one, and those rows are marked with it.

Protocols (k = 10 unless said):
  ml100k    MovieLens-100k, Microsoft Recommenders protocol: per-user random 75/25, seed 42;
            every rating counts as an interaction; nDCG@10.
  temporal  ml-latest-small, the last 20% of each user's ratings held out; nDCG@10.
  cold      ml-latest-small, 10% of the rated movies (seed 42) lose all their ratings in
            training; recall@50 of those movies among everything each user has not seen.
  synthetic a 1-in-10 Tate sample with visitors in taste groups (see
            curator/core/evaluate/synthetic.py): share of each top 10 from the visitor's own
            current taste, the Henry Moore-only and the drifted visitor, and the share of
            explanation clauses whose signal carries under 15% of the score.

Every model's settings are chosen on a validation split carved from that protocol's
training events (the same carving for all), never on the test events. Peers come from the
package registry (the ``bench`` extra; see pyproject.toml for building LightFM on Python
3.11): implicit's ALS, BPR and item kNN, cornac's EASE,
and LightFM with item features (genres, and genres plus the same title embeddings the
hybrid uses, reduced to their 32 leading principal components) as the hybrid peer.
Content vectors are the project's encoder run over "title. genres", cached in
``.cache/bench_quality`` (with the embedded Tate sample) so reruns are fast.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks._common import SHARED_DATA, need  # noqa: E402
from curator.core.evaluate import synthetic  # noqa: E402
from curator.core.evaluate.fit import fit_profile, split_mask  # noqa: E402
from curator.core.evaluate.metrics import accuracy  # noqa: E402
from curator.core.evaluate.runner import Evaluation  # noqa: E402
from curator.core.recommend.explain import ItemInfo  # noqa: E402
from curator.core.recommend.hybrid import Rules  # noqa: E402
from curator.core.recommend.interactions import Interactions, WeightConfig  # noqa: E402
from curator.core.recommend.profiles import BUILT_IN  # noqa: E402
from curator.core.recommend.signals import (  # noqa: E402
    ContentSignal,
    ItemCFSignal,
    PopularitySignal,
)

CACHE = Path(__file__).resolve().parents[1] / ".cache" / "bench_quality"
ML = SHARED_DATA / "movielens"


# -- data ---------------------------------------------------------------------------------
@dataclass
class Data:
    name: str
    inter: Interactions
    info: ItemInfo
    genres: sp.csr_matrix      # items x genres, 0/1
    vectors: np.ndarray        # items x d, unit rows (the project's text encoder)


def _data(name: str, items: list[tuple[str, str, list[str]]],
          ratings: list[tuple[str, str, float, float]]) -> Data:
    item_ids = np.asarray([i for i, _, _ in items], dtype=object)
    pos = {i: n for n, i in enumerate(item_ids)}
    ratings = [r for r in ratings if r[1] in pos]
    user_ids = np.asarray(sorted({r[0] for r in ratings}), dtype=object)
    upos = {u: n for n, u in enumerate(user_ids)}
    inter = Interactions(
        user_ids, item_ids, users=np.asarray([upos[r[0]] for r in ratings]),
        items=np.asarray([pos[r[1]] for r in ratings]),
        kinds=np.full(len(ratings), "rating", dtype=object),
        values=np.asarray([r[2] for r in ratings], dtype=float),
        ts=np.asarray([r[3] for r in ratings], dtype=float))
    names = sorted({g for _, _, gs in items for g in gs})
    gpos = {g: n for n, g in enumerate(names)}
    rows = [n for n, (_, _, gs) in enumerate(items) for _ in gs]
    cols = [gpos[g] for _, _, gs in items for g in gs]
    genres = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                           shape=(len(items), len(names)))
    info = ItemInfo(titles=[t for _, t, _ in items], years=[None] * len(items),
                    tags=[gs for _, _, gs in items], artist_index=np.full(len(items), -1),
                    available=np.ones(len(items), dtype=bool))
    texts = [f"{t}. {', '.join(gs)}" for _, t, gs in items]
    return Data(name, inter, info, genres, encode_cached(name, texts))


def encode_cached(name: str, texts: list[str]) -> np.ndarray:
    from curator.core.embedding.text_encoder import TextEncoder, default_model_path

    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"{name}-{key}.npy"
    if path.exists():
        return np.load(path, allow_pickle=False)
    start = time.perf_counter()
    vectors = TextEncoder(default_model_path(), device="cpu").encode(texts)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors.astype(np.float32), allow_pickle=False)
    print(f"  embedded {len(texts):,} {name} titles in {time.perf_counter() - start:.0f} s "
          f"(cached in {path})")
    return vectors.astype(np.float32)


def movielens_100k() -> Data:
    folder = need(ML / "ml-100k")
    genre_names = [line.split("|")[0] for line in
                   (folder / "u.genre").read_text(encoding="latin-1").splitlines() if line]
    items = []
    for line in (folder / "u.item").read_text(encoding="latin-1").splitlines():
        f = line.split("|")
        if not f[0].isdigit():
            continue  # a header line
        flags = f[-len(genre_names):]
        items.append((f[0], f[1], [g for g, x in zip(genre_names, flags, strict=True)
                                   if x == "1"]))
    ratings = []
    for line in (folder / "u.data").read_text().splitlines():
        u, i, r, t = line.split("\t")
        ratings.append((u, i, float(r), float(t)))
    return _data("ml-100k", items, ratings)


def movielens_small() -> Data:
    folder = need(ML / "ml-latest-small")
    with open(folder / "movies.csv", encoding="utf-8") as handle:
        items = [(r["movieId"], r["title"], [g for g in r["genres"].split("|")
                                             if g != "(no genres listed)"])
                 for r in csv.DictReader(handle)]
    with open(folder / "ratings.csv", encoding="utf-8") as handle:
        ratings = [(r["userId"], r["movieId"], float(r["rating"]), float(r["timestamp"]))
                   for r in csv.DictReader(handle)]
    return _data("ml-latest-small", items, ratings)


# -- peers --------------------------------------------------------------------------------
class Peer:
    """A model from another library, scored the same way as the hybrid."""

    name = "peer"
    grid: list[dict] = [{}]

    def fit(self, train: sp.csr_matrix, data: Data, **params) -> Peer:
        raise NotImplementedError

    def scores(self, users: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class ImplicitPeer(Peer):
    def __init__(self, name: str, make, grid: list[dict]):
        self.name, self.make, self.grid = name, make, grid

    def fit(self, train, data, **params):
        self.model = self.make(**params)
        self.model.fit(train, show_progress=False)
        self.train = train
        return self

    def scores(self, users):
        m = self.model
        if hasattr(m, "similarity"):  # item kNN: history x item similarity
            return np.asarray((self.train[users] @ m.similarity).todense(), dtype=np.float32)
        return np.asarray(m.user_factors[users] @ m.item_factors.T, dtype=np.float32)


class CornacEASE(Peer):
    name = "EASE (cornac)"
    grid = [{"lamb": 250.0}, {"lamb": 500.0}]

    def fit(self, train, data, **params):
        import cornac
        from cornac.models import EASE

        coo = train.tocoo()
        triples = [(str(u), str(i), 1.0) for u, i in zip(coo.row, coo.col, strict=True)]
        dataset = cornac.data.Dataset.from_uir(triples, seed=42)
        self.model = EASE(lamb=params["lamb"], posB=False, verbose=False)
        self.model.fit(dataset)
        self.uidx = dataset.uid_map
        self.items = np.asarray([int(i) for i in dataset.iid_map], dtype=np.int64)
        self.cols = np.asarray(list(dataset.iid_map.values()), dtype=np.int64)
        self.n_items = train.shape[1]
        return self

    def scores(self, users):
        out = np.zeros((len(users), self.n_items), dtype=np.float32)
        for r, u in enumerate(users):
            idx = self.uidx.get(str(u))
            if idx is not None:
                out[r, self.items] = np.asarray(self.model.score(idx)).ravel()[self.cols]
        return out


class LightFMPeer(Peer):
    def __init__(self, name: str, features: str):
        self.name, self.features = name, features
        self.grid = [{"epochs": 15}, {"epochs": 40}]

    def fit(self, train, data, **params):
        from lightfm import LightFM

        blocks = [data.genres]
        if self.features == "identity+genres":
            blocks.insert(0, sp.identity(train.shape[1], format="csr"))
        else:  # genres and the title embeddings, no per-item identity: works for new items
            blocks.append(sp.csr_matrix(principal_components(data.vectors, LIGHTFM_DIMS)))
        self.item_features = sp.hstack(blocks, format="csr").astype(np.float32)
        self.model = LightFM(no_components=64, loss="warp", random_state=42)
        self.model.fit(train.tocoo(), item_features=self.item_features, epochs=params["epochs"],
                       num_threads=2)
        return self

    def scores(self, users):
        ub, ue = self.model.get_user_representations()
        ib, ie = self.model.get_item_representations(self.item_features)
        return (ue[users] @ ie.T + ib[None, :] + ub[users, None]).astype(np.float32)


# LightFM's time grows with every item's number of features: the 384 dimensions of the
# title embeddings made each fit take minutes of CPU per epoch grid; their leading
# principal components carry the same neighbourhoods at a tenth of the cost.
LIGHTFM_DIMS = 32


def principal_components(vectors: np.ndarray, dims: int) -> np.ndarray:
    """``vectors`` projected on their ``dims`` leading (uncentred) principal directions."""
    _, _, vt = np.linalg.svd(vectors.astype(np.float64), full_matrices=False)
    return (vectors @ vt[:dims].T).astype(np.float32)


def peers() -> list[Peer]:
    from implicit.als import AlternatingLeastSquares
    from implicit.bpr import BayesianPersonalizedRanking
    from implicit.nearest_neighbours import CosineRecommender

    return [
        ImplicitPeer("ALS (implicit)", lambda **p: AlternatingLeastSquares(
            random_state=42, iterations=20, **p),
            [{"factors": 64, "regularization": 0.05, "alpha": a} for a in (1.0, 10.0)]),
        ImplicitPeer("BPR (implicit)", lambda **p: BayesianPersonalizedRanking(
            random_state=42, iterations=100, **p),
            [{"factors": 64, "learning_rate": lr} for lr in (0.01, 0.05)]),
        ImplicitPeer("ItemKNN (implicit)", lambda **p: CosineRecommender(**p),
                     [{"K": k} for k in (50, 200)]),
        CornacEASE(),
        LightFMPeer("LightFM genres+id", "identity+genres"),
        LightFMPeer("LightFM genres+embeddings", "genres+embeddings"),
    ]


# -- measuring ----------------------------------------------------------------------------
def top_k(scores: np.ndarray, candidates: np.ndarray, k: int) -> np.ndarray:
    scores = np.where(candidates, scores, -np.inf)
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1)


def peer_metrics(peer: Peer, data: Data, inter: Interactions, train: np.ndarray, k: int,
                 val_inner: np.ndarray | None) -> tuple[dict, dict]:
    """Choose the peer's settings on the inner validation split, then measure on test."""
    best = (None, peer.grid[0])
    if len(peer.grid) > 1:
        inner = inter.subset(train)
        ev = _frame(inner, val_inner, k)
        for params in peer.grid:
            m = _measure_peer(peer, data, ev, params, k)
            if best[0] is None or m["ndcg"] > best[0]:
                best = (m["ndcg"], params)
    return _measure_peer(peer, data, _frame(inter, train, k), best[1], k), best[1]


@dataclass
class Frame:
    train: sp.csr_matrix
    users: np.ndarray
    relevant: sp.csr_matrix
    candidates: np.ndarray


def _frame(inter: Interactions, train_mask: np.ndarray, k: int) -> Frame:
    train = inter.subset(train_mask).matrix()
    relevant = inter.subset(~train_mask).matrix()
    users = np.flatnonzero(np.diff(relevant.indptr) > 0)
    candidates = np.ones((len(users), inter.n_items), dtype=bool)
    seen = train[users]
    rows = np.repeat(np.arange(len(users)), np.diff(seen.indptr))
    candidates[rows, seen.indices] = False
    return Frame(train, users, relevant[users], candidates)


def _measure_peer(peer, data, frame: Frame, params, k) -> dict:
    peer.fit(frame.train, data, **params)
    return accuracy(top_k(peer.scores(frame.users), frame.candidates, k), frame.relevant)


# How item CF is fitted: "auto" is what the app does (EASE while its predicted fit is
# within budget, else kNN); --item-cf ease or knn forces one, to see what each gives.
ITEM_CF = "auto"
RUN_PEERS = True


def curator_signals() -> list:
    return [ContentSignal(), ItemCFSignal(method=ITEM_CF), PopularitySignal()]


def curator_rows(data: Data, inter: Interactions, train: np.ndarray, split: str, k: int,
                 quick: bool, fit_on: Interactions | None = None
                 ) -> tuple[dict[str, dict], object]:
    """The hybrid under the built-in and the fitted default profile, and its signals alone.

    Fitting splits ``fit_on`` (default: all events, split the protocol's way, so its
    training part is the protocol's) and carves validation from the training part only.
    """
    rows = {}
    profiles = {"curator built-in default": BUILT_IN}
    fitted = None
    if not quick:
        start = time.perf_counter()
        fitted = fit_profile(fit_on or inter, data.info, data.vectors, BUILT_IN, split=split,
                             signals_factory=curator_signals, max_users=None)
        profiles["curator fitted default"] = fitted.profile
        print(f"  fitted in {time.perf_counter() - start:.0f} s: "
              + fitted.summary().replace("\n", " "))
    for name, profile in profiles.items():
        ev = Evaluation(inter, train, signals=curator_signals(), info=data.info,
                        vectors=data.vectors, config=profile.weight_config(), k=k)
        rows[name] = ev.measure(profile.weights, Rules(mmr_lambda=profile.mmr_lambda)).metrics
        print(f"  {name}: nDCG@{k} {rows[name]['ndcg']:.4f}, recall@{k} {rows[name]['recall']:.4f}",
              flush=True)
    ev = Evaluation(inter, train, signals=curator_signals(), info=data.info,
                    vectors=data.vectors, config=WeightConfig(half_life_days=None), k=k)
    method = ev.recommender.signals["item"].method  # the one "auto" chose, by size
    for signal, label in (("item", f"curator item CF alone ({method})"),
                          ("content", "curator content alone"), ("popularity", "popularity")):
        rows[label] = ev.measure({signal: 1.0}).metrics
    if ITEM_CF != "auto":
        rows = {(f"{n} [{ITEM_CF}]" if n.startswith("curator") else n): m
                for n, m in rows.items()}
    return rows, fitted


def cold_mask(inter: Interactions, share: float = 0.1, seed: int = 42) -> np.ndarray:
    rated = np.unique(inter.items)
    cold = np.random.default_rng(seed).choice(rated, round(share * len(rated)), replace=False)
    return ~np.isin(inter.items, cold)


def run_synthetic(per_group: int) -> dict[str, synthetic.Figures]:
    from curator.core.catalog import Catalog
    from curator.core.recommend.profiles import Profile

    base = CACHE / "tate-1in10.duckdb"
    if not base.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        sample = CACHE / "tate-1in10.jsonl"
        synthetic.sample_tate(need(SHARED_DATA / "tate" / "artworks.jsonl.gz"), sample,
                              every=10)
        start = time.perf_counter()
        building = CACHE / "tate-1in10.building.duckdb"
        with Catalog(building) as cat:
            cat.imports.catalog(sample)
            cat.embeddings.embed(device="auto")
        building.rename(base)
        print(f"  imported and embedded the Tate sample in {time.perf_counter() - start:.0f} s")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "world.duckdb"
        shutil.copy(base, db)
        with Catalog(db) as cat:
            artworks = cat.artworks.get(cat.artworks.find_ids())
            world = synthetic.make_visitors(artworks, Path(tmp) / "events.csv",
                                            per_group=per_group)
            cat.imports.events(Path(tmp) / "events.csv")
            print(f"  {len(artworks):,} artworks, {len(world.taste)} visitors, "
                  f"{world.events:,} events; groups "
                  + ", ".join(f"{g} {len(p)}" for g, p in world.pools.items()))
            out = {}
            report = cat.recommendations.fit_default_if_ready()
            if report is not None:
                print("  default profile fitted: " + report.summary().replace("\n", " "))
            cat.recommendations.save_profile(replace(BUILT_IN, name="built-in",
                                                     is_default=False))
            cat.recommendations.save_profile(Profile("content only", weights={"content": 1.0}))
            cat.recommendations.save_profile(Profile("item only", weights={"item": 1.0}))
            for label, profile in (("curator fitted default", None),
                                   ("curator built-in default", "built-in"),
                                   ("curator content alone", "content only"),
                                   ("curator EASE alone", "item only")):
                out[label] = synthetic.measure(
                    lambda u, p=profile: cat.recommendations.recommend(u, k=10, profile=p),
                    world)
            return out


def protocol_ml100k(put, chosen: dict, quick: bool) -> None:
    print("MovieLens-100k, 75/25 per user, seed 42", flush=True)
    ml100k = movielens_100k()
    train = split_mask(ml100k.inter, "stratified", seed=42)
    inner = split_mask(ml100k.inter.subset(train), "stratified", seed=7)
    run_protocol(ml100k, train, inner, "stratified", 10, "ml100k nDCG@10", "ndcg", put,
                 chosen, quick)


def protocol_temporal(small: Data, put, chosen: dict, quick: bool) -> None:
    print("ml-latest-small, last 20% of each user's ratings", flush=True)
    train = split_mask(small.inter, "temporal", seed=42)
    inner = split_mask(small.inter.subset(train), "temporal", seed=7)
    run_protocol(small, train, inner, "temporal", 10, "temporal nDCG@10", "ndcg", put,
                 chosen, quick)


def protocol_cold(small: Data, put, chosen: dict, quick: bool) -> None:
    print("ml-latest-small, 10% of movies cold (all their ratings out of training)", flush=True)
    train = cold_mask(small.inter)
    inner = split_mask(small.inter.subset(train), "stratified", seed=7)
    run_protocol(small, train, inner, "stratified", 50, "cold R@50", "recall", put, chosen,
                 quick, fit_on=small.inter.subset(train))


def run_protocol(data: Data, train, inner, split, k, column, metric, put, chosen, quick,
                 fit_on=None) -> None:
    rows, _ = curator_rows(data, data.inter, train, split, k, quick, fit_on=fit_on)
    for name, m in rows.items():
        put(name, column, m[metric])
    for peer in peers() if RUN_PEERS else []:
        start = time.perf_counter()
        m, params = peer_metrics(peer, data, data.inter, train, k, inner)
        put(peer.name, column, m[metric])
        chosen.setdefault(peer.name, {})[column] = params
        print(f"  {peer.name}: {m[metric]:.4f} ({time.perf_counter() - start:.0f} s)",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="built-in default profile only (no fitting)")
    parser.add_argument("--protocols", default="ml100k,temporal,cold,synthetic",
                        help="comma-separated subset of ml100k, temporal, cold, synthetic")
    parser.add_argument("--per-group", type=int, default=40,
                        help="synthetic visitors per taste group")
    parser.add_argument("--item-cf", choices=["auto", "ease", "knn"], default="auto",
                        help="how the curator rows fit item CF (auto: as the app does)")
    parser.add_argument("--no-peers", action="store_true", help="curator rows only")
    args = parser.parse_args()
    global ITEM_CF, RUN_PEERS
    ITEM_CF, RUN_PEERS = args.item_cf, not args.no_peers
    started = time.perf_counter()
    table: dict[str, dict[str, str]] = {}
    chosen: dict[str, dict] = {}

    def put(model: str, column: str, value: float) -> None:
        table.setdefault(model, {})[column] = f"{value:.4f}"

    wanted = set(args.protocols.split(","))
    if "ml100k" in wanted:
        protocol_ml100k(put, chosen, args.quick)
    if wanted & {"temporal", "cold"}:
        small = movielens_small()
        if "temporal" in wanted:
            protocol_temporal(small, put, chosen, args.quick)
        if "cold" in wanted:
            protocol_cold(small, put, chosen, args.quick)
    if "synthetic" in wanted:
        print("Tate 1-in-10 sample, visitors in taste groups", flush=True)
        for name, f in run_synthetic(args.per_group).items():
            put(name, "own taste", f.own_taste)
            put(name, "Moore-only", f.probes.get(synthetic.MOORE_PROBE, float("nan")))
            put(name, "drifted", f.probes.get(synthetic.DRIFT_PROBE, float("nan")))
            put(name, "new reached", f.new_reached)
            put(name, "weak clauses", f.weak_clauses)

    columns = ["ml100k nDCG@10", "temporal nDCG@10", "cold R@50", "own taste", "Moore-only",
               "drifted", "new reached", "weak clauses"]
    columns = [c for c in columns if any(c in row for row in table.values())]
    print()
    print(f"{'model':<28}" + "".join(f"{c:>17}" for c in columns))
    for model, row in table.items():
        print(f"{model:<28}" + "".join(f"{row.get(c, '-'):>17}" for c in columns))
    print("\npublished (Microsoft Recommenders, ml100k nDCG@10): BiVAE 0.475, BPR 0.442, "
          "LightGCN 0.420, NCF 0.396, SAR 0.382")
    print("peer settings chosen on validation: "
          + "; ".join(f"{n} {c}" for n, c in chosen.items()))
    print(f"total {time.perf_counter() - started:.0f} s")

if __name__ == "__main__":
    main()
