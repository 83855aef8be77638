"""Embeddings: the text and image encoders, their settings, and the vectors they make."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ..changes import Changes
from ..embedding import ann
from ..embedding.pipeline import count_stale, embed_text
from ..embedding.search import VectorIndex
from ..embedding.spaces import find_space
from ..embedding.templates import DEFAULT_TEMPLATE, artwork_text, check_template
from ..embedding.templates import FIELDS as TEMPLATE_FIELDS
from ..errors import CuratorError
from ..progress import CancelToken, ProgressFn
from ..settings import get_setting, set_setting
from .base import Manager


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
class EmbeddingProgress:
    """How many artworks have a text vector under the current model and template."""

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


class EmbeddingManager(Manager):
    """``catalog.embeddings``: what artworks are embedded as, and embedding them."""

    # -- text settings ------------------------------------------------------------------
    def model_path(self) -> Path:
        """The text model folder: the configured one, else the packaged default."""
        from ..embedding.text_encoder import default_model_path

        configured = self._setting("embedding.model_path")
        return Path(configured) if configured else default_model_path()

    def model_info(self):
        """What the configured model folder says about itself (id, dimension), read once
        while its config.json is unchanged: the hot paths (each recommendation, each
        search) ask for it."""
        from ..embedding.text_encoder import read_model_info

        path = self.model_path()
        try:
            stamp = (path / "config.json").stat().st_mtime_ns
        except OSError:
            return read_model_info(path)  # says in a sentence what is wrong with the folder
        return self._caches.get(f"model_info:{path}:{stamp}", lambda: read_model_info(path))

    def set_model_path(self, path: str | Path | None) -> Changes:
        """Use another local encoder folder (``None``: the default); marks vectors stale."""
        from ..embedding.text_encoder import read_model_info

        if path is not None:
            read_model_info(Path(path))  # refuse a folder that is not a model
        set_setting(self._store, "embedding.model_path", str(path) if path else None)
        self._caches.drop("encoder:")
        return self._catalog.apply(Changes(vectors=True, message="Embedding model changed."))

    def template(self) -> str:
        return self._setting("embedding.template") or DEFAULT_TEMPLATE

    def set_template(self, template: str | None) -> Changes:
        """Change the text artworks are embedded as (``None``: the default); marks every
        text vector stale when it differs."""
        if template is not None:
            self.check_template(template)
        set_setting(self._store, "embedding.template", template)
        return self._catalog.apply(Changes(vectors=True, message="Embedding text changed."))

    def template_fields(self) -> list[str]:
        """The fields a text template may name: the built-in ones, then the extra fields."""
        return [*TEMPLATE_FIELDS,
                *sorted(f["name"] for f in self._catalog.artworks.extra_fields())]

    def check_template(self, template: str) -> None:
        """Raise :class:`CuratorError` when ``template`` names no field or an unknown one
        (the catalog's extra fields are known)."""
        check_template(template,
                       extras=[f["name"] for f in self._catalog.artworks.extra_fields()])

    def text(self, artwork_id: str, template: str | None = None) -> str:
        """The text an artwork is embedded as, under ``template`` or the current one."""
        template = template if template is not None else self.template()
        cur = self._store.cursor()
        try:
            text = artwork_text(cur, template, artwork_id)
        finally:
            cur.close()
        if text is None:
            raise CuratorError(f"There is no artwork {artwork_id!r} in this catalog.")
        return text

    def progress(self) -> EmbeddingProgress:
        """How far embedding has got under the current model and template."""

        space = find_space(self._store, "text", self.model_info().model_id,
                           self.template())
        cur = self._store.cursor()
        try:
            total = cur.execute("SELECT count(*) FROM artworks").fetchall()[0][0]
            stale = count_stale(cur, space)
        finally:
            cur.close()
        return EmbeddingProgress(total - stale, total)

    def not_embedded(self, then: str) -> str:
        """A sentence saying the catalog is still being embedded, how far, and ``then``."""
        return self.progress().sentence(
            f"{then} (run `curator embed`, or wait for the app to finish)")

    def status(self) -> EmbeddingStatus:
        """Which model and template are in use, and how many artworks wait to be embedded."""
        from ..embedding.text_encoder import default_model_path

        path = self.model_path()
        info = self.model_info()
        template = self.template()
        done = self.progress()
        return EmbeddingStatus(
            model_path=str(path), model_id=info.model_id, dim=info.dim,
            default_model=Path(path) == default_model_path(), template=template,
            default_template=template == DEFAULT_TEMPLATE, artworks=done.total,
            stale=done.total - done.embedded)

    # -- text vectors ---------------------------------------------------------------------
    def text_encoder(self, device: str = "auto"):
        """The loaded text encoder (loaded on first use; slow the first time)."""
        from ..embedding.text_encoder import TextEncoder

        path = self.model_path()
        return self._caches.get(f"encoder:{path}@{device}",
                                lambda: TextEncoder(path, device=device))

    def embed(self, *, device: str = "auto", progress: ProgressFn | None = None,
              cancel: CancelToken | None = None) -> Changes:
        """Embed new and changed artworks (content hash, model and template decide)."""
        from ..embedding.text_encoder import read_model_info

        info = self.model_info()
        result = embed_text(self._store, model_id=info.model_id, dim=info.dim,
                            template=self.template(),
                            load_encoder=lambda: self.text_encoder(device),
                            progress=progress, cancel=cancel)
        tuned = self.tuned()
        if tuned is not None:  # the fine-tuned encoder's vectors follow the catalog too
            tuned_info = read_model_info(Path(tuned["path"]))
            embed_text(self._store, kind="tuned", model_id=tuned_info.model_id,
                       dim=tuned_info.dim, template=self.template(),
                       load_encoder=lambda: self.content_encoder(device),
                       progress=progress, cancel=cancel)
        changes = self._catalog.apply(Changes(vectors=bool(result.embedded),
                                              count=result.embedded, message=result.summary(),
                                              detail=result))
        if result.embedded:
            self.index_vectors(progress=progress, cancel=cancel)
        return changes

    def text_index(self) -> VectorIndex:
        """The current text vectors in memory (cached until the catalog changes).

        With none yet, raises :class:`CuratorError` saying how far embedding has got.
        """

        info = self.model_info()
        template = self.template()

        def load() -> VectorIndex:
            space = find_space(self._store, "text", info.model_id, template)
            index = VectorIndex.load(self._store, space) if space is not None else None
            if index is None or len(index) == 0:
                raise CuratorError(self.not_embedded("semantic search works once it is done"))
            index.use_ann(self._ann_for(index, build=False))
            return index

        return self._caches.get(f"text_index:{info.model_id}:{template}", load)

    def index_vectors(self, *, progress: ProgressFn | None = None,
                      cancel: CancelToken | None = None) -> Changes:
        """Build or extend the approximate index of the text vectors when the catalog is
        large enough to need one (see :mod:`curator.core.embedding.ann`); nothing otherwise.
        """
        index = self.text_index_or_none()
        built = None if index is None else self._ann_for(index, build=True, progress=progress,
                                                         cancel=cancel)
        if built is None:
            return Changes(message="The catalog is small enough for exact search.")
        index.use_ann(built)  # the cached vectors use it from now on; results are unchanged
        return Changes(count=len(index),
                       message=f"Indexed {len(index):,} vectors for fast search.")

    def _ann_for(self, index: VectorIndex, *, build: bool, progress: ProgressFn | None = None,
                 cancel: CancelToken | None = None):
        """The approximate index of ``index``'s space, brought up to date (built when
        ``build``; else only an existing file is extended, or used as it is when the
        catalog is read-only); ``None`` below the size that needs one."""
        if len(index) < min(ann.MIN_VECTORS, ann.GRAPH_MIN_VECTORS) \
                or self._store.path == ":memory:":
            return None
        path = ann.ann_path(self._store.path, index.space.kind, index.space.id)
        if self._store.read_only:
            return ann.in_sync(path, index.keys, index.space.dim)
        if not build and not path.is_file():
            return None
        return ann.sync(path, index.keys, index.matrix, progress=progress, cancel=cancel)

    # -- a cluster's vectors --------------------------------------------------------------
    def export_catalog(self, path: str | Path) -> int:
        """Write the artworks' ids, content hashes and texts (under the current template) to
        a Parquet file for `curator cluster embed`; returns how many."""
        from ..embedding.cluster import export_catalog

        return export_catalog(self._store, Path(path), self.template(),
                              self.model_info().model_id)

    def attach_vectors(self, folder: str | Path, *, progress: ProgressFn | None = None,
                       cancel: CancelToken | None = None) -> Changes:
        """Use the vectors a cluster computed (a folder from `curator cluster embed`).

        One transaction; refuses shards of another model, template or dimension. ``detail``
        says how many matched, were stale or named unknown artworks.
        """
        from ..embedding.cluster import attach_vectors

        info = self.model_info()
        result = attach_vectors(self._store, Path(folder), model_id=info.model_id,
                                dim=info.dim, template=self.template(), progress=progress)
        changes = self._catalog.apply(Changes(vectors=bool(result.matched),
                                              count=result.matched, message=result.summary(),
                                              detail=result))
        if result.matched:
            self.index_vectors(progress=progress, cancel=cancel)
        return changes

    def text_index_or_none(self) -> VectorIndex | None:
        """The text vectors, or ``None`` while the catalog has none."""
        try:
            return self.text_index()
        except CuratorError:
            return None

    def text_index_or_notice(self, then: str) -> tuple[VectorIndex | None, str | None]:
        """The text vectors and ``None``; or, while there are none, ``None`` and a notice
        ending in ``then``. Vectors that do not cover the catalog yet come with a notice."""
        index = self.text_index_or_none()
        if index is None:
            return None, self.not_embedded(then)
        progress = self.progress()
        if progress.done:
            return index, None
        return index, progress.sentence("closeness in meaning covers those only")

    # -- the fine-tuned encoder -----------------------------------------------------------
    def tuned(self) -> dict | None:
        """The fine-tuned encoder the content signal uses (``path``, ``model_id``,
        ``verdict``), or ``None`` while the configured model's vectors are used."""
        value = self._setting("embedding.tuned")
        if value and value.get("enabled") and Path(value["path"]).is_dir():
            return value
        return None

    def content_encoder(self, device: str = "auto"):
        """The encoder whose vectors the content signal compares: the fine-tuned one when it
        is switched on, else the configured one (a brief must be embedded by the same)."""
        from ..embedding.text_encoder import TextEncoder

        tuned = self.tuned()
        if tuned is None:
            return self.text_encoder(device)
        path = Path(tuned["path"])
        return self._caches.get(f"encoder:{path}@{device}",
                                lambda: TextEncoder(path, device=device))

    def content_index_or_none(self) -> VectorIndex | None:
        """The vectors of the content signal: the fine-tuned encoder's when it is switched on
        and its vectors are current, else :meth:`text_index_or_none`."""
        tuned = self.tuned()
        if tuned is not None:
            template = self.template()
            space = find_space(self._store, "tuned", tuned["model_id"], template)
            if space is not None:
                return self._caches.get(f"text_index_tuned:{space.id}:{template}",
                                        lambda: VectorIndex.load(self._store, space))
        return self.text_index_or_none()

    def train_encoder(self, *, epochs: int | None = None, device: str = "auto",
                      settings=None, progress: ProgressFn | None = None,
                      cancel: CancelToken | None = None) -> Changes:
        """Fine-tune the text encoder on artworks visitors engage with close in time (and
        artworks against their subjects), holding out a tenth of the visitors; embed the
        catalog with it as a new space, and make it the content signal only when it beats
        the frozen encoder on the held-out visitors. The model folder is written beside the
        database; a cancelled training resumes from its last checkpoint.

        ``settings`` is a :class:`~..learn.embedder.TuneConfig`. Call from a worker thread.
        """
        import shutil
        from dataclasses import replace

        import numpy as np

        from ..embedding.spaces import drop_space
        from ..embedding.text_encoder import TextEncoder, pick_device, read_model_info
        from ..learn.embedder import TuneConfig, TuneReport, fine_tune, training_pairs
        from ..learn.files import learned_dir
        from ..learn.gate import judge_vectors
        from ..recommend.build import aligned_vectors
        from ..recommend.explain import ItemInfo
        from ..recommend.interactions import Interactions, WeightConfig

        frozen = self.text_index()  # the catalog must be embedded first
        inter = Interactions.from_store(self._store)
        if len(inter.users) == 0:
            raise CuratorError("There are no visitor histories to learn from; import some first.")
        cfg = settings or TuneConfig()
        if epochs is not None:
            cfg = replace(cfg, epochs=epochs)
        device = pick_device(device)
        info = ItemInfo.from_store(self._store, inter.item_ids)
        template = self.template()
        cur = self._store.cursor()
        try:
            texts = [artwork_text(cur, template, i) or "" for i in inter.item_ids]
        finally:
            cur.close()
        active = np.flatnonzero(np.bincount(inter.users, minlength=inter.n_users) >= 2)
        rng = np.random.default_rng(cfg.seed)
        held = np.sort(rng.choice(active, max(1, round(cfg.validation_share * len(active))),
                                  replace=False)) if len(active) else active
        pairs = training_pairs(inter, np.setdiff1d(np.arange(inter.n_users), held),
                               info.tags, cfg)
        if len(pairs) == 0:
            raise CuratorError("No visitor engaged with two artworks close in time, and no "
                               "artwork has subjects: there is nothing to fine-tune on.")
        folder = learned_dir(self._catalog.path)
        out = folder / f"encoder-{time.strftime('%Y%m%d-%H%M%S')}"
        result = fine_tune(texts, pairs, self.model_path(), out, cfg, device=device,
                           checkpoint=folder / "encoder.ckpt", progress=progress,
                           cancel=cancel)
        tuned_info = read_model_info(out)
        embedded = embed_text(self._store, kind="tuned", model_id=tuned_info.model_id,
                              dim=tuned_info.dim, template=template,
                              load_encoder=lambda: TextEncoder(out, device=device),
                              progress=progress, cancel=cancel)
        verdict = judge_vectors(
            inter, info, WeightConfig(), aligned_vectors(frozen, inter.item_ids),
            aligned_vectors(VectorIndex.load(self._store, embedded.space), inter.item_ids),
            held)
        set_setting(self._store, "embedding.tuned", {
            "enabled": verdict.enabled, "path": str(out) if verdict.enabled else None,
            "model_id": tuned_info.model_id if verdict.enabled else None,
            "verdict": verdict.to_json()})
        for old in folder.glob("encoder-*"):  # only the one in use is kept
            if old.is_dir() and (old != out or not verdict.enabled):
                shutil.rmtree(old, ignore_errors=True)
        if not verdict.enabled:
            drop_space(self._store, embedded.space)
        self._caches.drop("encoder:")
        report_ = TuneReport(result, verdict)
        return self._catalog.apply(Changes(vectors=True, learned=True,
                                           message=report_.summary(), detail=report_))

    # -- images ---------------------------------------------------------------------------
    def images_root(self) -> Path | None:
        root = get_setting(self._store, "images.root")
        return Path(root) if root else None

    def set_images_root(self, folder: str | Path | None) -> Changes:
        """The folder whose files the catalog's image paths name (None: no images)."""
        if folder is not None and not Path(folder).is_dir():
            raise CuratorError(f"{folder} is not a folder.")
        set_setting(self._store, "images.root",
                    str(Path(folder).resolve()) if folder else None)
        return self._catalog.apply(Changes(images=True, message="Images folder changed."))

    def set_image_model_path(self, path: str | Path | None) -> Changes:
        """Use a local CLIP-style model for images (None: the colour/texture descriptor)."""
        from ..embedding.image_features import is_clip_folder

        if path is not None and not is_clip_folder(Path(path)):
            raise CuratorError(f"{path} is not a CLIP model folder.")
        set_setting(self._store, "images.model_path", str(path) if path else None)
        self._caches.drop("encoder:image")
        return self._catalog.apply(Changes(images=True, message="Image model changed."))

    def image_encoder(self):
        from ..embedding.image_features import ClipEncoder, ColourTextureEncoder

        def load():
            path = get_setting(self._store, "images.model_path")
            return ClipEncoder(path) if path else ColourTextureEncoder()

        return self._caches.get("encoder:image", load)

    def embed_images(self, *, progress: ProgressFn | None = None,
                     cancel: CancelToken | None = None) -> Changes:
        """Describe new and changed artwork images (thumbnails are made as they are shown)."""
        from ..embedding.image_pipeline import embed_images

        result = embed_images(self._store, images_root=self.images_root(),
                              encoder=self.image_encoder(), progress=progress, cancel=cancel)
        return self._catalog.apply(Changes(images=True, count=result.embedded,
                                           message=result.summary(), detail=result))

    def image_index(self) -> VectorIndex:
        encoder = self.image_encoder()

        def load() -> VectorIndex:
            space = find_space(self._store, "image", encoder.model_id)
            if space is None:
                raise CuratorError("No artwork images have been described yet; set an "
                                   "images folder and run `curator embed --images`.")
            return VectorIndex.load(self._store, space)

        return self._caches.get(f"image_index:{encoder.model_id}", load)
