"""Embedding artwork images: stale ones only, in chunks, like the text pipeline."""

from __future__ import annotations

from pathlib import Path

from ..errors import CuratorError
from ..images import resolve_image
from ..progress import CancelToken, ProgressFn, check, report
from ..store import Store
from .pipeline import EmbedResult
from .spaces import drop_other_spaces, get_or_create_space, prune_vectors, write_vectors

CHUNK = 256


def embed_images(store: Store, *, images_root: str | Path | None, encoder,
                 progress: ProgressFn | None = None,
                 cancel: CancelToken | None = None) -> EmbedResult:
    """Describe every artwork whose image is new or changed; others are left alone.

    Artworks without an image file under ``images_root`` are skipped (and counted).
    """
    space = get_or_create_space(store, "image", encoder.model_id, "image", encoder.dim)
    drop_other_spaces(store, space)
    cur = store.cursor()
    try:
        rows = cur.execute(
            "SELECT a.id, a.content_hash, a.image_path FROM artworks a "
            f"LEFT JOIN {space.table} e ON e.artwork_id = a.id "
            "WHERE a.image_path IS NOT NULL AND (e.artwork_id IS NULL OR "
            "e.content_hash <> a.content_hash) ORDER BY a.id").fetchall()
        total = cur.execute("SELECT count(*) FROM artworks WHERE image_path IS NOT NULL"
                            ).fetchall()[0][0]
    finally:
        cur.close()
    todo = []
    for artwork_id, content_hash, image_path in rows:
        try:
            path = resolve_image(images_root, image_path)
        except CuratorError:
            path = None
        if path is not None:
            todo.append((artwork_id, content_hash, path))
    done, seen, unreadable = 0, 0, []
    for start in range(0, len(todo), CHUNK):
        chunk, vectors = _encode(encoder, todo[start:start + CHUNK], unreadable)
        if chunk:
            with store.transaction() as wcur:
                write_vectors(wcur, space, [a for a, _, _ in chunk], [h for _, h, _ in chunk],
                              vectors)
        done += len(chunk)
        seen = min(len(todo), start + CHUNK)
        report(progress, seen, len(todo), "Describing images")
        check(cancel)
    with store.transaction() as wcur:
        prune_vectors(wcur, space)
    return EmbedResult(space, done, total, encoder.device, tuple(unreadable))


def _image_errors() -> tuple[type[BaseException], ...]:
    """What reading a damaged, truncated or hostile image file raises."""
    from PIL import Image

    return (CuratorError, OSError, ValueError, SyntaxError, EOFError,
            Image.DecompressionBombError)


def _encode(encoder, chunk: list, unreadable: list):
    """Encode a chunk; when one image cannot be read, encode them one by one and leave the
    unreadable ones out (named in ``unreadable``), so one bad file does not stop the rest."""
    import numpy as np

    errors = _image_errors()
    try:
        return chunk, encoder.encode_images([p for _, _, p in chunk])
    except errors:
        pass
    kept, vectors = [], []
    for item in chunk:
        try:
            vectors.append(encoder.encode_images([item[2]])[0])
            kept.append(item)
        except errors as exc:
            unreadable.append((item[0], Path(item[2]).name, str(exc) or type(exc).__name__))
    return kept, (np.stack(vectors) if vectors else np.zeros((0, encoder.dim), np.float32))
