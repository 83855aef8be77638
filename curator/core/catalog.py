"""The Catalog facade: the one object the desktop app and the command line talk to."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from .embedding.pipeline import EmbedResult, embed_text
from .embedding.search import Filters, VectorIndex
from .embedding.spaces import find_space
from .embedding.templates import DEFAULT_TEMPLATE, check_template
from .errors import CuratorError
from .importing.catalog_import import import_catalog
from .importing.common import ImportResult
from .importing.events_import import import_events
from .importing.mapping import Mapping, load_mapping
from .progress import CancelToken, ProgressFn
from .settings import get_setting, set_setting
from .store import Store


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


@dataclass(frozen=True)
class BatchInfo:
    id: int
    kind: str
    source: str
    sha256: str
    finished_at: str
    accepted: int
    rejected: int
    inserted: int
    updated: int
    unchanged: int
    status: str


class Catalog:
    """An open Curator database.

    Parameters
    ----------
    path
        The database file; created with the current schema if it does not exist.
    read_only
        Open for reading only (another Curator may be writing).

    Methods are called from the thread that opened the catalog unless they say otherwise.
    """

    def __init__(self, path: str | Path, *, read_only: bool = False):
        self.path = str(path)
        self.store = Store(path, read_only=read_only)
        self._encoders: dict[str, object] = {}
        self._text_index: VectorIndex | None = None

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- import --------------------------------------------------------------------------
    def import_catalog(self, path: str | Path, *, mapping: Mapping | str | Path | None = None,
                       skip_invalid: bool = False, progress: ProgressFn | None = None,
                       cancel: CancelToken | None = None) -> ImportResult:
        """Import artworks from a file as one batch; see :mod:`.importing.catalog_import`."""
        result = import_catalog(self.store, path, mapping=_mapping(mapping),
                                skip_invalid=skip_invalid, progress=progress, cancel=cancel)
        if result.changed:
            self._text_index = None
        return result

    def import_events(self, path: str | Path, *, mapping: Mapping | str | Path | None = None,
                      skip_invalid: bool = False, progress: ProgressFn | None = None,
                      cancel: CancelToken | None = None) -> ImportResult:
        """Import visitor/collector events from a file as one batch."""
        return import_events(self.store, path, mapping=_mapping(mapping),
                             skip_invalid=skip_invalid, progress=progress, cancel=cancel)

    # -- embedding ----------------------------------------------------------------------
    def embedding_model_path(self) -> Path:
        """The text model folder: the configured one, else the packaged default."""
        from .embedding.text_encoder import default_model_path

        configured = get_setting(self.store, "embedding.model_path")
        return Path(configured) if configured else default_model_path()

    def set_embedding_model_path(self, path: str | Path | None) -> None:
        """Use another local encoder folder (``None``: the default); marks vectors stale."""
        from .embedding.text_encoder import read_model_info

        if path is not None:
            read_model_info(Path(path))  # refuse a folder that is not a model
        set_setting(self.store, "embedding.model_path", str(path) if path else None)
        self._encoders.clear()
        self._text_index = None

    def text_template(self) -> str:
        return get_setting(self.store, "embedding.template", DEFAULT_TEMPLATE)

    def set_text_template(self, template: str) -> None:
        """Change the text artworks are embedded as; marks every text vector stale."""
        check_template(template)
        set_setting(self.store, "embedding.template", template)
        self._text_index = None

    def text_encoder(self, device: str = "auto"):
        """The loaded text encoder (loaded on first use; slow the first time)."""
        from .embedding.text_encoder import TextEncoder

        key = f"{self.embedding_model_path()}@{device}"
        if key not in self._encoders:
            self._encoders[key] = TextEncoder(self.embedding_model_path(), device=device)
        return self._encoders[key]

    def embed(self, *, device: str = "auto", progress: ProgressFn | None = None,
              cancel: CancelToken | None = None) -> EmbedResult:
        """Embed new and changed artworks (content hash, model and template decide)."""
        from .embedding.text_encoder import read_model_info

        info = read_model_info(self.embedding_model_path())
        result = embed_text(self.store, model_id=info.model_id, dim=info.dim,
                            template=self.text_template(),
                            load_encoder=lambda: self.text_encoder(device),
                            progress=progress, cancel=cancel)
        if result.embedded:
            self._text_index = None
        return result

    def text_index(self) -> VectorIndex:
        """The current text vectors in memory (cached until the catalog changes)."""
        if self._text_index is None:
            from .embedding.text_encoder import read_model_info

            info = read_model_info(self.embedding_model_path())
            space = find_space(self.store, "text", info.model_id, self.text_template())
            if space is None:
                raise CuratorError("The catalog has not been embedded yet; run "
                                   "`curator embed` (or wait for the app to finish).")
            self._text_index = VectorIndex.load(self.store, space)
        return self._text_index

    def search(self, query: str, *, k: int = 20, filters: Filters | None = None
               ) -> list[Hit]:
        """Artworks whose text is closest in meaning to ``query``, best first."""
        index = self.text_index()
        vector = self.text_encoder().encode([query])[0]
        found = index.top_k(vector, k, index.mask_for(self.store, filters))
        return self._hits(found)

    def similar(self, artwork_id: str, *, k: int = 20, filters: Filters | None = None
                ) -> list[Hit]:
        """Artworks most like ``artwork_id`` ("more like this"), best first."""
        index = self.text_index()
        pos = index.position(artwork_id)
        if pos is None:
            known = self.artwork(artwork_id) is not None
            raise CuratorError(f"Artwork {artwork_id} has no embedding yet; run `curator embed`."
                               if known else f"There is no artwork {artwork_id!r}.")
        found = index.top_k(index.matrix[pos], k, index.mask_for(self.store, filters),
                            exclude={artwork_id})
        return self._hits(found)

    def _hits(self, found: list[tuple[str, float]]) -> list[Hit]:
        details = {a["id"]: a for a in self.artworks([i for i, _ in found])}
        return [Hit(i, s, details[i]["title"], details[i]["artists"] or [],
                    details[i]["date_text"]) for i, s in found if i in details]

    # -- reading -------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Rows per table: artworks, users, events, import batches."""
        cur = self.store.cursor()
        try:
            row = cur.execute(
                "SELECT (SELECT count(*) FROM artworks), (SELECT count(*) FROM users), "
                "(SELECT count(*) FROM events), (SELECT count(*) FROM import_batches)"
            ).fetchall()[0]
        finally:
            cur.close()
        return dict(zip(["artworks", "users", "events", "batches"], row, strict=True))

    def batches(self, limit: int | None = None) -> list[BatchInfo]:
        """Import batches, newest first."""
        cur = self.store.cursor()
        try:
            sql = ("SELECT id, kind, source_path, source_sha256, strftime(finished_at, "
                   "'%Y-%m-%d %H:%M:%S'), accepted, rejected, inserted, updated, unchanged, "
                   "status FROM import_batches ORDER BY id DESC")
            if limit is not None:
                sql += f" LIMIT {int(limit)}"
            rows = cur.execute(sql).fetchall()
        finally:
            cur.close()
        return [BatchInfo(*r) for r in rows]

    def artworks(self, ids: list[str]) -> list[dict]:
        """Curated fields of the given artworks (any order; unknown ids are left out)."""
        if not ids:
            return []
        cur = self.store.cursor()
        try:
            cur.register("_wanted", pa.table({"id": list(ids)}))
            rows = cur.sql(
                "SELECT a.id, title, artists, date_text, year_start, year_end, medium, "
                "classification, description, tags, image_path, available FROM artworks a "
                "JOIN _wanted w ON w.id = a.id").to_arrow_table().to_pylist()
        finally:
            cur.close()
        return rows

    def artwork(self, artwork_id: str) -> dict | None:
        found = self.artworks([artwork_id])
        return found[0] if found else None

    def schema_version(self) -> int:
        return self.store.schema_version()


def _mapping(mapping: Mapping | str | Path | None) -> Mapping | None:
    if mapping is None or isinstance(mapping, Mapping):
        return mapping
    return load_mapping(mapping)
