"""Artworks: reading them, facets, keyword, semantic and hybrid search, "more like this"."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .. import checks
from ..changes import Changes
from ..embedding.search import Filters, VectorIndex
from ..errors import CuratorError
from ..search.hybrid import MODES, Query
from ..search.hybrid import rank as rank_artworks
from ..search.lexical import LexicalIndex
from .base import Manager

# An extra field is offered as a facet when it has at most this many distinct values.
FACET_MAX_VALUES = 500


@dataclass(frozen=True)
class Hit:
    """One search or neighbour result."""

    id: str
    score: float
    title: str | None
    artists: list[str]
    date_text: str | None
    parts: dict | None = None  # search: where the keyword and semantic lists ranked it

    def to_json(self) -> dict:
        out = {"id": self.id, "score": round(self.score, 6), "title": self.title,
               "artists": self.artists, "date_text": self.date_text}
        if self.parts is not None:
            out["parts"] = self.parts
        return out


class Hits(list):
    """Ranked :class:`Hit` results, the mode that ranked them, and a ``notice`` for the
    person searching (for example that the catalog is still being embedded) or ``None``."""

    def __init__(self, hits=(), *, mode: str | None = None, notice: str | None = None):
        super().__init__(hits)
        self.mode = mode
        self.notice = notice


# How a title sorts: lower case, accents folded, leading punctuation and quotes and a
# leading article dropped ('"The Fighting Temeraire"' sorts under F).
TITLE_KEY = ("regexp_replace(regexp_replace(regexp_replace(strip_accents(lower(a.title)), "
             "'^[^\\pL\\pN]+', ''), '^((the|an|a|le|la|les|el|il|der|die|das)\\s+|l'')', ''), "
             "'^[^\\pL\\pN]+', '')")
ORDER_SQL = {
    "title": f"{TITLE_KEY} NULLS LAST, a.id",
    "artist": f"strip_accents(lower(a.artists[1])) NULLS LAST, {TITLE_KEY} NULLS LAST, a.id",
    "date": "a.year_start NULLS LAST, a.year_end NULLS LAST, a.id",
    "date_desc": "a.year_end DESC NULLS LAST, a.year_start DESC NULLS LAST, a.id",
    "added": "v.added DESC NULLS LAST, a.updated_at DESC, a.id",
    "year": "a.year_start NULLS LAST, a.id",
    "id": "a.id",
}
ORDERS = (None, "relevance", "title", "artist", "date", "date_desc", "added", "year", "id")


class ArtworkManager(Manager):
    """``catalog.artworks``: the collection as a curator browses it, and its availability."""

    def set_available(self, ids: list[str], available: bool) -> Changes:
        """Mark artworks unavailable (``False``: on loan, in conservation) or available again;
        recommendations leave unavailable ones out. One transaction; unknown ids change
        nothing and raise :class:`CuratorError`. ``count`` is how many changed.
        """
        from ..maintenance import set_available

        n = set_available(self._store, ids, available)
        state = "available again" if available else "unavailable"
        return self._catalog.apply(Changes(artworks=bool(n), count=n,
                                           message=f"{n:,} artworks marked {state}."))

    def get(self, ids: list[str]) -> list[dict]:
        """Curated fields of the given artworks (any order; unknown ids are left out).

        ``extra`` is a list of ``(name, value)`` pairs sorted by name, or ``None``.
        """
        if not ids:
            return []
        cur = self._store.cursor()
        try:
            cur.register("_wanted", pa.table({"id": list(ids)}))
            rows = cur.sql(
                "SELECT a.id, title, artists, date_text, year_start, year_end, medium, "
                "classification, description, tags, image_path, available, extra "
                "FROM artworks a "
                "JOIN _wanted w ON w.id = a.id").to_arrow_table().to_pylist()
        finally:
            cur.close()
        return rows

    def one(self, artwork_id: str) -> dict | None:
        """One artwork's curated fields, or ``None`` when there is no such artwork."""
        found = self.get([artwork_id])
        return found[0] if found else None

    def record(self, artwork_id: str) -> dict:
        """Every field of the artwork's source record as imported (empty when unknown)."""
        import json

        cur = self._store.cursor()
        try:
            found = cur.execute("SELECT record FROM artworks WHERE id = ?",
                                [artwork_id]).fetchone()
        finally:
            cur.close()
        if not found or found[0] is None:
            return {}
        value = json.loads(found[0]) if isinstance(found[0], str) else found[0]
        return value if isinstance(value, dict) else {"record": value}

    def find_ids(self, filters: Filters | None = None, *, order: str | None = None,
                 limit: int | None = None, within: list[str] | None = None) -> list[str]:
        """Artwork ids matching the filters, in ``order`` (one of :data:`ORDERS`).

        Keyword text (``filters.text``) matches whole words, accents folded, any of them.
        ``within`` keeps only those ids (a search's hits, best first). ``order``:
        ``None`` or ``"relevance"`` keeps the keyword ranking (BM25, works by an artist the
        text names first) or the order of ``within``, else title order; ``"title"`` ignores
        leading punctuation, quotes and articles ("The", "A", "Le"...); ``"artist"`` the
        first artist, then title; ``"date"`` oldest first, ``"date_desc"`` newest first;
        ``"added"`` the most recently imported first. Works without the key come last;
        ties are broken by id.
        """
        if order not in ORDERS:
            raise CuratorError(f"Unknown order {order!r}; use " + ", ".join(
                o for o in ORDERS if o) + ".")
        filters = filters or Filters()
        where, params = filters.where()
        ranked_by = None
        cur = self._store.cursor()
        try:
            source = "artworks a"
            if within is not None:
                cur.register("_within", pa.table({"id": pa.array(list(within), pa.string()),
                                                  "pos": pa.array(range(len(within)),
                                                                  pa.int64())}))
                source += " JOIN _within w ON w.id = a.id"
                ranked_by = "w.pos, a.id"
            if filters.text:
                lexical = self.lexical_index()
                ranked = rank_artworks(Query(filters.text, "keyword", lexical), None)
                cur.register("_matches", lexical.id_table(lexical.rows_of([r.id for r in ranked])))
                source += " JOIN _matches m ON m.id = a.id"
                ranked_by = ranked_by or "m.rank, a.id"
            if order == "added":
                source += (" LEFT JOIN (SELECT id, max(batch_id) AS added FROM artwork_versions "
                           "WHERE previous IS NULL GROUP BY id) v ON v.id = a.id")
            key = (ranked_by or ORDER_SQL["title"]) if order in (None, "relevance") \
                else ORDER_SQL[order]
            sql = f"SELECT a.id FROM {source} WHERE {where} ORDER BY {key}"
            if limit:
                sql += f" LIMIT {int(limit)}"
            return [r[0] for r in cur.execute(sql, params).fetchall()]
        finally:
            cur.close()

    def facet_values(self, field: str, *, limit: int = 200) -> list[tuple[str, int]]:
        """The most common values of ``artists``, ``tags``, ``medium``, ``classification``
        or an extra field (each of its "; "-separated values counts)."""
        params: list = [limit]
        if field in ("artists", "tags"):
            sql = (f"SELECT v, count(*) c FROM (SELECT unnest({field}) AS v FROM artworks) "
                   "GROUP BY v ORDER BY c DESC, v LIMIT ?")
        elif field in ("medium", "classification"):
            sql = (f"SELECT {field}, count(*) c FROM artworks WHERE {field} IS NOT NULL "
                   "GROUP BY 1 ORDER BY c DESC, 1 LIMIT ?")
        elif field in {f["name"] for f in self.extra_fields()}:
            sql = ("SELECT v, count(*) c FROM (SELECT unnest(string_split(extra[?], '; ')) AS v "
                   "FROM artworks) WHERE v <> '' GROUP BY v ORDER BY c DESC, v LIMIT ?")
            params = [field, limit]
        else:
            raise CuratorError(f"There is no facet {field!r}.")
        cur = self._store.cursor()
        try:
            return cur.execute(sql, params).fetchall()
        finally:
            cur.close()

    def extra_fields(self) -> list[dict]:
        """The catalog's extra fields, most used first: ``name``, ``artworks`` (how many have
        it), ``values`` (distinct ones) and ``facet`` (categorical: words, not numbers, at
        most ``FACET_MAX_VALUES`` values, each shared by two works on average)."""
        cur = self._store.cursor()
        try:
            rows = cur.execute(
                "SELECT e.key, count(*), count(DISTINCT e.value), "
                r"bool_and(regexp_matches(e.value, '^\s*-?[0-9.,]+\s*$')) FROM (SELECT "
                "unnest(map_entries(extra)) AS e FROM artworks) GROUP BY 1 "
                "ORDER BY 2 DESC, 1").fetchall()
        finally:
            cur.close()
        return [{"name": k, "artworks": n, "values": d,
                 "facet": not numeric and 2 <= d <= FACET_MAX_VALUES and d * 2 <= n}
                for k, n, d, numeric in rows]

    def year_bounds(self) -> tuple[int | None, int | None]:
        cur = self._store.cursor()
        try:
            return tuple(cur.execute("SELECT min(year_start), max(year_end) FROM artworks"
                                     ).fetchall()[0])
        finally:
            cur.close()

    # -- by words and meaning -------------------------------------------------------------
    def lexical_index(self) -> LexicalIndex:
        """The keyword (BM25) index of every artwork: loaded from beside the database when
        saved for the artworks as they are, else built (seconds for a large catalog) and
        saved; cached until artworks change."""
        from ..learn.files import saved_dir

        in_memory = self._store.path == ":memory:"
        write = not self._catalog.read_only and not in_memory
        folder = None if in_memory else saved_dir(self._catalog.path, create=write) / "lexical"
        return self._caches.get("lexical", lambda: LexicalIndex.load_or_build(
            self._store, folder, write=write))

    def search(self, query: str, *, k: int = 20, filters: Filters | None = None,
               mode: str = "hybrid") -> Hits:
        """Artworks for ``query``, best first.

        ``mode``: ``"keyword"`` ranks by BM25 over whole, accent-folded words; ``"semantic"``
        by closeness in meaning; ``"hybrid"`` fuses both by reciprocal rank (see
        :mod:`curator.core.search.hybrid`). Outside semantic mode, works by an artist the
        query names come first. On a catalog with no vectors yet, hybrid search ranks by
        words and says so in the result's ``notice``; semantic search raises
        :class:`CuratorError` saying how far embedding has got. Each hit's ``parts`` says
        where the keyword and semantic lists ranked it, and which artist it is by when the
        query named them.
        """
        checks.count("The number of results (-k)", k)
        if mode not in MODES:
            raise CuratorError(f"Unknown search mode {mode!r}; use {', '.join(MODES)}.")
        embeddings = self._catalog.embeddings
        lexical = self.lexical_index()
        index, notice = None, None
        if mode != "keyword":
            index, notice = embeddings.text_index_or_notice(
                "semantic search works once it is done" if mode == "semantic"
                else "until then results are ranked by their words only")
        if index is None and mode == "semantic":
            raise CuratorError(notice)
        used = mode if index is not None else "keyword"
        vector = None if index is None else embeddings.text_encoder().encode([query])[0]
        ranked = rank_artworks(Query(
            query, used, lexical, index, vector, self._allowed_ids(filters),
            None if index is None else self._vector_rows(lexical, index)), k)
        hits = self._hits([(r.id, r.score) for r in ranked], {r.id: r.parts for r in ranked})
        return Hits(hits, mode=used, notice=notice)

    def _vector_rows(self, lexical: LexicalIndex, index: VectorIndex) -> np.ndarray:
        """The vector row of each keyword-index row (-1: none yet). Cached as a text index:
        any change to artworks or vectors drops it with them."""
        return self._caches.get("text_index:aligned", lambda: index.positions(lexical.ids))

    def _allowed_ids(self, filters: Filters | None) -> np.ndarray | None:
        """Ids of the artworks the filters allow (keyword text included); None: all."""
        if filters is None or not filters.active():
            return None
        return np.asarray(self.find_ids(filters, order="id"), dtype=object)

    def _allowed_rows(self, index: VectorIndex, filters: Filters | None) -> np.ndarray | None:
        """Rows of ``index`` the filters allow (keyword text included); None: all."""
        if filters is None or not filters.text:
            return index.allowed(self._store, filters)
        pos = index.positions(self._allowed_ids(filters))
        return np.sort(pos[pos >= 0])

    def similar(self, artwork_id: str, *, k: int = 20, filters: Filters | None = None
                ) -> Hits:
        """Artworks most like ``artwork_id`` ("more like this"), best first."""
        checks.count("The number of results (-k)", k)
        embeddings = self._catalog.embeddings
        index, notice = embeddings.text_index_or_notice("“More like this” works once it is done")
        if index is None:
            raise CuratorError(notice)
        pos = index.position(artwork_id)
        if pos is None:
            if self.one(artwork_id) is None:
                raise CuratorError(f"There is no artwork {artwork_id!r}.")
            raise CuratorError(f"Artwork {artwork_id} is not embedded yet. " +
                               embeddings.not_embedded("“More like this” works for it once "
                                                       "it is done"))
        found = index.top_k(index.matrix[pos], k, self._allowed_rows(index, filters),
                            exclude={artwork_id})
        return Hits(self._hits(found), mode="semantic", notice=notice)

    def visually_similar(self, artwork_id: str, *, k: int = 20,
                         filters: Filters | None = None) -> list[Hit]:
        """Artworks whose images look most like this one's."""
        checks.count("The number of results (-k)", k)
        index = self._catalog.embeddings.image_index()
        pos = index.position(artwork_id)
        if pos is None:
            raise CuratorError(f"Artwork {artwork_id} has no described image.")
        return self._hits(index.top_k(index.matrix[pos], k,
                                      self._allowed_rows(index, filters),
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
        return self._hits(index.top_k(vector, k, self._allowed_rows(index, filters)))

    def _hits(self, found: list[tuple[str, float]], parts: dict | None = None) -> list[Hit]:
        details = {a["id"]: a for a in self.get([i for i, _ in found])}
        return [Hit(i, s, details[i]["title"], details[i]["artists"] or [],
                    details[i]["date_text"], None if parts is None else parts.get(i))
                for i, s in found if i in details]
