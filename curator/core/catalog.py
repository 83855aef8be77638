"""The Catalog facade: the one object the desktop app and the command line talk to."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from .embedding.pipeline import EmbedResult, count_stale, embed_text
from .embedding.search import Filters, VectorIndex
from .embedding.spaces import find_space
from .embedding.templates import DEFAULT_TEMPLATE, artwork_text, check_template
from .errors import CuratorError
from .importing.catalog_import import import_catalog
from .importing.common import ImportResult
from .importing.events_import import import_events
from .importing.mapping import Mapping, load_mapping
from .importing.users_import import import_users
from .progress import CancelToken, ProgressFn
from .search.hybrid import MODES, Query
from .search.hybrid import rank as rank_artworks
from .search.lexical import LexicalIndex
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
    parts: dict | None = None  # search: what the keyword and semantic lists said

    def to_json(self) -> dict:
        out = {"id": self.id, "score": round(self.score, 6), "title": self.title,
               "artists": self.artists, "date_text": self.date_text}
        if self.parts is not None:
            out["parts"] = self.parts
        return out


class Hits(list):
    """Ranked :class:`Hit` results, with the mode that ranked them and a ``notice`` for the
    person searching (for example that the catalog is still being embedded), or ``None``."""

    def __init__(self, hits=(), *, mode: str | None = None, notice: str | None = None):
        super().__init__(hits)
        self.mode = mode
        self.notice = notice


@dataclass(frozen=True)
class EmbeddingProgress:
    """How many artworks have a current text vector."""

    embedded: int
    total: int

    @property
    def done(self) -> bool:
        return self.embedded >= self.total

    def sentence(self, then: str) -> str:
        """"The catalog is still being embedded: 3,120 of 69,202 artworks embedded so far;
        ``then``." """
        return (f"The catalog is still being embedded: {self.embedded:,} of {self.total:,} "
                f"artworks embedded so far; {then}.")


@dataclass(frozen=True)
class EmbeddingStatus:
    """The text model and template in use, and how much of the catalog is embedded."""

    model_path: str
    model_id: str
    dim: int
    default_model: bool
    template: str
    default_template: bool
    artworks: int
    stale: int

    def to_json(self) -> dict:
        return dict(self.__dict__)

    def summary(self) -> str:
        model = "the packaged all-MiniLM-L6-v2" if self.default_model else self.model_path
        state = ("all embedded" if not self.stale
                 else f"{self.stale:,} of {self.artworks:,} artworks to embed")
        return (f"Model: {model} ({self.dim} dimensions)\n"
                f"Template{' (default)' if self.default_template else ''}: {self.template}\n"
                f"Catalog: {state}")


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
        self._lexical: LexicalIndex | None = None
        self._aligned: tuple = (None, None, None)  # (lexical, vectors, vector row per word row)
        self._recommenders: dict = {}
        self._image_index: VectorIndex | None = None

    def close(self) -> None:
        self.store.close()

    def _forget(self, *, text: bool = False, images: bool = False, models: bool = False,
                words: bool = False) -> None:
        """Drop in-memory caches that a change made stale (vectors, fitted recommenders, the
        keyword index)."""
        if text:
            self._text_index = None
        if words:
            self._lexical = None
        if images:
            self._image_index = None
        if models:
            self._recommenders = {}

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- import --------------------------------------------------------------------------
    def import_catalog(self, path: str | Path, *, mapping: Mapping | str | Path | None = None,
                       skip_invalid: bool = False, progress: ProgressFn | None = None,
                       cancel: CancelToken | None = None, dry_run: bool = False
                       ) -> ImportResult:
        """Import artworks from a file as one batch; see :mod:`.importing.catalog_import`.

        ``dry_run`` validates and counts without changing anything, returning the rejects.
        """
        result = import_catalog(self.store, path, mapping=_mapping(mapping),
                                skip_invalid=skip_invalid, progress=progress, cancel=cancel,
                                dry_run=dry_run)
        if result.changed:
            self._forget(text=True, images=True, models=True, words=True)
        return result

    def import_events(self, path: str | Path, *, mapping: Mapping | str | Path | None = None,
                      skip_invalid: bool = False, progress: ProgressFn | None = None,
                      cancel: CancelToken | None = None, dry_run: bool = False,
                      new_users: bool = False) -> ImportResult:
        """Import visitor/collector events from a file as one batch (``dry_run``: check only).

        With a users list in the database, events of people not known are rejected unless
        ``new_users``.
        """
        result = import_events(self.store, path, mapping=_mapping(mapping),
                               skip_invalid=skip_invalid, progress=progress, cancel=cancel,
                               dry_run=dry_run, new_users=new_users)
        if result.changed:
            self._forget(models=True)
        return result

    def import_users(self, path: str | Path, *, mapping: Mapping | str | Path | None = None,
                     skip_invalid: bool = False, progress: ProgressFn | None = None,
                     cancel: CancelToken | None = None, dry_run: bool = False
                     ) -> ImportResult:
        """Import a list of visitors and collectors (ids only) as one batch."""
        return import_users(self.store, path, mapping=_mapping(mapping),
                            skip_invalid=skip_invalid, progress=progress, cancel=cancel,
                            dry_run=dry_run)

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
        self._forget(text=True)

    def text_template(self) -> str:
        return get_setting(self.store, "embedding.template") or DEFAULT_TEMPLATE

    def set_text_template(self, template: str | None) -> None:
        """Change the text artworks are embedded as (``None``: the default); marks every
        text vector stale when it differs."""
        if template is not None:
            check_template(template)
        set_setting(self.store, "embedding.template", template)
        self._forget(text=True)

    def embedding_text(self, artwork_id: str, template: str | None = None) -> str:
        """The text an artwork is embedded as, under ``template`` or the current one."""
        template = template if template is not None else self.text_template()
        cur = self.store.cursor()
        try:
            text = artwork_text(cur, template, artwork_id)
        finally:
            cur.close()
        if text is None:
            raise CuratorError(f"There is no artwork {artwork_id!r} in this catalog.")
        return text

    def embedding_status(self) -> EmbeddingStatus:
        """Which model and template are in use, and how many artworks wait to be embedded."""
        from .embedding.text_encoder import default_model_path, read_model_info

        path = self.embedding_model_path()
        info = read_model_info(path)
        template = self.text_template()
        space = find_space(self.store, "text", info.model_id, template)
        cur = self.store.cursor()
        try:
            total = cur.execute("SELECT count(*) FROM artworks").fetchall()[0][0]
            stale = count_stale(cur, space)
        finally:
            cur.close()
        return EmbeddingStatus(
            model_path=str(path), model_id=info.model_id, dim=info.dim,
            default_model=Path(path) == default_model_path(), template=template,
            default_template=template == DEFAULT_TEMPLATE, artworks=total, stale=stale)

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
            self._forget(text=True, models=True)
        return result

    def _text_space(self):
        from .embedding.text_encoder import read_model_info

        info = read_model_info(self.embedding_model_path())
        return find_space(self.store, "text", info.model_id, self.text_template())

    def embedding_progress(self) -> EmbeddingProgress:
        """How many artworks have a vector under the current model and template."""
        space = self._text_space()
        cur = self.store.cursor()
        try:
            total = cur.execute("SELECT count(*) FROM artworks").fetchall()[0][0]
            stale = count_stale(cur, space)
        finally:
            cur.close()
        return EmbeddingProgress(total - stale, total)

    def text_index(self) -> VectorIndex:
        """The current text vectors in memory (cached until the catalog changes).

        Raises :class:`CuratorError` saying how far embedding has got when there are none.
        """
        if self._text_index is None:
            space = self._text_space()
            index = VectorIndex.load(self.store, space) if space is not None else None
            if index is None or len(index) == 0:
                raise CuratorError(self._not_embedded("semantic search works once it is done"))
            self._text_index = index
        return self._text_index

    def _not_embedded(self, what: str) -> str:
        return self.embedding_progress().sentence(
            f"{what} (run `curator embed`, or wait for the app to finish)")

    def _vectors_or_notice(self, missing: str) -> tuple[VectorIndex | None, str | None]:
        """The text vectors, or ``None`` and a notice ending in ``missing`` when there are
        none yet; with a notice too when they do not cover the whole catalog yet."""
        try:
            index = self.text_index()
        except CuratorError:
            return None, self._not_embedded(missing)
        progress = self.embedding_progress()
        if progress.done:
            return index, None
        return index, progress.sentence("closeness in meaning covers those only")

    def lexical_index(self) -> LexicalIndex:
        """The keyword (BM25) index of every artwork (built on first use, in seconds;
        cached until artworks change)."""
        if self._lexical is None:
            self._lexical = LexicalIndex.build(self.store)
        return self._lexical

    def _vector_rows(self, lexical: LexicalIndex, index: VectorIndex) -> np.ndarray:
        """The vector row of each keyword-index row (-1: no vector), cached per pair."""
        if self._aligned[0] is not lexical or self._aligned[1] is not index:
            self._aligned = (lexical, index, index.positions(lexical.ids))
        return self._aligned[2]

    def search(self, query: str, *, k: int = 20, filters: Filters | None = None,
               mode: str = "hybrid") -> Hits:
        """Artworks for ``query``, best first.

        ``mode``: ``"keyword"`` ranks by BM25 over whole, accent-folded words; ``"semantic"``
        by closeness in meaning; ``"hybrid"`` fuses both by reciprocal rank (see
        :mod:`.search.hybrid`). Outside semantic mode, works by an artist the query names
        come first. Hybrid search on a catalog with no vectors yet ranks by keywords and
        says so in the result's ``notice``; semantic search raises :class:`CuratorError`.
        Each hit's ``parts`` says which lists ranked it where.
        """
        if mode not in MODES:
            raise CuratorError(f"Unknown search mode {mode!r}; use {', '.join(MODES)}.")
        lexical = self.lexical_index()
        index, notice = (None, None) if mode == "keyword" else self._vectors_or_notice(
            "semantic search works once it is done" if mode == "semantic"
            else "until then results are ranked by their words only")
        if index is None and mode == "semantic":
            raise CuratorError(notice)
        used = mode if index is not None or mode == "keyword" else "keyword"
        vector = None if index is None else self.text_encoder().encode([query])[0]
        ranked = rank_artworks(Query(
            query, used, lexical, index, vector, self._allowed_ids(filters),
            None if index is None else self._vector_rows(lexical, index)), k)
        hits = self._hits([(r.id, r.score) for r in ranked], {r.id: r.parts for r in ranked})
        return Hits(hits, mode=used, notice=notice)

    def _allowed_ids(self, filters: Filters | None) -> np.ndarray | None:
        """Ids of the artworks the filters allow (keyword text included); None: all."""
        if filters is None or not filters.active():
            return None
        return np.asarray(self.find_ids(filters, order="id"), dtype=object)

    def _allowed_rows(self, index: VectorIndex, filters: Filters | None) -> np.ndarray | None:
        if filters is None or not filters.text:
            return index.allowed(self.store, filters)
        pos = index.positions(self._allowed_ids(filters))
        return np.sort(pos[pos >= 0])

    def similar(self, artwork_id: str, *, k: int = 20, filters: Filters | None = None
                ) -> Hits:
        """Artworks most like ``artwork_id`` ("more like this"), best first."""
        index, notice = self._vectors_or_notice("“More like this” works once it is done")
        if index is None:
            raise CuratorError(notice)
        pos = index.position(artwork_id)
        if pos is None:
            if self.artwork(artwork_id) is None:
                raise CuratorError(f"There is no artwork {artwork_id!r}.")
            raise CuratorError(f"Artwork {artwork_id} is not embedded yet. " + self._not_embedded(
                "“More like this” works for it once it is done"))
        found = index.top_k(index.matrix[pos], k, self._allowed_rows(index, filters),
                            exclude={artwork_id})
        return Hits(self._hits(found), mode="semantic", notice=notice)

    def _hits(self, found: list[tuple[str, float]], parts: dict | None = None) -> list[Hit]:
        details = {a["id"]: a for a in self.artworks([i for i, _ in found])}
        return [Hit(i, s, details[i]["title"], details[i]["artists"] or [],
                    details[i]["date_text"], None if parts is None else parts.get(i))
                for i, s in found if i in details]

    # -- images ----------------------------------------------------------------------------
    def images_root(self) -> Path | None:
        root = get_setting(self.store, "images.root")
        return Path(root) if root else None

    def set_images_root(self, folder: str | Path | None) -> None:
        """The folder whose files the catalog's image paths name (None: no images)."""
        if folder is not None and not Path(folder).is_dir():
            raise CuratorError(f"{folder} is not a folder.")
        set_setting(self.store, "images.root", str(Path(folder).resolve()) if folder else None)
        self._forget(images=True)

    def set_image_model_path(self, path: str | Path | None) -> None:
        """Use a local CLIP-style model for images (None: the colour/texture descriptor)."""
        from .embedding.image_features import is_clip_folder

        if path is not None and not is_clip_folder(Path(path)):
            raise CuratorError(f"{path} is not a CLIP model folder.")
        set_setting(self.store, "images.model_path", str(path) if path else None)
        self._encoders.pop("image", None)
        self._forget(images=True)

    def image_encoder(self):
        from .embedding.image_features import ClipEncoder, ColourTextureEncoder

        if "image" not in self._encoders:
            path = get_setting(self.store, "images.model_path")
            self._encoders["image"] = ClipEncoder(path) if path else ColourTextureEncoder()
        return self._encoders["image"]

    def embed_images(self, *, progress: ProgressFn | None = None,
                     cancel: CancelToken | None = None) -> EmbedResult:
        """Describe new and changed artwork images (thumbnails are made as they are shown)."""
        from .embedding.image_pipeline import embed_images

        result = embed_images(self.store, images_root=self.images_root(),
                              encoder=self.image_encoder(), progress=progress, cancel=cancel)
        self._forget(images=True)
        return result

    def image_index(self) -> VectorIndex:
        if self._image_index is None:
            encoder = self.image_encoder()
            space = find_space(self.store, "image", encoder.model_id)
            if space is None:
                raise CuratorError("No artwork images have been described yet; set an images "
                                   "folder and run `curator embed --images`.")
            self._image_index = VectorIndex.load(self.store, space)
        return self._image_index

    def visually_similar(self, artwork_id: str, *, k: int = 20,
                         filters: Filters | None = None) -> list[Hit]:
        """Artworks whose images look most like this one's."""
        index = self.image_index()
        pos = index.position(artwork_id)
        if pos is None:
            raise CuratorError(f"Artwork {artwork_id} has no described image.")
        return self._hits(index.top_k(index.matrix[pos], k, self._allowed_rows(index, filters),
                                      exclude={artwork_id}))

    def search_images(self, query: str, *, k: int = 20, filters: Filters | None = None
                      ) -> list[Hit]:
        """Pictures matching words (needs a CLIP-style image model)."""
        encoder = self.image_encoder()
        if not getattr(encoder, "can_match_text", False):
            raise CuratorError("Searching pictures by words needs a CLIP-style image model; "
                               "the colour/texture descriptor cannot read text.")
        index = self.image_index()
        vector = encoder.encode_texts([query])[0]
        return self._hits(index.top_k(vector, k, self._allowed_rows(index, filters)))

    # -- recommending --------------------------------------------------------------------
    def _index_or_none(self) -> VectorIndex | None:
        try:
            return self.text_index()
        except CuratorError:
            return None

    def recommender(self, config=None):
        """The fitted hybrid recommender for a :class:`WeightConfig` (kind weights, decay).

        Cached until the catalog or the histories change.
        """
        from .recommend.build import build
        from .recommend.interactions import WeightConfig

        config = config or WeightConfig()
        key = repr(sorted(config.to_json().items()))
        cached = self._recommenders.get(key)
        if cached is None:
            cached = build(self.store, self._index_or_none(), config)
            self._recommenders = {key: cached}
        return cached

    def recommend(self, user_id: str | None, *, k: int = 20, profile: str | None = None,
                  weights: dict[str, float] | None = None, mmr_lambda: float | None = None,
                  artist_cap: int | None = None, brief: str | None = None,
                  exclude_seen: bool = True):
        """One visitor's top ``k`` with score breakdowns and explanations.

        ``weights`` (signal -> weight) override the profile's; an unknown or new visitor
        gets popularity and, with ``brief``, artworks matching the curator's brief.
        """
        from .recommend.hybrid import Rules
        from .recommend.profiles import get_profile

        chosen = get_profile(self.store, profile)
        rec = self.recommender(chosen.weight_config())
        if user_id is not None and rec.interactions.user_index(user_id) is None:
            if not self._user_exists(user_id):
                raise CuratorError(f"There is no visitor {user_id!r}; use --brief for a new one.")
        rules = Rules(mmr_lambda=chosen.mmr_lambda if mmr_lambda is None else mmr_lambda,
                      artist_cap=chosen.artist_cap if artist_cap is None else artist_cap,
                      exclude_seen=exclude_seen)
        brief_scores = None
        if brief:
            try:
                index = self.text_index()
            except CuratorError:
                raise CuratorError(self._not_embedded(
                    "a brief can be matched once it is done")) from None
            from .recommend.build import aligned_vectors

            vectors = rec.data.vectors if rec.data.vectors is not None else aligned_vectors(
                index, rec.interactions.item_ids)
            brief_scores = vectors @ self.text_encoder().encode([brief])[0]
        return rec.recommend_explained(user_id, k, weights={**chosen.weights, **(weights or {})},
                                       rules=rules, brief_scores=brief_scores)

    def recommend_all(self, *, k: int = 10, profile: str | None = None,
                      weights: dict[str, float] | None = None, progress: ProgressFn | None = None,
                      cancel: CancelToken | None = None) -> list[dict]:
        """Top ``k`` for every visitor as rows: user, rank, artwork, score, signal parts."""
        from .progress import check, report

        users = self.user_ids()
        rows = []
        for n, user in enumerate(users):
            for rank, r in enumerate(self.recommend(user, k=k, profile=profile,
                                                    weights=weights), 1):
                rows.append({"user": user, "rank": rank, "artwork": r.item_id,
                             "score": round(r.score, 6),
                             **{name: round(v, 6) for name, v in r.breakdown().items()}})
            report(progress, n + 1, len(users), "Recommending")
            check(cancel)
        return rows

    def _user_exists(self, user_id: str) -> bool:
        cur = self.store.cursor()
        try:
            return bool(cur.execute("SELECT count(*) FROM users WHERE id = ?",
                                    [user_id]).fetchall()[0][0])
        finally:
            cur.close()

    def user_ids(self, search: str | None = None, limit: int | None = None) -> list[str]:
        cur = self.store.cursor()
        try:
            sql, params = "SELECT id FROM users", []
            if search:
                sql += " WHERE id ILIKE ?"
                params.append(f"%{search}%")
            sql += " ORDER BY id"
            if limit:
                sql += f" LIMIT {int(limit)}"
            return [r[0] for r in cur.execute(sql, params).fetchall()]
        finally:
            cur.close()

    def history(self, user_id: str) -> list[dict]:
        """A visitor's events, newest first, with the artwork's title."""
        cur = self.store.cursor()
        try:
            return cur.sql(
                "SELECT e.ts, e.kind, e.value, e.artwork_id, a.title FROM events e "
                "LEFT JOIN artworks a ON a.id = e.artwork_id WHERE e.user_id = ? "
                "ORDER BY e.ts DESC", params=[user_id]).to_arrow_table().to_pylist()
        finally:
            cur.close()

    def profiles(self):
        from .recommend.profiles import list_profiles

        return list_profiles(self.store)

    def profile(self, name: str | None = None):
        from .recommend.profiles import get_profile

        return get_profile(self.store, name)

    def save_profile(self, profile, *, make_default: bool = False) -> None:
        from .recommend.profiles import save_profile

        save_profile(self.store, profile, make_default=make_default)

    def evaluation(self, *, split: str = "stratified", ratio: float = 0.75, seed: int = 42,
                   last_n: int | None = None, k: int = 10, half_life_days: float | None = 365.0,
                   kind_weights: dict[str, float] | None = None,
                   max_users: int | None = 2000):
        """An :class:`~.evaluate.runner.Evaluation` over this catalog's histories."""
        from .evaluate.runner import Evaluation
        from .evaluate.splits import stratified_split, temporal_split
        from .recommend.build import aligned_vectors, default_signals
        from .recommend.explain import ItemInfo
        from .recommend.interactions import DEFAULT_KIND_WEIGHTS, Interactions, WeightConfig

        inter = Interactions.from_store(self.store)
        if len(inter.users) == 0:
            raise CuratorError("There are no visitor histories to evaluate; import some first.")
        if split == "stratified":
            train = stratified_split(inter, ratio, seed)
        elif split == "temporal":
            train = temporal_split(inter, last_n=last_n, fraction=None if last_n else 1 - ratio)
        else:
            raise CuratorError(f"Unknown split {split!r}; use stratified or temporal.")
        info = ItemInfo.from_store(self.store, inter.item_ids)
        return Evaluation(inter, train, signals=default_signals(), info=info,
                          vectors=aligned_vectors(self._index_or_none(), inter.item_ids),
                          config=WeightConfig(
                              kind_weights={**DEFAULT_KIND_WEIGHTS, **(kind_weights or {})},
                              half_life_days=half_life_days),
                          k=k, max_users=max_users)

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

    def preview(self, path: str | Path, *, kind: str = "catalog",
                mapping: Mapping | str | Path | None = None, rows: int = 20) -> dict:
        """The first rows of a file as read, its columns, and the detected mapping."""
        from .importing.mapping import CATALOG_FIELDS, EVENT_FIELDS, USER_FIELDS, resolve
        from .importing.sources import open_source

        mapping = _mapping(mapping) or Mapping()
        with self.store.session() as cur, open_source(cur, path, mapping.read) as source:
            if source.kind == "json":
                from .importing.common import json_path

                columns = source.columns[:16]
                paths = [json_path(c) for c in columns]
                head = [tuple(r[0]) for r in cur.execute(
                    f"SELECT json_extract_string(rec, ?) FROM src ORDER BY _row "
                    f"LIMIT {int(rows)}", [paths]).fetchall()] if columns else []
            else:
                columns = source.columns
                head = cur.execute(f"SELECT * EXCLUDE (_row) FROM src ORDER BY _row "
                                   f"LIMIT {int(rows)}").fetchall()
            fields = {"catalog": CATALOG_FIELDS, "users": USER_FIELDS}.get(kind, EVENT_FIELDS)
            detected = resolve(fields, source.columns, mapping, source.path.name)
            return {"file": source.path.name, "rows": source.rows, "columns": columns,
                    "source_columns": source.columns, "head": head, "mapping": detected,
                    "encoding": source.encoding, "fields": list(fields)}

    def find_ids(self, filters: Filters | None = None, *, order: str | None = None,
                 limit: int | None = None) -> list[str]:
        """Artwork ids matching the filters, in ``order`` (``title``, ``id`` or ``year``).

        Keyword text (``filters.text``) matches whole words, accents folded, any of them;
        without an ``order`` the matches come by relevance (BM25, works by an artist the
        text names first), else in title order.
        """
        filters = filters or Filters()
        where, params = filters.where()
        order_sql = {"title": "a.title NULLS LAST, a.id", "id": "a.id",
                     "year": "a.year_start NULLS LAST, a.id", None: "a.title NULLS LAST, a.id"}
        if order not in order_sql:
            raise CuratorError(f"Unknown order {order!r}; use title, id or year.")
        cur = self.store.cursor()
        try:
            source = "artworks a"
            if filters.text:
                lexical = self.lexical_index()
                ranked = rank_artworks(Query(filters.text, "keyword", lexical), None)
                cur.register("_matches", lexical.id_table(lexical.rows_of([r.id for r in ranked])))
                source = "artworks a JOIN _matches m ON m.id = a.id"
                if order is None:
                    order_sql[None] = "m.rank"
            sql = f"SELECT a.id FROM {source} WHERE {where} ORDER BY {order_sql[order]}"
            if limit:
                sql += f" LIMIT {int(limit)}"
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
        cur = self.store.cursor()
        try:
            return cur.execute(sql, [limit]).fetchall()
        finally:
            cur.close()

    def year_bounds(self) -> tuple[int | None, int | None]:
        cur = self.store.cursor()
        try:
            return tuple(cur.execute("SELECT min(year_start), max(year_end) FROM artworks"
                                     ).fetchall()[0])
        finally:
            cur.close()

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

    # -- safety and privacy -----------------------------------------------------------------
    def undo_batch(self, batch_id: int) -> dict:
        """Restore what one import changed (see :func:`.maintenance.undo_batch`)."""
        from .maintenance import undo_batch

        result = undo_batch(self.store, batch_id)
        self._forget(text=True, images=True, models=True, words=True)
        return result

    def backup(self, target: str | Path) -> Path:
        """A consistent copy of the database in a new file."""
        from .maintenance import backup

        return backup(self.store, target)

    def pseudonymize_users(self, *, rotate: bool = False) -> int:
        from .maintenance import pseudonymize

        n = pseudonymize(self.store, rotate=rotate)
        self._forget(models=True)
        return n

    def delete_user(self, user_id: str) -> int:
        """Remove a visitor, their events, and what was derived from them (cached models)."""
        from .maintenance import delete_user

        n = delete_user(self.store, user_id)
        self._forget(models=True)
        return n

    def schema_version(self) -> int:
        return self.store.schema_version()


def _mapping(mapping: Mapping | str | Path | None) -> Mapping | None:
    if mapping is None or isinstance(mapping, Mapping):
        return mapping
    return load_mapping(mapping)
