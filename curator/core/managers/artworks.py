"""Artworks: reading them, facets, keyword and semantic search, "more like this"."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from .. import checks
from ..embedding.search import Filters
from ..errors import CuratorError
from .base import Manager


@dataclass(frozen=True)
class Hit:
    """One search or neighbour result."""

    id: str
    score: float
    title: str | None
    artists: list[str]
    date_text: str | None

    def to_json(self) -> dict:
        return {"id": self.id, "score": round(self.score, 6), "title": self.title,
                "artists": self.artists, "date_text": self.date_text}


class ArtworkManager(Manager):
    """``catalog.artworks``: the collection as a curator browses it. Read-only."""

    def get(self, ids: list[str]) -> list[dict]:
        """Curated fields of the given artworks (any order; unknown ids are left out)."""
        if not ids:
            return []
        cur = self._store.cursor()
        try:
            cur.register("_wanted", pa.table({"id": list(ids)}))
            rows = cur.sql(
                "SELECT a.id, title, artists, date_text, year_start, year_end, medium, "
                "classification, description, tags, image_path, available FROM artworks a "
                "JOIN _wanted w ON w.id = a.id").to_arrow_table().to_pylist()
        finally:
            cur.close()
        return rows

    def one(self, artwork_id: str) -> dict | None:
        """One artwork's curated fields, or ``None`` when there is no such artwork."""
        found = self.get([artwork_id])
        return found[0] if found else None

    def find_ids(self, filters: Filters | None = None, *, order: str = "title",
                 limit: int | None = None) -> list[str]:
        """Artwork ids matching the filters (keyword text included), in ``order``."""
        where, params = (filters or Filters()).where()
        order_sql = {"title": "title NULLS LAST, id", "id": "id",
                     "year": "year_start NULLS LAST, id"}.get(order, "id")
        sql = f"SELECT id FROM artworks WHERE {where} ORDER BY {order_sql}"
        if limit:
            sql += f" LIMIT {int(limit)}"
        cur = self._store.cursor()
        try:
            return [r[0] for r in cur.execute(sql, params).fetchall()]
        finally:
            cur.close()

    def facet_values(self, field: str, *, limit: int = 200) -> list[tuple[str, int]]:
        """The most common values of ``artists``, ``tags``, ``medium`` or ``classification``."""
        if field in ("artists", "tags"):
            sql = (f"SELECT v, count(*) c FROM (SELECT unnest({field}) AS v FROM artworks) "
                   "GROUP BY v ORDER BY c DESC, v LIMIT ?")
        elif field in ("medium", "classification"):
            sql = (f"SELECT {field}, count(*) c FROM artworks WHERE {field} IS NOT NULL "
                   "GROUP BY 1 ORDER BY c DESC, 1 LIMIT ?")
        else:
            raise CuratorError(f"There is no facet {field!r}.")
        cur = self._store.cursor()
        try:
            return cur.execute(sql, [limit]).fetchall()
        finally:
            cur.close()

    def year_bounds(self) -> tuple[int | None, int | None]:
        cur = self._store.cursor()
        try:
            return tuple(cur.execute("SELECT min(year_start), max(year_end) FROM artworks"
                                     ).fetchall()[0])
        finally:
            cur.close()

    # -- by meaning -----------------------------------------------------------------------
    def search(self, query: str, *, k: int = 20, filters: Filters | None = None
               ) -> list[Hit]:
        """Artworks whose text is closest in meaning to ``query``, best first."""
        checks.count("The number of results (-k)", k)
        embeddings = self._catalog.embeddings
        index = embeddings.text_index()
        vector = embeddings.text_encoder().encode([query])[0]
        return self._hits(index.top_k(vector, k, index.allowed(self._store, filters)))

    def similar(self, artwork_id: str, *, k: int = 20, filters: Filters | None = None
                ) -> list[Hit]:
        """Artworks most like ``artwork_id`` ("more like this"), best first."""
        checks.count("The number of results (-k)", k)
        index = self._catalog.embeddings.text_index()
        pos = index.position(artwork_id)
        if pos is None:
            known = self.one(artwork_id) is not None
            raise CuratorError(f"Artwork {artwork_id} has no embedding yet; run `curator embed`."
                               if known else f"There is no artwork {artwork_id!r}.")
        found = index.top_k(index.matrix[pos], k, index.allowed(self._store, filters),
                            exclude={artwork_id})
        return self._hits(found)

    def visually_similar(self, artwork_id: str, *, k: int = 20,
                         filters: Filters | None = None) -> list[Hit]:
        """Artworks whose images look most like this one's."""
        checks.count("The number of results (-k)", k)
        index = self._catalog.embeddings.image_index()
        pos = index.position(artwork_id)
        if pos is None:
            raise CuratorError(f"Artwork {artwork_id} has no described image.")
        return self._hits(index.top_k(index.matrix[pos], k,
                                      index.allowed(self._store, filters),
                                      exclude={artwork_id}))

    def search_images(self, query: str, *, k: int = 20, filters: Filters | None = None
                      ) -> list[Hit]:
        """Pictures matching words (needs a CLIP-style image model)."""
        checks.count("The number of results (-k)", k)
        embeddings = self._catalog.embeddings
        encoder = embeddings.image_encoder()
        if not getattr(encoder, "can_match_text", False):
            raise CuratorError("Searching pictures by words needs a CLIP-style image model; "
                               "the colour/texture descriptor cannot read text.")
        index = embeddings.image_index()
        vector = encoder.encode_texts([query])[0]
        return self._hits(index.top_k(vector, k, index.allowed(self._store, filters)))

    def _hits(self, found: list[tuple[str, float]]) -> list[Hit]:
        details = {a["id"]: a for a in self.get([i for i, _ in found])}
        return [Hit(i, s, details[i]["title"], details[i]["artists"] or [],
                    details[i]["date_text"]) for i, s in found if i in details]
