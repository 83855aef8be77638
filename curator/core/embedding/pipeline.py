"""Embedding the catalog: find stale artworks, encode them, write the vectors back.

Work is written in chunks, each in its own transaction, so an interrupted run keeps what
it finished and the next run resumes with what is left.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..progress import CancelToken, ProgressFn, check, report
from ..store import Store
from .spaces import (
    Space,
    drop_other_spaces,
    get_or_create_space,
    prune_vectors,
    write_vectors,
)
from .templates import render

CHUNK = 4096


@dataclass(frozen=True)
class EmbedResult:
    space: Space
    embedded: int
    total: int
    device: str | None

    def summary(self) -> str:
        if not self.embedded:
            return f"All {self.total:,} artworks are embedded; nothing to do."
        return (f"Embedded {self.embedded:,} artworks ({self.total:,} in the catalog) "
                f"on {self.device}.")


def embed_text(store: Store, *, model_id: str, dim: int, template: str,
               load_encoder: Callable[[], object], progress: ProgressFn | None = None,
               cancel: CancelToken | None = None) -> EmbedResult:
    """Embed every artwork whose text vector is missing or stale.

    ``load_encoder`` is called only when there is work, so a catalog that is up to date
    never loads the model.
    """
    space = get_or_create_space(store, "text", model_id, template, dim)
    drop_other_spaces(store, space)
    cur = store.cursor()
    try:
        total = cur.execute("SELECT count(*) FROM artworks").fetchall()[0][0]
        stale = cur.sql(
            "SELECT a.id, a.content_hash, a.title, a.artists, a.date_text, a.medium, "
            "a.classification, a.description, a.tags FROM artworks a "
            f"LEFT JOIN {space.table} e ON e.artwork_id = a.id "
            "WHERE e.artwork_id IS NULL OR e.content_hash <> a.content_hash ORDER BY a.id"
        ).to_arrow_table().to_pylist()
    finally:
        cur.close()
    todo = len(stale)
    if not todo:
        with store.transaction() as wcur:
            prune_vectors(wcur, space)
        return EmbedResult(space, 0, total, None)
    report(progress, 0, todo, "Loading the embedding model")
    encoder = load_encoder()
    check(cancel)
    done = 0
    for start in range(0, len(stale), CHUNK):
        rows = stale[start:start + CHUNK]
        texts = render(template, rows)

        def chunk_progress(d: int, t: int, m: str, base: int = done) -> None:
            report(progress, base + d, todo, m)

        vectors = encoder.encode(texts, progress=chunk_progress, cancel=cancel)
        with store.transaction() as wcur:
            write_vectors(wcur, space, [r["id"] for r in rows],
                          [r["content_hash"] for r in rows], vectors)
        done += len(rows)
        report(progress, done, todo, "Embedding artworks")
        check(cancel)
    with store.transaction() as wcur:
        prune_vectors(wcur, space)
    return EmbedResult(space, done, total, getattr(encoder, "device", None))
