"""The Catalog facade: the one object the desktop app and the command line talk to."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .importing.catalog_import import import_catalog
from .importing.common import ImportResult
from .importing.events_import import import_events
from .importing.mapping import Mapping, load_mapping
from .progress import CancelToken, ProgressFn
from .store import Store


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

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- import --------------------------------------------------------------------------
    def import_catalog(self, path: str | Path, *, mapping: Mapping | str | Path | None = None,
                       skip_invalid: bool = False, progress: ProgressFn | None = None,
                       cancel: CancelToken | None = None) -> ImportResult:
        """Import artworks from a file as one batch; see :mod:`.importing.catalog_import`."""
        return import_catalog(self.store, path, mapping=_mapping(mapping),
                              skip_invalid=skip_invalid, progress=progress, cancel=cancel)

    def import_events(self, path: str | Path, *, mapping: Mapping | str | Path | None = None,
                      skip_invalid: bool = False, progress: ProgressFn | None = None,
                      cancel: CancelToken | None = None) -> ImportResult:
        """Import visitor/collector events from a file as one batch."""
        return import_events(self.store, path, mapping=_mapping(mapping),
                             skip_invalid=skip_invalid, progress=progress, cancel=cancel)

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

    def schema_version(self) -> int:
        return self.store.schema_version()


def _mapping(mapping: Mapping | str | Path | None) -> Mapping | None:
    if mapping is None or isinstance(mapping, Mapping):
        return mapping
    return load_mapping(mapping)
