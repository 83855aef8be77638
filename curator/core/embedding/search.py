"""Exact nearest neighbours over a space's vectors, with facet filters.

Scores are cosine similarities (vectors are unit length): one matrix product and a
partial sort. On a CUDA GPU the product runs in torch; NumPy otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..store import Store
from .spaces import Space, read_vectors


@dataclass(frozen=True)
class Filters:
    """Facet filters; each one given narrows the candidates."""

    artist: str | None = None
    medium: str | None = None
    classification: str | None = None
    tag: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    text: str | None = None

    def active(self) -> bool:
        return any(v is not None and v != "" for v in self.__dict__.values())

    def where(self) -> tuple[str, list]:
        """A SQL condition over ``artworks`` and its parameters (always ``?`` bound)."""
        parts: list[str] = []
        params: list = []
        if self.artist:
            parts.append("list_contains([lower(x) for x in artists], lower(?))")
            params.append(self.artist)
        if self.medium:
            parts.append("medium ILIKE ? ESCAPE '\\'")
            params.append(f"%{_escape_like(self.medium)}%")
        if self.classification:
            parts.append("classification ILIKE ? ESCAPE '\\'")
            params.append(f"%{_escape_like(self.classification)}%")
        if self.tag:
            parts.append("list_contains([lower(x) for x in tags], lower(?))")
            params.append(self.tag)
        if self.year_from is not None:
            parts.append("year_end >= ?")
            params.append(int(self.year_from))
        if self.year_to is not None:
            parts.append("year_start <= ?")
            params.append(int(self.year_to))
        if self.text:
            words = [w for w in self.text.split() if w]
            for w in words:
                parts.append("(title ILIKE ? ESCAPE '\\' OR array_to_string(artists, ' ') ILIKE ? "
                             "ESCAPE '\\' OR medium ILIKE ? ESCAPE '\\' OR "
                             "array_to_string(tags, ' ') ILIKE ? ESCAPE '\\' OR "
                             "description ILIKE ? ESCAPE '\\')")
                params.extend([f"%{_escape_like(w)}%"] * 5)
        return (" AND ".join(parts) or "TRUE"), params


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class VectorIndex:
    """All vectors of one space in memory. Build with :meth:`load`; read-only after."""

    space: Space
    ids: np.ndarray
    matrix: np.ndarray
    _pos: dict[str, int] = field(default_factory=dict, repr=False)
    _device_matrix: object = field(default=None, repr=False)

    @classmethod
    def load(cls, store: Store, space: Space) -> VectorIndex:
        cur = store.cursor()
        try:
            ids, matrix = read_vectors(cur, space)
        finally:
            cur.close()
        return cls(space, ids, matrix)

    def __len__(self) -> int:
        return len(self.ids)

    def position(self, artwork_id: str) -> int | None:
        if not self._pos:
            self._pos = {a: i for i, a in enumerate(self.ids)}
        return self._pos.get(artwork_id)

    def mask_for(self, store: Store, filters: Filters | None) -> np.ndarray | None:
        """Boolean mask of rows allowed by ``filters`` (``None``: all rows)."""
        if filters is None or not filters.active():
            return None
        where, params = filters.where()
        cur = store.cursor()
        try:
            allowed = cur.execute(f"SELECT id FROM artworks WHERE {where}", params).fetchall()
        finally:
            cur.close()
        mask = np.zeros(len(self.ids), dtype=bool)
        for (artwork_id,) in allowed:
            pos = self.position(artwork_id)
            if pos is not None:
                mask[pos] = True
        return mask

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine similarity of every row with ``query`` (one vector)."""
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        if len(self.ids) >= 200_000:
            gpu = self._gpu_scores(query)
            if gpu is not None:
                return gpu
        return self.matrix @ query

    def _gpu_scores(self, query: np.ndarray) -> np.ndarray | None:
        try:
            import torch
        except ImportError:
            return None
        if not torch.cuda.is_available():
            return None
        if self._device_matrix is None:
            self._device_matrix = torch.from_numpy(self.matrix).to("cuda", torch.float16)
        q = torch.from_numpy(query).to("cuda", torch.float16)
        return (self._device_matrix @ q).float().cpu().numpy()

    def top_k(self, query: np.ndarray, k: int, mask: np.ndarray | None = None,
              exclude: set[str] | None = None) -> list[tuple[str, float]]:
        """The ``k`` best ``(id, score)`` pairs, best first."""
        scores = self.scores(query)
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        if exclude:
            for artwork_id in exclude:
                pos = self.position(artwork_id)
                if pos is not None:
                    scores[pos] = -np.inf
        k = min(k, int(np.isfinite(scores).sum()))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(str(self.ids[i]), float(scores[i])) for i in top]
