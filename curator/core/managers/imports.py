"""Imports: catalogs, histories and visitor lists in, each as one batch; undo of a batch."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ..changes import Changes
from ..importing.catalog_import import import_catalog
from ..importing.common import ImportResult
from ..importing.events_import import import_events
from ..importing.mapping import Mapping, load_mapping
from ..importing.users_import import import_users
from ..progress import CancelToken, ProgressFn
from .base import Manager


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


def _imported(result: ImportResult) -> Changes:
    changed = result.changed
    return Changes(artworks=changed and result.kind == "catalog",
                   events=changed and result.kind == "events",
                   visitors=changed and result.kind in ("events", "users"),
                   batch_id=result.batch_id, count=result.inserted + result.updated,
                   message=result.summary(), detail=result)


class ImportManager(Manager):
    """``catalog.imports``: reading files into the catalog."""

    def catalog(self, path: str | Path, *, mapping: Mapping | str | Path | None = None,
                skip_invalid: bool = False, progress: ProgressFn | None = None,
                cancel: CancelToken | None = None, dry_run: bool = False,
                rejects: str | Path | None = None, sheet: str | int | None = None,
                language: str | None = None) -> Changes:
        """Import artworks from a file as one batch; see :mod:`..importing.catalog_import`.

        ``dry_run`` validates and counts without changing anything (``detail`` holds the
        rejects and the date notes). ``rejects``: where skipped rows are listed (default:
        beside the database). ``sheet`` (a workbook's sheet) and ``language`` (LIDO's
        preferred language) override the mapping's ``[read]`` section. Any thread may call
        this.
        """
        return self._catalog.apply(_imported(import_catalog(
            self._store, path, mapping=_with_read(_mapping(mapping), sheet=sheet,
                                                  language=language),
            skip_invalid=skip_invalid, progress=progress, cancel=cancel, dry_run=dry_run,
            rejects=rejects)))

    def events(self, path: str | Path, *, mapping: Mapping | str | Path | None = None,
               skip_invalid: bool = False, progress: ProgressFn | None = None,
               cancel: CancelToken | None = None, dry_run: bool = False,
               new_users: bool = False, rejects: str | Path | None = None) -> Changes:
        """Import visitor/collector events from a file as one batch (``dry_run``: check only).

        With a visitor list in the database, events of people not known are rejected unless
        ``new_users``.
        """
        return self._catalog.apply(_imported(import_events(
            self._store, path, mapping=_mapping(mapping), skip_invalid=skip_invalid,
            progress=progress, cancel=cancel, dry_run=dry_run, new_users=new_users,
            rejects=rejects)))

    def users(self, path: str | Path, *, mapping: Mapping | str | Path | None = None,
              skip_invalid: bool = False, progress: ProgressFn | None = None,
              cancel: CancelToken | None = None, dry_run: bool = False,
              rejects: str | Path | None = None) -> Changes:
        """Import a list of visitors and collectors (ids only) as one batch."""
        return self._catalog.apply(_imported(import_users(
            self._store, path, mapping=_mapping(mapping), skip_invalid=skip_invalid,
            progress=progress, cancel=cancel, dry_run=dry_run, rejects=rejects)))

    def preview(self, path: str | Path, *, kind: str = "catalog",
                mapping: Mapping | str | Path | None = None, rows: int = 20,
                sheet: str | int | None = None, language: str | None = None) -> dict:
        """The first rows of a file as read, its columns, and the detected mapping:
        ``mapping`` (field -> column) and, for catalogs, ``extra`` (extra field -> column)."""
        from ..importing.mapping import (
            CATALOG_FIELDS,
            EVENT_FIELDS,
            USER_FIELDS,
            resolve,
            resolve_extra,
        )
        from ..importing.sources import open_source

        mapping = _with_read(_mapping(mapping), sheet=sheet, language=language) or Mapping()
        with self._store.session() as cur, open_source(cur, path, mapping.read) as source:
            if source.kind == "json":
                from ..importing.common import json_path

                columns = source.columns[:16]
                paths = [json_path(c) for c in columns]
                head = [tuple(r[0]) for r in cur.execute(
                    f"SELECT json_extract_string(rec, ?) FROM src ORDER BY _row "
                    f"LIMIT {int(rows)}", [paths]).fetchall()] if columns else []
            else:
                columns = source.columns
                head = cur.execute(f"SELECT * EXCLUDE (_row) FROM src ORDER BY _row "
                                   f"LIMIT {int(rows)}").fetchall()
            fields = {"catalog": CATALOG_FIELDS, "users": USER_FIELDS}.get(kind, EVENT_FIELDS)
            detected = resolve(fields, source.columns, mapping, source.path.name)
            extra = (resolve_extra(source.columns, detected, mapping, source.path.name)
                     if kind == "catalog" else {})
            return {"file": source.path.name, "rows": source.rows, "columns": columns,
                    "source_columns": source.columns, "head": head, "mapping": detected,
                    "extra": extra, "encoding": source.encoding, "fields": list(fields)}

    def batches(self, limit: int | None = None) -> list[BatchInfo]:
        """Import batches, newest first."""
        cur = self._store.cursor()
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

    def undo(self, batch_id: int) -> Changes:
        """Restore what one import changed (see :func:`..maintenance.undo_batch`)."""
        from ..maintenance import undo_batch

        result = undo_batch(self._store, batch_id)
        kind = result["kind"]
        return self._catalog.apply(Changes(
            artworks=kind == "catalog", events=kind == "events",
            visitors=kind in ("events", "users"), batch_id=batch_id,
            count=sum(v for k, v in result.items() if k not in ("batch", "kind")),
            message=f"Import #{batch_id} was undone.", detail=result))


def _with_read(mapping: Mapping | None, **options) -> Mapping | None:
    """``mapping`` with the given read options set (those not None)."""
    given = {k: v for k, v in options.items() if v is not None}
    if not given:
        return mapping
    mapping = mapping or Mapping()
    return replace(mapping, read=replace(mapping.read, **given))


def _mapping(mapping: Mapping | str | Path | None) -> Mapping | None:
    if mapping is None or isinstance(mapping, Mapping):
        return mapping
    return load_mapping(mapping)
