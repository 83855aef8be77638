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

from ..store import Store


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


def read_vectors(cur: duckdb.DuckDBPyConnection, space: Space) -> tuple[np.ndarray, np.ndarray]:
    """All current vectors of a space as ``(ids, matrix)``; stale rows are left out."""
    table = cur.sql(
        f"SELECT e.artwork_id, e.vector FROM {space.table} e JOIN artworks a "
        "ON a.id = e.artwork_id AND a.content_hash = e.content_hash ORDER BY e.artwork_id"
    ).to_arrow_table()
    ids = np.asarray(table.column("artwork_id").to_pylist(), dtype=object)
    column = table.column("vector").combine_chunks()
    if len(ids) == 0:
        return ids, np.zeros((0, space.dim), dtype=np.float32)
    matrix = column.values.to_numpy(zero_copy_only=False).reshape(len(ids), space.dim)
    return ids, np.ascontiguousarray(matrix, dtype=np.float32)
