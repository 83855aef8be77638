"""Embedding the catalog: find stale artworks, encode them, write the vectors back.

The database renders the texts from the template in the query that finds the stale
artworks. Vectors are written in chunks, each in its own transaction, at least every
``FLUSH_SECONDS`` whatever the batch size, and once more when the run stops early
(cancelled, interrupted, failed), so an interrupted run keeps what it finished and the
next run resumes with what is left.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from time import monotonic

import numpy as np

from ..progress import CancelToken, ProgressFn, check, report
from ..store import Store
from .spaces import (
    Space,
    drop_other_spaces,
    get_or_create_space,
    prune_vectors,
    write_vectors,
)
from .templates import sql_expression

CHUNK = 4096  # vectors written at most per transaction
FLUSH_SECONDS = 2.0  # ... and at least this often, so a slow CPU run keeps its progress


@dataclass(frozen=True)
class EmbedResult:
    space: Space
    embedded: int
    total: int
    device: str | None
    # Images that could not be read: (artwork id, file name, reason); they were skipped.
    unreadable: tuple[tuple[str, str, str], ...] = ()

    def summary(self) -> str:
        if not self.embedded:
            text = f"All {self.total:,} artworks are embedded; nothing to do."
        else:
            text = (f"Embedded {self.embedded:,} artworks ({self.total:,} in the catalog) "
                    f"on {self.device}.")
        if self.unreadable:
            named = ", ".join(f"{name} ({artwork})" for artwork, name, _ in self.unreadable[:5])
            more = len(self.unreadable) - 5
            text += (f" {len(self.unreadable):,} image(s) could not be read and were skipped: "
                     f"{named}{f' and {more:,} more' if more > 0 else ''}.")
        return text


def _stale(space: Space) -> str:
    """FROM and WHERE of the artworks (``a``) whose vectors in ``space`` are missing or stale."""
    return (f"FROM artworks a LEFT JOIN {space.table} e ON e.artwork_id = a.id "
            "WHERE e.artwork_id IS NULL OR e.content_hash <> a.content_hash")


def stale_texts(cur, space: Space) -> tuple[list[str], list[str], list[str]]:
    """``(ids, content hashes, texts)`` of the artworks whose vectors are missing or stale,
    longest text first (so the encoder's batches hold texts of similar length)."""
    expression, params = sql_expression(space.template, alias="a")
    table = cur.sql(f"SELECT a.id, a.content_hash, {expression} AS text {_stale(space)} "
                    "ORDER BY length(text) DESC, a.id", params=params).to_arrow_table()
    return tuple(table.column(c).to_pylist() for c in ("id", "content_hash", "text"))


def count_stale(cur, space: Space | None) -> int:
    """How many artworks need embedding in ``space`` (all of them when there is none yet)."""
    if space is None:
        return cur.execute("SELECT count(*) FROM artworks").fetchall()[0][0]
    return cur.execute(f"SELECT count(*) {_stale(space)}").fetchall()[0][0]


def embed_text(store: Store, *, model_id: str, dim: int, template: str,
               load_encoder: Callable[[], object], progress: ProgressFn | None = None,
               cancel: CancelToken | None = None, kind: str = "text") -> EmbedResult:
    """Embed every artwork whose text vector is missing or stale.

    ``load_encoder`` is called only when there is work, so a catalog that is up to date
    never loads the model. Vectors are written by a helper thread while the encoder goes
    on: ``CHUNK`` at a time, or what is done every ``FLUSH_SECONDS``, and what is done when
    the run is cancelled or fails. ``kind`` names the space: ``text`` for the configured
    model, ``tuned`` for one fine-tuned on the catalog's histories (one space per kind).
    """
    space = get_or_create_space(store, kind, model_id, template, dim)
    drop_other_spaces(store, space)
    cur = store.cursor()
    try:
        total = cur.execute("SELECT count(*) FROM artworks").fetchall()[0][0]
        ids, hashes, texts = stale_texts(cur, space)
    finally:
        cur.close()
    todo = len(ids)
    if not todo:
        with store.transaction() as wcur:
            prune_vectors(wcur, space)
        return EmbedResult(space, 0, total, None)
    report(progress, 0, todo, "Loading the embedding model")
    encoder = load_encoder()
    check(cancel)

    def write(rows: np.ndarray, vectors: np.ndarray) -> None:
        with store.transaction() as wcur:
            write_vectors(wcur, space, [ids[r] for r in rows], [hashes[r] for r in rows],
                          vectors)

    done = 0
    rows_buf: list[np.ndarray] = []
    vec_buf: list[np.ndarray] = []
    writes: list[Future] = []
    last_flush = monotonic()

    def flush() -> None:
        nonlocal rows_buf, vec_buf, last_flush
        last_flush = monotonic()
        if not rows_buf:
            return
        while len(writes) > 1:  # at most one write waiting behind the running one
            writes.pop(0).result()
        writes.append(writer.submit(write, np.concatenate(rows_buf), np.concatenate(vec_buf)))
        rows_buf, vec_buf = [], []

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="curator-write") as writer:
        try:
            for rows, vectors in encoder.stream(texts):
                rows_buf.append(rows)
                vec_buf.append(vectors)
                done += len(rows)
                if (sum(map(len, rows_buf)) >= CHUNK or done == todo
                        or monotonic() - last_flush >= FLUSH_SECONDS):
                    flush()
                report(progress, done, todo, "Embedding artworks")
                check(cancel)
        finally:
            try:
                flush()  # vectors already computed are kept, even when stopping early
            finally:
                for w in writes:
                    w.result()
    with store.transaction() as wcur:
        prune_vectors(wcur, space)
    return EmbedResult(space, done, total, getattr(encoder, "device", None))
