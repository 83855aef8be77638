"""The list of visitors and collectors: who may appear in a history.

A users file names one person per row (a user id column; other columns are not kept, so no
more personal data enters the database than the ids). Once a list is in, importing a
history that names someone the database does not know is refused row by row, which catches
mistyped ids, unless new visitors are allowed for that import.
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
from .mapping import USER_FIELDS, Mapping, resolve
from .sources import SHORT_LINE, open_source
from .sql import install_macros, literal


def import_users(store: Store, path: str | Path, *, mapping: Mapping | None = None,
                 skip_invalid: bool = False, progress: ProgressFn | None = None,
                 cancel: CancelToken | None = None, dry_run: bool = False,
                 rejects: str | Path | None = None) -> ImportResult:
    """Import a list of users into ``store`` as one batch (all or nothing).

    ``inserted`` counts people new to the database, ``updated`` people already known from
    their events and now listed, ``unchanged`` people listed before (and repeats).
    """
    mapping = mapping or Mapping()
    started = now_utc()
    key = import_keys(store)
    report(progress, 0, 3, "Reading")
    try:
        with store.session() as cur:
            install_macros(cur)
            with open_source(cur, path, mapping.read, max_line=SHORT_LINE,
                             what="a list of visitors") as source, store.transaction(cur):
                check(cancel)
                report(progress, 1, 3, "Checking rows")
                chosen = resolve(USER_FIELDS, source.columns, mapping, source.path.name)
                if "user_id" not in chosen:
                    raise CuratorError(
                        f"{source.path.name} has no user id column; its columns are "
                        f"{', '.join(source.columns[:12])}. Name it in a mapping file "
                        "(user_id = \"your column\").")
                fs = field_sql(source, chosen, {}, nested=set())
                cur.execute(f"CREATE TEMP TABLE norm AS SELECT _row, nfc_normalize("
                            f"{fs.exprs['user_id']}) AS user_id, {fs.exprs['user_id']} AS "
                            f"user_src FROM {fs.relation}")
                warnings = tuple(id_warnings(cur, {"user_id": ("user_src", chosen["user_id"])}))
                if key is not None:
                    pseudonymize_column(cur, "norm", key)
                checks = [f"SELECT _row, {literal(chosen['user_id'])} AS field, NULL AS value, "
                          "'has no user id' AS reason FROM norm WHERE user_id IS NULL",
                          *shared_rejects(source, {"user_src": chosen["user_id"]}, {})]
                cur.execute("CREATE TEMP TABLE rejects AS " + " UNION ALL ".join(checks))
                shown, rejected, rejects_path = fail_or_report(
                    cur, source, skip_invalid, dry_run,
                    report_target(store.path, source, ".rejects.csv", rejects))
                check(cancel)
                report(progress, 2, 3, "Writing")
                cur.execute("CREATE TEMP TABLE listed AS SELECT DISTINCT n.user_id AS id, "
                            "u.id IS NOT NULL AS known, u.listed_batch_id IS NOT NULL AS was "
                            "FROM norm n LEFT JOIN users u ON u.id = n.user_id "
                            "WHERE n._row NOT IN (SELECT _row FROM rejects)")
                inserted, updated = cur.execute(
                    "SELECT count(*) FILTER (WHERE NOT known), "
                    "count(*) FILTER (WHERE known AND NOT was) FROM listed").fetchall()[0]
                accepted = source.rows - rejected
                result = dict(kind="users", file=source.path.name, rows=source.rows,
                              accepted=accepted, rejected=rejected, inserted=inserted,
                              updated=updated, unchanged=accepted - inserted - updated,
                              rejects=tuple(shown), warnings=warnings)
                if dry_run:
                    raise DryRun(ImportResult(batch_id=None, **result))
                batch_id = None
                if inserted or updated:
                    batch_id = record_batch(
                        cur, kind="users", source=source, mapping_json=mapping.to_json(),
                        started=started, accepted=accepted, rejected=rejected,
                        inserted=inserted, updated=updated, unchanged=result["unchanged"])
                    cur.execute("INSERT INTO users (id, first_batch_id, created_at, "
                                "listed_batch_id) SELECT id, ?, ?, ? FROM listed WHERE NOT known",
                                [batch_id, now_utc(), batch_id])
                    cur.execute("UPDATE users SET listed_batch_id = ? WHERE id IN "
                                "(SELECT id FROM listed WHERE known AND NOT was)", [batch_id])
                check(cancel)
    except DryRun as done:
        return done.result
    report(progress, 3, 3, "Done")
    return ImportResult(batch_id=batch_id, rejects_path=rejects_path, **result)
