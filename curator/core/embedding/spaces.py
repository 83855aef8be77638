"""Where vectors live: embedding spaces and their fixed-size vector tables.

A space is one (kind, model, template). Its vectors sit in ``emb_<id>`` with the
``content_hash`` of the artwork they were computed from, so an artwork whose hash changed,
or that has no row, is stale.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..store import Store
from .ann import KEY_SQL


@dataclass(frozen=True)
class Space:
    id: int
    kind: str
    model_id: str
    template: str
    dim: int

    @property
    def table(self) -> str:
        return f"emb_{int(self.id)}"


def get_or_create_space(store: Store, kind: str, model_id: str, template: str, dim: int
                        ) -> Space:
    with store.transaction() as cur:
        row = cur.execute("SELECT id, dim FROM embedding_spaces WHERE kind = ? AND model_id = ? "
                          "AND template = ?", [kind, model_id, template]).fetchall()
        if row:
            return Space(row[0][0], kind, model_id, template, row[0][1])
        space_id = cur.execute(
            "INSERT INTO embedding_spaces (kind, model_id, template, dim, created_at) "
            "VALUES (?, ?, ?, ?, now()) RETURNING id", [kind, model_id, template, dim]
        ).fetchall()[0][0]
        space = Space(space_id, kind, model_id, template, dim)
        cur.execute(f"CREATE TABLE {space.table} (artwork_id VARCHAR NOT NULL, "
                    f"content_hash VARCHAR NOT NULL, vector FLOAT[{int(dim)}] NOT NULL)")
    return space


def find_space(store: Store, kind: str, model_id: str | None = None,
               template: str | None = None) -> Space | None:
    """The newest space of ``kind`` (optionally for a model and template)."""
    sql = "SELECT id, kind, model_id, template, dim FROM embedding_spaces WHERE kind = ?"
    params: list = [kind]
    if model_id is not None:
        sql += " AND model_id = ?"
        params.append(model_id)
    if template is not None:
        sql += " AND template = ?"
        params.append(template)
    cur = store.cursor()
    try:
        rows = cur.execute(sql + " ORDER BY id DESC LIMIT 1", params).fetchall()
    finally:
        cur.close()
    return Space(*rows[0]) if rows else None


def drop_other_spaces(store: Store, keep: Space) -> None:
    """Remove the vectors of older spaces of the same kind (a new model or template)."""
    with store.transaction() as cur:
        old = cur.execute("SELECT id FROM embedding_spaces WHERE kind = ? AND id <> ?",
                          [keep.kind, keep.id]).fetchall()
        for (space_id,) in old:
            cur.execute(f"DROP TABLE IF EXISTS emb_{int(space_id)}")
            cur.execute("DELETE FROM embedding_spaces WHERE id = ?", [space_id])


def drop_space(store: Store, space: Space) -> None:
    """Remove one space and its vectors."""
    with store.transaction() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {space.table}")
        cur.execute("DELETE FROM embedding_spaces WHERE id = ?", [space.id])


def write_vectors(cur: duckdb.DuckDBPyConnection, space: Space, ids: list[str],
                  hashes: list[str], vectors: np.ndarray) -> None:
    """Replace the vectors of ``ids`` in bulk (call inside a transaction)."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    flat = pa.array(vectors.reshape(-1), type=pa.float32())
    batch = pa.table({
        "artwork_id": pa.array(ids, type=pa.string()),
        "content_hash": pa.array(hashes, type=pa.string()),
        "vector": pa.FixedSizeListArray.from_arrays(flat, space.dim),
    })
    cur.register("_new_vectors", batch)
    try:
        cur.execute(f"DELETE FROM {space.table} WHERE artwork_id IN "
                    "(SELECT artwork_id FROM _new_vectors)")
        cur.execute(f"INSERT INTO {space.table} SELECT artwork_id, content_hash, vector "
                    "FROM _new_vectors")
    finally:
        cur.unregister("_new_vectors")


def prune_vectors(cur: duckdb.DuckDBPyConnection, space: Space) -> None:
    """Drop vectors of artworks that are no longer in the catalog."""
    cur.execute(f"DELETE FROM {space.table} WHERE artwork_id NOT IN (SELECT id FROM artworks)")


def read_vectors(cur: duckdb.DuckDBPyConnection, space: Space, *, keys: bool = False):
    """All current vectors of a space as ``(ids, matrix)``; stale rows are left out.

    One consistent snapshot, streamed in batches straight into the matrix (a million
    384-dimensional vectors are 1.5 GB: no second copy is ever made). Rows come in the
    table's order. With ``keys``, ``(ids, matrix, keys)``: each row's 64-bit key for the
    approximate index (see :data:`.ann.KEY_SQL`).
    """

    table = space.table
    cur.execute("BEGIN TRANSACTION")
    try:
        count = cur.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        stale = cur.sql(f"SELECT e.artwork_id FROM {table} e ANTI JOIN artworks a "
                        "ON a.id = e.artwork_id AND a.content_hash = e.content_hash"
                        ).to_arrow_table().column(0)
        matrix = np.empty((count, space.dim), dtype=np.float32)
        chunks, key_chunks, filled = [], [], 0
        key_sql = f", {KEY_SQL}" if keys else ""
        reader = cur.sql(f"SELECT artwork_id, vector{key_sql} FROM {table}"
                         ).to_arrow_reader(65_536)
        for batch in reader:
            n = batch.num_rows
            values = batch.column(1).flatten().to_numpy(zero_copy_only=False)
            matrix[filled:filled + n] = values.reshape(n, space.dim)
            chunks.append(batch.column(0))
            if keys:
                key_chunks.append(batch.column(2).to_numpy(zero_copy_only=False))
            filled += n
    finally:
        cur.execute("ROLLBACK")  # it only read
    ids = pa.chunked_array(chunks, type=pa.string()) if chunks else pa.chunked_array(
        [], type=pa.string())
    row_keys = (np.concatenate(key_chunks).astype(np.uint64) if key_chunks
                else np.empty(0, dtype=np.uint64))
    if len(stale):
        keep = pc.invert(pc.is_in(ids, value_set=stale.combine_chunks())).to_numpy(
            zero_copy_only=False)
        ids, matrix = ids.filter(pa.array(keep)), matrix[keep]
        if keys:
            row_keys = row_keys[keep]
    ids = ids.to_numpy(zero_copy_only=False).astype(object)
    return (ids, matrix, row_keys) if keys else (ids, matrix)
