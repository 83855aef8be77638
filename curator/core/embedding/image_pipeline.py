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
    done = 0
    for start in range(0, len(todo), CHUNK):
        chunk = todo[start:start + CHUNK]
        vectors = encoder.encode_images([p for _, _, p in chunk])
        with store.transaction() as wcur:
            write_vectors(wcur, space, [a for a, _, _ in chunk], [h for _, h, _ in chunk],
                          vectors)
        done += len(chunk)
        report(progress, done, len(todo), "Describing images")
        check(cancel)
    with store.transaction() as wcur:
        prune_vectors(wcur, space)
    return EmbedResult(space, done, total, encoder.device)
