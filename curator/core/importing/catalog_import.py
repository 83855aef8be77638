"""Catalog import: any supported file -> validated artworks, applied in one transaction.

The bulk path is SQL over the staged file; no Python runs per row. Fields the file does not
map keep their current values, so a flat export without subjects does not wipe the tags a
richer export brought in. Each artwork's ``content_hash`` covers its curated fields, so
later stages (embedding) can tell exactly which artworks changed.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import CuratorError
from ..progress import CancelToken, ProgressFn, check, report
from ..store import Store
from .common import (
    MAX_TEXT,
    DryRun,
    ImportResult,
    fail_or_report,
    id_warnings,
    now_utc,
    record_batch,
    shared_rejects,
)
from .fields import field_sql
from .mapping import CATALOG_FIELDS, Mapping, resolve
from .sources import open_source
from .sql import install_macros

TEXT_FIELDS = ["title", "date_text", "medium", "classification", "description", "image_path"]
STORED_FIELDS = ["title", "artists", "date_text", "year_start", "year_end", "medium",
                 "classification", "description", "tags", "image_path"]
NESTED = {"artists", "tags"}
MAX_DATE_TEXT = 500


def import_catalog(store: Store, path: str | Path, *, mapping: Mapping | None = None,
                   skip_invalid: bool = False, progress: ProgressFn | None = None,
                   cancel: CancelToken | None = None, dry_run: bool = False) -> ImportResult:
    """Import a catalog file into ``store`` as one batch (all or nothing).

    Call from the thread that writes to the store.
    """
    mapping = mapping or Mapping()
    started = now_utc()
    steps = 4
    report(progress, 0, steps, "Reading")
    try:
        with store.session() as cur:
            install_macros(cur)
            with open_source(cur, path, mapping.read) as source, store.transaction(cur):
                check(cancel)
                report(progress, 1, steps, "Checking rows")
                chosen = resolve(CATALOG_FIELDS, source.columns, mapping, source.path.name)
                if "id" not in chosen and "id" not in mapping.constants:
                    raise CuratorError(
                        f"{source.path.name} has no id column (looked for accession_number, acno, "
                        "object_number, id, ...); name it in a mapping file."
                    )
                _normalise(cur, source, chosen, mapping)
                _find_rejects(cur, source, chosen)
                shown, rejected, rejects_path = fail_or_report(cur, source, skip_invalid, dry_run)
                warnings = tuple(id_warnings(cur, {"id": ("id_src", chosen.get("id", "id"))}))
                check(cancel)
                report(progress, 2, steps, "Comparing with the catalog")
                _merge(cur, chosen, mapping)
                inserted, updated, unchanged = cur.execute(
                    "SELECT count(*) FILTER (NOT existed), "
                    "count(*) FILTER (existed AND content_hash IS DISTINCT FROM old_hash), "
                    "count(*) FILTER (existed AND content_hash = old_hash) FROM merged"
                ).fetchall()[0]
                check(cancel)
                if dry_run:
                    raise DryRun(ImportResult(
                        kind="catalog", file=source.path.name, batch_id=None, rows=source.rows,
                        accepted=source.rows - rejected, rejected=rejected, inserted=inserted,
                        updated=updated, unchanged=unchanged, rejects=tuple(shown),
                        warnings=warnings))
                report(progress, 3, steps, "Writing")
                batch_id = None
                if inserted + updated:
                    batch_id = record_batch(
                        cur, kind="catalog", source=source, mapping_json=mapping.to_json(),
                        started=started, accepted=source.rows - rejected, rejected=rejected,
                        inserted=inserted, updated=updated, unchanged=unchanged)
                    _apply(cur, batch_id)
                check(cancel)
    except DryRun as done:
        return done.result
    report(progress, steps, steps, "Done")
    return ImportResult(kind="catalog", file=source.path.name, batch_id=batch_id,
                        rows=source.rows, accepted=source.rows - rejected, rejected=rejected,
                        inserted=inserted, updated=updated, unchanged=unchanged,
                        rejects=tuple(shown), rejects_path=rejects_path, warnings=warnings)


def _normalise(cur, source, chosen: dict[str, str], mapping: Mapping) -> None:
    fs = field_sql(source, chosen, mapping.constants, NESTED)
    e = fs.exprs
    date_src = "NULL"
    if "date_text" in e and "year" in e:
        date_src = f"coalesce({e['date_text']}, {e['year']})"
    elif "date_text" in e or "year" in e:
        date_src = e.get("date_text", e.get("year"))
    select = [
        "_row",
        f"nfc_normalize({e['id']}) AS id",
        f"{e['id']} AS id_src",
        *(f"{e[f]} AS {f}" if f in e else f"NULL::VARCHAR AS {f}" for f in TEXT_FIELDS),
        f"cur_names({e['artists']}) AS artists" if "artists" in e else "NULL AS artists",
        f"cur_tags({e['tags']}) AS tags" if "tags" in e else "NULL AS tags",
        f"{date_src} AS date_src",
        f"{fs.record} AS record",
    ]
    if source.kind == "json":
        select.append("json_type(rec) = 'OBJECT' AS is_object")
    else:
        select.append("TRUE AS is_object")
    # A date text is a few words; a longer one is not parsed (the patterns would take
    # minutes on a field of megabytes) and is reported as no date.
    cur.execute(f"CREATE TEMP TABLE norm AS SELECT * EXCLUDE (date_short), "
                "cur_year_start(date_short) AS year_start, cur_year_end(date_short) AS year_end "
                f"FROM (SELECT *, CASE WHEN length(date_src) <= {MAX_DATE_TEXT} THEN date_src "
                f"END AS date_short FROM (SELECT {', '.join(select)} FROM {fs.relation}))")


def _find_rejects(cur, source, chosen: dict[str, str]) -> None:
    def col(field: str) -> str:
        return chosen.get(field, field).replace("'", "''")

    date_col = col("date_text") if "date_text" in chosen else col("year")
    this_year = now_utc().year
    checks = [
        "SELECT _row, '(record)' AS field, NULL AS value, "
        "'is not a JSON object' AS reason FROM norm WHERE NOT is_object",
        f"SELECT _row, '{col('id')}', NULL, 'has no id' FROM norm WHERE is_object AND id IS NULL",
        f"SELECT _row, '{col('id')}', id_src, 'appears more than once in this file (first on row '"
        f" || (first_row + {source.first_line - 1}) || ')' FROM "
        "(SELECT _row, id, id_src, min(_row) OVER (PARTITION BY id) AS first_row FROM norm "
        " WHERE id IS NOT NULL) WHERE _row > first_row",
        f"SELECT _row, '{date_col}', date_src, 'is not a date or year range (expected e.g. "
        "1805, c.1830-41, 1890s or 19th century)' FROM norm WHERE date_src IS NOT NULL "
        "AND year_start IS NULL AND NOT cur_unknown_date(date_src)",
        f"SELECT _row, '{date_col}', date_src, 'gives a year range that ends before it starts "
        f"or lies in the future' FROM norm WHERE year_start > year_end OR year_end > {this_year}",
        f"SELECT _row, '{col('image_path')}', image_path, 'must be a file name inside the "
        "images folder, not an absolute path or one that climbs out with ..' FROM norm "
        r"WHERE regexp_matches(image_path, '^([/\\]|[A-Za-z]:)|(^|[/\\])\.\.([/\\]|$)')",
    ]
    for f in ["id", *TEXT_FIELDS]:
        checks.append(
            f"SELECT _row, '{col(f)}', left({f}, 40), 'is longer than {MAX_TEXT:,} characters' "
            f"FROM norm WHERE length({f}) > {MAX_TEXT}"
        )
    checks += shared_rejects(source, {"id": chosen.get("id", "id")},
                             {f: chosen[f] for f in TEXT_FIELDS if f in chosen})
    cur.execute("CREATE TEMP TABLE rejects AS " + " UNION ALL ".join(checks))


def _merge(cur, chosen: dict[str, str], mapping: Mapping) -> None:
    given = set(chosen) | set(mapping.constants)
    has_date = bool({"date_text", "year"} & given)

    def pick(field: str) -> str:
        mapped = field in given or (field in ("year_start", "year_end") and has_date)
        return f"n.{field}" if mapped else f"a.{field}"

    values = ", ".join(f"{pick(f)} AS {f}" for f in STORED_FIELDS)
    hashed = ", ".join(f"'{f}': {f}" for f in STORED_FIELDS)
    cur.execute(
        f"CREATE TEMP TABLE merged AS SELECT *, md5(to_json({{{hashed}}})) AS content_hash FROM ("
        f" SELECT n.id, {values}, n.record, a.id IS NOT NULL AS existed, "
        " a.content_hash AS old_hash FROM norm n LEFT JOIN artworks a ON a.id = n.id "
        " WHERE n._row NOT IN (SELECT _row FROM rejects))"
    )


def _apply(cur, batch_id: int) -> None:
    now = now_utc()
    cur.execute(
        "INSERT INTO artwork_versions SELECT ?, m.id, CASE WHEN m.existed THEN to_json(a) END "
        "FROM merged m LEFT JOIN artworks a ON a.id = m.id "
        "WHERE m.content_hash IS DISTINCT FROM m.old_hash", [batch_id])
    assignments = ", ".join(f"{f} = m.{f}" for f in STORED_FIELDS)
    cur.execute(
        f"UPDATE artworks SET {assignments}, record = m.record, content_hash = m.content_hash, "
        "batch_id = ?, updated_at = ? FROM merged m "
        "WHERE artworks.id = m.id AND m.existed AND m.content_hash <> m.old_hash",
        [batch_id, now])
    cols = ", ".join(STORED_FIELDS)
    cur.execute(
        f"INSERT INTO artworks (id, {cols}, record, content_hash, batch_id, updated_at) "
        f"SELECT id, {cols}, record, content_hash, ?, ? FROM merged WHERE NOT existed",
        [batch_id, now])
