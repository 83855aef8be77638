"""Synthetic catalogs for benchmarks and scale tests, made in bulk (DuckDB SQL and NumPy).

Artwork ``i`` is ``A%07d``, by ``Artist (i % 20000)``, with a medium (1 in 5), tags
``subject (i % 400)`` and ``theme (i % 23)``. Its text vector is written straight into the
current text space, without running the model:

- ``random``: unit vectors drawn uniformly (the worst case for an approximate index: no
  structure, every neighbour nearly as far as any other);
- ``clustered``: each work near one of ``n / 250`` topic directions, as sentence vectors of
  a real catalog are (works of a subject, artist or medium lie together); cosine about 0.6
  within a topic and about 0 across topics.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

VECTOR_KINDS = ("clustered", "random")
PER_TOPIC = 250
SPREAD = 0.8  # norm of the noise added to a topic's direction


def unit_vectors(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    block = rng.standard_normal((n, dim), dtype=np.float32)
    block /= np.linalg.norm(block, axis=1, keepdims=True)
    return block


def vectors(kind: str, start: int, count: int, total: int, dim: int, seed: int = 0
            ) -> np.ndarray:
    """The vectors of artworks ``start`` .. ``start + count`` of a catalog of ``total``."""
    rng = np.random.default_rng([seed, start])
    if kind == "random":
        return unit_vectors(rng, count, dim)
    if kind != "clustered":
        raise ValueError(f"unknown vector kind {kind!r}; use {', '.join(VECTOR_KINDS)}")
    topics = unit_vectors(np.random.default_rng([seed, 2**31]), max(1, total // PER_TOPIC), dim)
    which = np.arange(start, start + count) % len(topics)
    block = topics[which] + unit_vectors(rng, count, dim) * SPREAD
    block /= np.linalg.norm(block, axis=1, keepdims=True)
    return block


def build_catalog(catalog, n: int, *, vectors_kind: str = "clustered", embed: bool = True,
                  seed: int = 0) -> None:
    """Fill an empty ``catalog`` with ``n`` synthetic artworks (one import batch) and, with
    ``embed``, a vector each in the current text space."""

    with catalog.store.transaction() as cur:
        cur.execute("INSERT INTO import_batches (id, kind, source_path, source_sha256, "
                    "started_at, finished_at, accepted, rejected, inserted, updated, "
                    "unchanged) VALUES (1, 'catalog', 'synthetic', '', now(), now(), ?, 0, "
                    "?, 0, 0)", [n, n])
        cur.execute(
            "INSERT INTO artworks (id, title, artists, year_start, year_end, medium, "
            "classification, tags, content_hash, batch_id, updated_at) "
            "SELECT printf('A%07d', i), 'Work ' || i, ['Artist ' || (i % 20000)], "
            "1500 + i % 520, 1500 + i % 520 + i % 3, "
            "['oil on canvas', 'watercolour', 'bronze', 'etching', 'photograph'][i % 5 + 1], "
            "'artwork', ['subject ' || (i % 400), 'theme ' || (i % 23)], md5(i::VARCHAR), 1, "
            "now() FROM range(?) t(i)", [n])
    if embed:
        write_synthetic_vectors(catalog, vectors_kind, seed=seed)


def write_synthetic_vectors(catalog, vectors_kind: str = "clustered", *, seed: int = 0) -> int:
    """A vector for every artwork of a synthetic catalog (ids ``A%07d``), written into the
    current text space as if the model had made them; returns how many."""
    from curator.core.embedding.spaces import get_or_create_space, write_vectors
    from curator.core.embedding.text_encoder import read_model_info

    info = read_model_info(catalog.embeddings.model_path())
    space = get_or_create_space(catalog.store, "text", info.model_id,
                                catalog.embeddings.template(), info.dim)
    cur = catalog.store.cursor()
    try:
        table = cur.sql("SELECT id, content_hash FROM artworks ORDER BY id").to_arrow_table()
    finally:
        cur.close()
    ids, hashes = table.column(0).to_pylist(), table.column(1).to_pylist()
    n, step = len(ids), 100_000
    for start in range(0, n, step):
        count = min(step, n - start)
        cur = catalog.store.cursor()
        with catalog.store.transaction(cur) as cur:
            write_vectors(cur, space, ids[start:start + count], hashes[start:start + count],
                          vectors(vectors_kind, start, count, n, info.dim, seed))
        cur.close()
    return n


def new_catalog(path: Path, n: int, **options):
    """A new catalog file at ``path`` holding ``n`` synthetic artworks (see
    :func:`build_catalog`); closed again."""
    from curator.core.catalog import Catalog

    with Catalog(path) as catalog:
        build_catalog(catalog, n, **options)
