"""Catalog import: any supported file -> validated artworks, applied in one transaction.

The bulk path is SQL over the staged file; no Python runs per row. Fields the file does not
map keep their current values, so a flat export without subjects does not wipe the tags a
richer export brought in. Each artwork's ``content_hash`` covers its curated fields, so
later stages (embedding) can tell exactly which artworks changed.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import CuratorError, Reject
from ..progress import CancelToken, ProgressFn, check, report
from ..store import Store
from .common import (
    MAX_TEXT,
    DryRun,
    ImportResult,
    fail_or_report,
    id_warnings,
    json_path,
    lambda_name,
    now_utc,
    record_batch,
    report_target,
    shared_rejects,
    write_report,
)
from .fields import field_sql
from .mapping import CATALOG_FIELDS, Mapping, resolve, resolve_extra
from .sources import open_source
from .sql import install_macros, literal

TEXT_ONLY = "kept as text only"
SWAPPED = "the year range ends before it starts"
TEXT_FIELDS = ["title", "date_text", "medium", "classification", "description", "image_path"]
STORED_FIELDS = ["title", "artists", "date_text", "year_start", "year_end", "medium",
                 "classification", "description", "tags", "image_path", "extra"]
NESTED = {"artists", "tags", "movement"}
NOTES_SHOWN = 20
SAMPLE_RECORDS = 10_000
MAX_DATE_TEXT = 500


def import_catalog(store: Store, path: str | Path, *, mapping: Mapping | None = None,
                   skip_invalid: bool = False, progress: ProgressFn | None = None,
                   cancel: CancelToken | None = None, dry_run: bool = False,
                   rejects: str | Path | None = None) -> ImportResult:
    """Import a catalog file into ``store`` as one batch (all or nothing).

    Rejected rows (with ``skip_invalid``) are written to ``rejects``, by default beside the
    database; dates kept as text only are listed in ``<file>.dates.csv`` in the same folder.
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
                extra = resolve_extra(source.columns, chosen, mapping, source.path.name)
                _normalise(cur, source, chosen, mapping, extra)
                _find_rejects(cur, source, chosen)
                rejects_target = report_target(store.path, source, ".rejects.csv", rejects)
                shown, rejected, rejects_path = fail_or_report(cur, source, skip_invalid, dry_run,
                                                               rejects_target)
                date_field = chosen.get("date_text", chosen.get("year", "date_text"))
                notes, text_only, swapped = _date_notes(cur, source, date_field,
                                                        limit=1000 if dry_run else None)
                warnings = tuple(id_warnings(cur, {"id": ("id_src", chosen.get("id", "id"))}))
                check(cancel)
                report(progress, 2, steps, "Comparing with the catalog")
                _merge(cur, chosen, mapping, extra_keys(chosen, extra))
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
                        notes=tuple(notes), text_only_dates=text_only, swapped_dates=swapped,
                        warnings=warnings))
                report(progress, 3, steps, "Writing")
                batch_id = None
                if inserted + updated:
                    batch_id = record_batch(
                        cur, kind="catalog", source=source, mapping_json=mapping.to_json(),
                        started=started, accepted=source.rows - rejected, rejected=rejected,
                        inserted=inserted, updated=updated, unchanged=unchanged)
                    _apply(cur, batch_id)
                notes_path = None
                if notes:
                    notes_path = str(write_report(
                        rejects_target.with_name(f"{source.path.name}.dates.csv"), notes))
                check(cancel)
    except DryRun as done:
        return done.result
    report(progress, steps, steps, "Done")
    return ImportResult(kind="catalog", file=source.path.name, batch_id=batch_id,
                        rows=source.rows, accepted=source.rows - rejected, rejected=rejected,
                        inserted=inserted, updated=updated, unchanged=unchanged,
                        rejects=tuple(shown), rejects_path=rejects_path,
                        notes=tuple(notes[:NOTES_SHOWN]), text_only_dates=text_only,
                        swapped_dates=swapped, notes_path=notes_path, warnings=warnings)


def extra_keys(chosen: dict[str, str], extra: dict[str, str]) -> list[str]:
    """The extra fields an import with these columns carries."""
    return sorted({*extra, *(["movement"] if "movement" in chosen else [])})


def _lists_and_trees(cur, source, extra: dict[str, str]) -> set[str]:
    """The extra fields of a JSON file that hold a list or an object, judged on the first
    records (a later record's list under a key of plain values is kept as its JSON text)."""
    if source.kind != "json" or not extra:
        return set()
    names = list(extra)
    paths = ", ".join(literal(json_path(extra[n])) for n in names)
    flags = cur.execute("SELECT " + ", ".join(
        f"bool_or(json_type(x[{i}]) IN ('ARRAY', 'OBJECT'))" for i in range(1, len(names) + 1))
        + f" FROM (SELECT json_extract(rec, [{paths}]) AS x FROM src ORDER BY _row "
        f"LIMIT {SAMPLE_RECORDS})").fetchall()[0]
    return {n for n, deep in zip(names, flags, strict=True) if deep}


def _normalise(cur, source, chosen: dict[str, str], mapping: Mapping,
               extra: dict[str, str]) -> None:
    fs = field_sql(source, chosen, mapping.constants, NESTED, extra,
                   _lists_and_trees(cur, source, extra))
    e = fs.exprs
    date_src = "NULL"
    if "date_text" in e and "year" in e:
        date_src = f"coalesce({e['date_text']}, {e['year']})"
    elif "date_text" in e or "year" in e:
        date_src = e.get("date_text", e.get("year"))
    tag_lists = [f"coalesce(cur_tags({e[f]}), [])" for f in ("tags", "movement") if f in e]
    tags = (f"list_sort(list_distinct(list_concat({', '.join(tag_lists)}, [])))" if tag_lists
            else "NULL")
    extras = dict(fs.extra)
    if "movement" in e:
        extras["movement"] = f"nullif(array_to_string(cur_tags({e['movement']}), '; '), '')"
    # DuckDB resolves a lambda's parameter as a column when the source has a column of
    # that name, so the name is one the file does not use.
    param = lambda_name(source.columns)
    entries = ", ".join(f"{{'key': {literal(k)}, 'value': {v}}}" for k, v in extras.items())
    select = [
        "_row",
        f"nfc_normalize({e['id']}) AS id",
        f"{e['id']} AS id_src",
        *(f"{e[f]} AS {f}" if f in e else f"NULL::VARCHAR AS {f}" for f in TEXT_FIELDS),
        f"cur_names({e['artists']}) AS artists" if "artists" in e else "NULL AS artists",
        f"{tags} AS tags",
        f"{date_src} AS date_src",
        f"{fs.record} AS record",
        (f"cur_extra_map(list_filter([{entries}], lambda {param}: {param}.value IS NOT NULL)) "
         "AS extra" if extras else "NULL::MAP(VARCHAR, VARCHAR) AS extra"),
    ]
    if source.kind == "json":
        select.append("json_type(rec) = 'OBJECT' AS is_object")
    else:
        select.append("TRUE AS is_object")
    # A date text is a few words; a longer one is not parsed (the patterns would take
    # minutes on a field of megabytes) and is kept as text only.
    # Fields first (one table), then the years: each date text is read once, and the
    # struct of results is unpacked once (an expression used twice may run twice).
    this_year = now_utc().year
    cur.execute(f"CREATE TEMP TABLE fields AS SELECT {', '.join(select)} FROM {fs.relation}")
    dates = (
        "[[{'year_start': CASE WHEN NOT f THEN y.s END, "
        "'year_end': CASE WHEN NOT f THEN y.e END, "
        "'date_note': CASE WHEN date_src IS NULL OR cur_unknown_date(date_src) THEN NULL "
        f"  WHEN y IS NULL THEN '{TEXT_ONLY}: no years could be read from it' "
        f"  WHEN f THEN '{TEXT_ONLY}: its years lie in the future' "
        f"  WHEN y.swapped THEN '{SWAPPED}; read as ' || y.s || '-' || y.e END}} "
        f"for f in [coalesce(coalesce(y.e, y.s) > {this_year}, false)]][1] for y in "
        f"[cur_years(CASE WHEN length(date_src) <= {MAX_DATE_TEXT} THEN date_src END)]][1]")
    cur.execute(f"CREATE TEMP TABLE norm AS SELECT * EXCLUDE (_d), unnest(_d) FROM "
                f"(SELECT *, {dates} AS _d FROM fields)")
    cur.execute("DROP TABLE fields")


def _date_notes(cur, source, field: str, limit: int | None) -> tuple[list[Reject], int, int]:
    """Dates of accepted rows kept as text only or read swapped, and how many of each."""
    where = "date_note IS NOT NULL AND _row NOT IN (SELECT _row FROM rejects)"
    text_only, swapped = cur.execute(
        f"SELECT count(*) FILTER (date_note LIKE '{TEXT_ONLY}%'), "
        f"count(*) FILTER (date_note LIKE '{SWAPPED}%') FROM norm WHERE {where}").fetchall()[0]
    sql = f"SELECT _row, date_src, date_note FROM norm WHERE {where} ORDER BY _row"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    notes = [Reject(source.path.name, source.line_of(r), field, value, why)
             for r, value, why in cur.execute(sql).fetchall()]
    return notes, text_only, swapped


def _find_rejects(cur, source, chosen: dict[str, str]) -> None:
    def col(field: str) -> str:
        return chosen.get(field, field).replace("'", "''")

    checks = [
        "SELECT _row, '(record)' AS field, NULL AS value, "
        "'is not a JSON object' AS reason FROM norm WHERE NOT is_object",
        f"SELECT _row, '{col('id')}', NULL, 'has no id' FROM norm WHERE is_object AND id IS NULL",
        f"SELECT _row, '{col('id')}', id_src, 'appears more than once in this file (first on row '"
        f" || (first_row + {source.first_line - 1}) || ')' FROM "
        "(SELECT _row, id, id_src, min(_row) OVER (PARTITION BY id) AS first_row FROM norm "
        " WHERE id IS NOT NULL) WHERE _row > first_row",
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


def _merge(cur, chosen: dict[str, str], mapping: Mapping, keys: list[str]) -> None:
    given = set(chosen) | set(mapping.constants)
    has_date = bool({"date_text", "year"} & given)
    has_tags = bool({"tags", "movement"} & given)
    carried = "[" + ", ".join(literal(k) for k in keys) + "]::VARCHAR[]"

    def pick(field: str) -> str:
        if field == "extra":
            return f"CASE WHEN a.id IS NULL THEN n.extra ELSE cur_merge_extra(a.extra, n.extra, " \
                   f"{carried}) END"
        mapped = (field in given or (field in ("year_start", "year_end") and has_date)
                  or (field == "tags" and has_tags))
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
