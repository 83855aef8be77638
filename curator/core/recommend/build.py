"""Assembling a recommender from a database: histories, vectors, artwork facts."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..embedding.search import VectorIndex
from .explain import ItemInfo
from .hybrid import HybridRecommender
from .interactions import Interactions, WeightConfig
from .signals import ContentSignal, FitData, ItemCFSignal, PopularitySignal, Signal

SIGNALS = ("content", "item", "popularity")
DEFAULT_WEIGHTS = {"content": 0.3, "item": 1.0, "popularity": 0.1, "brief": 0.5}


def default_signals() -> list[Signal]:
    return [ContentSignal(), ItemCFSignal(), PopularitySignal()]


def aligned_vectors(index: VectorIndex | None, item_ids: np.ndarray) -> np.ndarray | None:
    """The index's vectors in the order of ``item_ids``; zero rows for missing ones."""
    if index is None or len(index) == 0:
        return None
    out = np.zeros((len(item_ids), index.matrix.shape[1]), dtype=np.float32)
    pos = index.positions(item_ids)
    out[pos >= 0] = index.matrix[pos[pos >= 0]]
    return out


def graph_neighbours(index: VectorIndex | None, item_ids: np.ndarray):
    """What :attr:`FitData.neighbours` asks for, from ``index``'s approximate graph (in
    ``item_ids``' positions); ``None`` when the space has no graph (a catalog small enough
    for the content signal to compare each history with every artwork)."""
    if index is None or index.ann is None:
        return None
    rows = index.positions(item_ids)
    item_of_row = np.full(len(index), -1, dtype=np.int64)
    item_of_row[rows[rows >= 0]] = np.flatnonzero(rows >= 0)

    def neighbours(items: np.ndarray, count: int) -> list[np.ndarray]:
        at = rows[np.asarray(items, dtype=np.int64)]
        found = iter(index.neighbour_rows(at[at >= 0], count))
        out = []
        for row in at:
            near = item_of_row[next(found)] if row >= 0 else np.empty(0, dtype=np.int64)
            out.append(near[near >= 0])
        return out

    return neighbours


def build(store, index: VectorIndex | None, config: WeightConfig | None = None,
          interactions: Interactions | None = None,
          signals: list[Signal] | None = None, saved: Path | None = None,
          write: bool = False) -> HybridRecommender:
    """The recommender over the store's histories; with ``saved`` (a folder, see
    :mod:`.saved`) what was fitted on exactly these data is loaded from there, and what had
    to be fitted is saved there when ``write``."""
    from .saved import fit_or_load

    interactions = interactions or Interactions.from_store(store)
    data = FitData(interactions, config or WeightConfig(),
                   aligned_vectors(index, interactions.item_ids),
                   graph_neighbours(index, interactions.item_ids))
    info = ItemInfo.from_store(store, interactions.item_ids)
    return fit_or_load(signals or default_signals(), data, info, saved, write=write)
