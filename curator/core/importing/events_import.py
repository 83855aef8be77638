"""History import: views, favourites, purchases and ratings, applied in one transaction.

Timestamps may be epoch seconds (or milliseconds, for values past the year 5138 in seconds;
a number that is neither is rejected) or ISO 8601; times without an offset are read as UTC.
An event already in the database (same user, artwork, kind, time and value) is not added
twice, so re-importing a file changes nothing.

Once a list of users is in (see :mod:`.users_import`), an event naming someone the database
does not know is rejected, unless ``new_users`` allows it for this import.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import CuratorError
from ..maintenance import pseudonymize_column
from ..privacy import import_keys
from ..progress import CancelToken, ProgressFn, check, report
from ..store import Store
from .common import (
    DryRun,
    ImportResult,
    fail_or_report,
    id_warnings,
    now_utc,
    record_batch,
    report_target,
    shared_rejects,
)
from .fields import field_sql
from .mapping import EVENT_FIELDS, Mapping, resolve
from .sources import SHORT_LINE, open_source
from .sql import install_macros, literal

KINDS = ("view", "click", "favourite", "like", "share", "purchase", "rating")
ALIASES = {"favorite": "favourite", "fav": "favourite", "bookmark": "favourite",
           "buy": "purchase", "bought": "purchase", "rate": "rating", "rated": "rating",
           "viewed": "view", "visit": "view", "clicked": "click", "liked": "like",
           "shared": "share"}
EARLIEST = "1900-01-01"


def import_events(store: Store, path: str | Path, *, mapping: Mapping | None = None,
                  skip_invalid: bool = False, progress: ProgressFn | None = None,
                  cancel: CancelToken | None = None, dry_run: bool = False,
                  rejects: str | Path | None = None,
                  new_users: bool = False) -> ImportResult:
    """Import an event history file into ``store`` as one batch (all or nothing)."""
    mapping = mapping or Mapping()
    started = now_utc()
    key = import_keys(store)
    steps = 3
    report(progress, 0, steps, "Reading")
    try:
        with store.session() as cur:
            cur.execute("SET TimeZone = 'UTC'")
            install_macros(cur)
            with open_source(cur, path, mapping.read, max_line=SHORT_LINE,
                             what="a history file") as source, store.transaction(cur):
                check(cancel)
                report(progress, 1, steps, "Checking rows")
                chosen = resolve(EVENT_FIELDS, source.columns, mapping, source.path.name)
                missing = [f for f in ("user_id", "artwork_id", "timestamp")
                           if f not in chosen and f not in mapping.constants]
                if missing:
                    raise CuratorError(
                        f"{source.path.name} has no {' or '.join(missing)} column; its columns are "
                        f"{', '.join(source.columns[:12])}. Name them in a mapping file."
                    )
                constants = dict(mapping.constants)
                if "kind" not in chosen and "kind" not in constants:
                    constants["kind"] = "rating" if "value" in chosen else "view"
                _normalise(cur, source, chosen, constants)
                warnings = tuple(id_warnings(cur, {
                    "user_id": ("user_src", chosen.get("user_id", "user_id")),
                    "artwork_id": ("artwork_src", chosen.get("artwork_id", "artwork_id"))}))
                if key is not None:
                    pseudonymize_column(cur, "norm", key)
                listed = cur.execute("SELECT count(*) FROM users WHERE listed_batch_id IS NOT "
                                     "NULL").fetchall()[0][0]
                _find_rejects(cur, source, chosen, mapping,
                              known_users_only=listed > 0 and not new_users)
                shown, rejected, rejects_path = fail_or_report(
                    cur, source, skip_invalid, dry_run,
                    report_target(store.path, source, ".rejects.csv", rejects))
                check(cancel)
                report(progress, 2, steps, "Writing")
                cur.execute(
                    "CREATE TEMP TABLE fresh AS SELECT n.* FROM norm n "
                    "WHERE n._row NOT IN (SELECT _row FROM rejects) AND NOT EXISTS ("
                    " SELECT 1 FROM events e WHERE e.user_id = n.user_id AND "
                    " e.artwork_id = n.artwork_id AND e.kind = n.kind AND e.ts = n.ts AND "
                    " e.value IS NOT DISTINCT FROM n.value)")
                inserted = cur.execute("SELECT count(*) FROM fresh").fetchall()[0][0]
                accepted = source.rows - rejected
                if dry_run:
                    raise DryRun(ImportResult(
                        kind="events", file=source.path.name, batch_id=None, rows=source.rows,
                        accepted=accepted, rejected=rejected, inserted=inserted, updated=0,
                        unchanged=accepted - inserted, rejects=tuple(shown),
                        warnings=warnings))
                batch_id = None
                if inserted:
                    batch_id = record_batch(
                        cur, kind="events", source=source, mapping_json=mapping.to_json(),
                        started=started, accepted=accepted, rejected=rejected, inserted=inserted,
                        updated=0, unchanged=accepted - inserted)
                    now = now_utc()
                    cur.execute(
                        "INSERT INTO users (id, first_batch_id, created_at) SELECT DISTINCT "
                        "user_id, ?, ? FROM fresh WHERE user_id NOT IN (SELECT id FROM users)",
                        [batch_id, now])
                    cur.execute(
                        "INSERT INTO events (user_id, artwork_id, kind, value, ts, batch_id) "
                        "SELECT user_id, artwork_id, kind, value, ts, ? FROM fresh ORDER BY ts",
                        [batch_id])
                check(cancel)
    except DryRun as done:
        return done.result
    report(progress, steps, steps, "Done")
    return ImportResult(kind="events", file=source.path.name, batch_id=batch_id,
                        rows=source.rows, accepted=accepted, rejected=rejected,
                        inserted=inserted, updated=0, unchanged=accepted - inserted,
                        rejects=tuple(shown), rejects_path=rejects_path, warnings=warnings)


def _normalise(cur, source, chosen: dict[str, str], constants: dict[str, str]) -> None:
    fs = field_sql(source, chosen, constants, nested=set())
    e = fs.exprs
    aliases = " ".join(f"WHEN {literal(a)} THEN {literal(k)}" for a, k in ALIASES.items())
    value = e.get("value", "NULL")
    cur.execute(
        "CREATE TEMP TABLE norm AS SELECT *, "
        " CASE WHEN length(ts_src) > 64 THEN NULL "
        "   WHEN regexp_full_match(ts_src, '\\s*-?\\d{1,16}(\\.\\d+)?\\s*') THEN "
        "   CASE WHEN abs(epoch_s) < 1e11 THEN "
        "     CAST(to_timestamp(epoch_s) AT TIME ZONE 'UTC' AS TIMESTAMP) END "
        "   ELSE CAST(TRY_CAST(ts_src AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS TIMESTAMP) END AS ts "
        "FROM (SELECT *, CASE WHEN abs(TRY_CAST(ts_src AS DOUBLE)) >= 1e11 "
        "   THEN TRY_CAST(ts_src AS DOUBLE) / 1000 ELSE TRY_CAST(ts_src AS DOUBLE) END AS epoch_s "
        "FROM (SELECT _row, "
        f" nfc_normalize({e['user_id']}) AS user_id, {e['user_id']} AS user_src, "
        f" nfc_normalize({e['artwork_id']}) AS artwork_id, {e['artwork_id']} AS artwork_src, "
        f" lower(coalesce({e.get('kind', 'NULL')}, '')) AS kind_src, "
        f" CASE lower(coalesce({e.get('kind', 'NULL')}, '')) {aliases} "
        f"   ELSE lower(coalesce({e.get('kind', 'NULL')}, '')) END AS kind, "
        f" {value} AS value_src, TRY_CAST({value} AS DOUBLE) AS value, "
        f" {e['timestamp']} AS ts_src FROM {fs.relation}))"
    )


def _find_rejects(cur, source, chosen: dict[str, str], mapping: Mapping, *,
                  known_users_only: bool = False) -> None:
    def col(field: str) -> str:
        return chosen.get(field, field).replace("'", "''")

    low = mapping.validate.get("rating_min", 0.0)
    high = mapping.validate.get("rating_max", 10.0)
    kinds = ", ".join(literal(k) for k in KINDS)
    checks = [
        f"SELECT _row, '{col('user_id')}' AS field, NULL AS value, 'has no user id' AS reason "
        "FROM norm WHERE user_id IS NULL",
        f"SELECT _row, '{col('artwork_id')}', NULL, 'has no artwork id' FROM norm "
        "WHERE artwork_id IS NULL",
        f"SELECT _row, '{col('artwork_id')}', artwork_id, 'is not an artwork in the catalog' "
        "FROM norm WHERE artwork_id IS NOT NULL AND artwork_id NOT IN (SELECT id FROM artworks)",
        f"SELECT _row, '{col('kind')}', kind_src, 'is not a known kind of event (expected one "
        f"of {', '.join(KINDS)})' FROM norm WHERE kind NOT IN ({kinds})",
        f"SELECT _row, '{col('value')}', value_src, 'is not a number' FROM norm "
        "WHERE value_src IS NOT NULL AND value IS NULL",
        f"SELECT _row, '{col('value')}', value_src, 'is not a finite number' FROM norm "
        "WHERE value IS NOT NULL AND NOT isfinite(value)",
        f"SELECT _row, '{col('value')}', value_src, 'a rating needs a value' FROM norm "
        "WHERE kind = 'rating' AND value_src IS NULL",
        f"SELECT _row, '{col('value')}', value_src, 'is outside the rating range {low:g} to "
        f"{high:g}' FROM norm WHERE kind = 'rating' AND isfinite(value) "
        f"AND (value < {low} OR value > {high})",
        f"SELECT _row, '{col('timestamp')}', NULL, 'has no timestamp' FROM norm "
        "WHERE ts_src IS NULL",
        f"SELECT _row, '{col('timestamp')}', ts_src, 'is not epoch seconds or an ISO 8601 time' "
        "FROM norm WHERE ts_src IS NOT NULL AND ts IS NULL",
        f"SELECT _row, '{col('timestamp')}', ts_src, 'is before {EARLIEST[:4]}' FROM norm "
        f"WHERE ts < TIMESTAMP '{EARLIEST}'",
        f"SELECT _row, '{col('timestamp')}', ts_src, 'is in the future' FROM norm "
        "WHERE ts > CAST(now() AT TIME ZONE 'UTC' AS TIMESTAMP) + INTERVAL 1 DAY",
    ]
    if known_users_only:
        checks.append(
            f"SELECT _row, '{col('user_id')}', user_src, 'is not a known visitor: the database has "
            "a users list and this id is neither on it nor in earlier histories (import the "
            "list again with them, or allow new visitors for this import)' FROM norm "
            "WHERE user_id IS NOT NULL AND user_id NOT IN (SELECT id FROM users)")
    checks += shared_rejects(source, {"user_src": chosen.get("user_id", "user_id"),
                                      "artwork_src": chosen.get("artwork_id", "artwork_id")},
                             {"kind_src": chosen.get("kind", "kind"),
                              "value_src": chosen.get("value", "value"),
                              "ts_src": chosen.get("timestamp", "timestamp")})
    cur.execute("CREATE TEMP TABLE rejects AS " + " UNION ALL ".join(checks))
