"""Embeddings: the text and image encoders, their settings, and the vectors they make."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..changes import Changes
from ..embedding.pipeline import count_stale, embed_text
from ..embedding.search import VectorIndex
from ..embedding.spaces import find_space
from ..embedding.templates import DEFAULT_TEMPLATE, artwork_text, check_template
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

        configured = get_setting(self._store, "embedding.model_path")
        return Path(configured) if configured else default_model_path()

    def set_model_path(self, path: str | Path | None) -> Changes:
        """Use another local encoder folder (``None``: the default); marks vectors stale."""
        from ..embedding.text_encoder import read_model_info

        if path is not None:
            read_model_info(Path(path))  # refuse a folder that is not a model
        set_setting(self._store, "embedding.model_path", str(path) if path else None)
        self._caches.drop("encoder:")
        return self._catalog.apply(Changes(vectors=True, message="Embedding model changed."))

    def template(self) -> str:
        return get_setting(self._store, "embedding.template") or DEFAULT_TEMPLATE

    def set_template(self, template: str | None) -> Changes:
        """Change the text artworks are embedded as (``None``: the default); marks every
        text vector stale when it differs."""
        if template is not None:
            check_template(template)
        set_setting(self._store, "embedding.template", template)
        return self._catalog.apply(Changes(vectors=True, message="Embedding text changed."))

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
        from ..embedding.text_encoder import read_model_info

        space = find_space(self._store, "text", read_model_info(self.model_path()).model_id,
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
        from ..embedding.text_encoder import default_model_path, read_model_info

        path = self.model_path()
        info = read_model_info(path)
        template = self.template()
        space = find_space(self._store, "text", info.model_id, template)
        cur = self._store.cursor()
        try:
            total = cur.execute("SELECT count(*) FROM artworks").fetchall()[0][0]
            stale = count_stale(cur, space)
        finally:
            cur.close()
        return EmbeddingStatus(
            model_path=str(path), model_id=info.model_id, dim=info.dim,
            default_model=Path(path) == default_model_path(), template=template,
            default_template=template == DEFAULT_TEMPLATE, artworks=total, stale=stale)

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

        info = read_model_info(self.model_path())
        result = embed_text(self._store, model_id=info.model_id, dim=info.dim,
                            template=self.template(),
                            load_encoder=lambda: self.text_encoder(device),
                            progress=progress, cancel=cancel)
        return self._catalog.apply(Changes(vectors=bool(result.embedded),
                                           count=result.embedded, message=result.summary(),
                                           detail=result))

    def text_index(self) -> VectorIndex:
        """The current text vectors in memory (cached until the catalog changes).

        With none yet, raises :class:`CuratorError` saying how far embedding has got.
        """
        from ..embedding.text_encoder import read_model_info

        info = read_model_info(self.model_path())
        template = self.template()

        def load() -> VectorIndex:
            space = find_space(self._store, "text", info.model_id, template)
            index = VectorIndex.load(self._store, space) if space is not None else None
            if index is None or len(index) == 0:
                raise CuratorError(self.not_embedded("semantic search works once it is done"))
            return index

        return self._caches.get(f"text_index:{info.model_id}:{template}", load)

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
