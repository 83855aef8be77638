"""What every import shares: the result record, reject reporting and batch bookkeeping."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ..errors import CuratorError, ImportRejected, Reject
from ..spreadsheet import write_csv
from .sources import Source
from .sql import ident, literal

MAX_TEXT = 100_000
REJECTS_SHOWN = 20


@dataclass(frozen=True)
class ImportResult:
    """What an import did. ``batch_id`` is ``None`` when nothing changed."""

    kind: str
    file: str
    batch_id: int | None
    rows: int
    accepted: int
    rejected: int
    inserted: int
    updated: int
    unchanged: int
    rejects: tuple[Reject, ...] = ()
    rejects_path: str | None = None
    # Dates kept as text only (no years read) and year ranges read in swapped order: the
    # rows are imported; these notes say which, and where the full list was written.
    notes: tuple[Reject, ...] = ()
    text_only_dates: int = 0
    swapped_dates: int = 0
    notes_path: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.inserted + self.updated > 0

    def summary(self) -> str:
        parts = [f"{self.inserted:,} new", f"{self.updated:,} updated",
                 f"{self.unchanged:,} unchanged"]
        if self.rejected:
            parts.append(f"{self.rejected:,} rejected")
        what = {"catalog": "artworks", "users": "people"}.get(self.kind, "events")
        head = f"{self.file}: {self.rows:,} rows read; {what}: " + ", ".join(parts)
        if self.rejects_path:
            head += f". Rejected rows were written to {self.rejects_path}"
        if self.text_only_dates or self.swapped_dates:
            dates = [f"{self.text_only_dates:,} dates kept as text only"]
            if self.swapped_dates:
                dates.append(f"{self.swapped_dates:,} year ranges read in swapped order")
            head += ". " + " and ".join(dates)
            if self.notes_path:
                head += f" (listed in {self.notes_path})"
        return " ".join([head + ".", *self.warnings])


_EMPTY_CELL_IDS = ("nan", "null", "none", "#n/a", "n/a")


def shared_rejects(source: Source, ids: dict[str, str], texts: dict[str, str]) -> list[str]:
    """Checks every import makes, as SELECTs for its ``rejects`` table.

    ``ids`` and ``texts`` map a column of the temporary ``norm`` table to the source field
    it came from. Refused: ids that are a spreadsheet's mark for an empty cell (``nan``),
    NUL characters, a header row repeated inside the file, a JSON record naming a key twice.
    """
    checks = []
    marks = ", ".join(literal(m) for m in _EMPTY_CELL_IDS)
    for column, field in ids.items():
        checks.append(
            f"SELECT _row, {literal(field)}, {column}, 'is not an id: it is how a spreadsheet "
            f"or a script writes an empty cell' FROM norm WHERE lower({column}) IN ({marks})")
    for column, field in {**ids, **texts}.items():
        checks.append(
            f"SELECT _row, {literal(field)}, replace({column}, chr(0), '␀'), 'contains a NUL "
            f"character (part of a binary or damaged file)' FROM norm "
            f"WHERE contains({column}, chr(0))")
    if source.kind == "json":
        checks.append(
            "SELECT _row, '(record)', [k for k in json_keys(rec) if len(list_filter("
            "json_keys(rec), lambda x: x = k)) > 1][1], 'is a key the record names twice; "
            "JSON keeps only one of the values, so fix the record' FROM src "
            "WHERE json_type(rec) = 'OBJECT' AND "
            "len(json_keys(rec)) <> len(list_distinct(json_keys(rec)))")
    elif source.first_line == 2:
        named = [c for c in source.columns if not re.fullmatch(r"column\d+(_\d+)?", c)]
        if named:
            same = " AND ".join(f"trim(coalesce(CAST({ident(c)} AS VARCHAR), '')) = "
                                f"{literal(c.strip())}" for c in named)
            checks.append(f"SELECT _row, '(row)', NULL, 'repeats the header row (were two "
                          f"files joined?)' FROM src WHERE {same}")
    return checks


def id_warnings(cur: duckdb.DuckDBPyConnection, ids: dict[str, tuple[str, str]]) -> list[str]:
    """Sentences about ids kept but worth a look.

    ``ids`` maps a ``norm`` column holding the id as stored (NFC) to the column holding it
    as written and the source field's name.
    """
    warnings = []
    for column, (raw, field) in ids.items():
        floats, changed = cur.execute(
            f"SELECT count(*) FILTER (WHERE regexp_full_match({raw}, '-?\\d+\\.0+')), "
            f"count(*) FILTER (WHERE {raw} <> {column}) FROM norm").fetchall()[0]
        if floats:
            warnings.append(
                f"{floats:,} value(s) of `{field}` look like whole numbers a spreadsheet wrote "
                "as decimals (such as '1.0'); they were kept as written, so '1.0' and '1' are "
                "different ids.")
        if changed:
            joined = cur.execute(
                f"SELECT {column}, count(DISTINCT {raw}) FROM norm GROUP BY 1 "
                f"HAVING count(DISTINCT {raw}) > 1 ORDER BY 1 LIMIT 3").fetchall()
            note = (f"; ids written in both forms were joined as one (such as "
                    f"{', '.join(repr(j[0]) for j in joined)})" if joined else "")
            warnings.append(
                f"{changed:,} value(s) of `{field}` were in a decomposed Unicode form and are "
                f"stored composed (NFC), as typed text usually is{note}.")
    return warnings


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def collect_rejects(cur: duckdb.DuckDBPyConnection, source: Source,
                    limit: int | None = REJECTS_SHOWN) -> tuple[list[Reject], int]:
    """Rejects from the temporary ``rejects`` table, first rows first, and their row count."""
    total = cur.execute("SELECT count(DISTINCT _row) FROM rejects").fetchall()[0][0]
    query = "SELECT _row, field, value, reason FROM rejects ORDER BY _row, field"
    if limit is not None:
        query += f" LIMIT {int(limit)}"
    rows = cur.execute(query).fetchall()
    name = source.path.name
    return [Reject(name, source.line_of(r), f, v, why) for r, f, v, why in rows], total


class DryRun(Exception):  # noqa: N818 - control flow, never shown to a user
    """Raised inside a dry run's transaction so it rolls back, carrying the result."""

    def __init__(self, result: ImportResult):
        self.result = result


def report_target(store_path: str, source: Source, suffix: str,
                  explicit: str | Path | None = None) -> Path:
    """Where a report on ``source`` goes: ``explicit``, else beside the database.

    The source's own folder may be a read-only share, so it is never the default.
    """
    if explicit is not None:
        return Path(explicit)
    folder = Path(store_path).parent if store_path != ":memory:" else Path.cwd()
    return folder / f"{source.path.name}{suffix}"


def fail_or_report(cur: duckdb.DuckDBPyConnection, source: Source, skip_invalid: bool,
                   dry_run: bool = False, target: Path | None = None
                   ) -> tuple[list[Reject], int, str | None]:
    """Raise :class:`ImportRejected` unless ``skip_invalid``; then write the rejects CSV
    to ``target``.

    A dry run raises nothing and writes nothing; it returns up to 1,000 rejects.
    """
    if dry_run:
        shown, total = collect_rejects(cur, source, limit=1000)
        return shown, total, None
    shown, total = collect_rejects(cur, source)
    if total == 0:
        return [], 0, None
    if not skip_invalid:
        raise ImportRejected(source.path.name, shown, total)
    everything, _ = collect_rejects(cur, source, limit=None)
    if target is None:
        target = source.path.with_name(source.path.name + ".rejects.csv")
    return shown, total, str(write_report(target, everything))


REJECT_COLUMNS = ["file", "row", "field", "value", "reason"]


def write_reject_rows(path: Path, rejects) -> Path:
    """Write rejects (or date notes) as a CSV a spreadsheet opens safely (the wizard's
    export uses it too)."""
    return write_csv(path, REJECT_COLUMNS,
                     ([r.file, r.row, r.field, r.value, r.reason] for r in rejects))


def write_report(target: Path, rows: list[Reject]) -> Path:
    """Write rejects or notes to ``target``; a failure stops the import."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        return write_reject_rows(target, rows)
    except OSError as exc:
        raise CuratorError(f"Could not write the report {target}: {exc.strerror or exc}; "
                           "the import was not applied.") from exc


def record_batch(cur: duckdb.DuckDBPyConnection, *, kind: str, source: Source, mapping_json: str,
                 started: datetime, accepted: int, rejected: int, inserted: int, updated: int,
                 unchanged: int) -> int:
    return cur.execute(
        "INSERT INTO import_batches (kind, source_path, source_sha256, mapping, started_at, "
        "finished_at, accepted, rejected, inserted, updated, unchanged) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [kind, str(source.path.resolve()), source.sha256, mapping_json, started, now_utc(),
         accepted, rejected, inserted, updated, unchanged],
    ).fetchall()[0][0]


def json_path(key: str) -> str:
    return '$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lambda_name(columns: list[str], base: str = "cur_entry") -> str:
    """A name for a SQL lambda's parameter that no source column has (DuckDB would read
    the column instead of the parameter)."""
    taken = {c.lower() for c in columns}
    name, n = base, 0
    while name in taken:
        n += 1
        name = f"{base}{n}"
    return name
