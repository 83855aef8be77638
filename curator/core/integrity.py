"""Is the database file whole? Reading every table and block, and pointing to a backup.

DuckDB keeps a checksum for every block it writes and verifies it when the block is read,
so reading every column of every table visits every data block. A damaged block, or a file
cut short, then shows as an error, which is reported as a sentence with the newest backup
Curator knows of.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from ..paths import data_dir
from .errors import CuratorError, DatabaseInUse
from .store import Store

BACKUP_LOG = "backups.jsonl"


@dataclass(frozen=True)
class CheckReport:
    """What :func:`check_store` found: ``problems`` is empty when the file is whole."""

    database: str
    tables: int
    rows: int
    problems: list[str] = field(default_factory=list)
    backup: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def sentence(self) -> str:
        if self.ok:
            return (f"{self.database} is whole: {self.tables} tables and {self.rows:,} rows "
                    "were read in full without an error.")
        return (f"{self.database} is damaged: {'; '.join(self.problems)}. "
                f"{restore_advice(self.database, self.backup)}")

    def to_json(self) -> dict:
        return {"database": self.database, "ok": self.ok, "tables": self.tables,
                "rows": self.rows, "problems": self.problems, "backup": self.backup}


def check_store(store: Store) -> CheckReport:
    """Read every column of every table of an open database; any thread may call this."""
    cur = store.cursor()
    problems, rows = [], 0
    try:
        tables = [r[0] for r in cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_catalog = current_database() AND table_type = 'BASE TABLE' "
            "ORDER BY 1").fetchall()]
        for table in tables:
            quoted = '"' + table.replace('"', '""') + '"'
            try:
                # hash() of the whole row makes DuckDB read, and verify, every column.
                n, _ = cur.execute(f"SELECT count(*), bit_xor(hash(t)) FROM {quoted} t"
                                   ).fetchall()[0]
                rows += n
            except duckdb.Error as exc:
                problems.append(f"the table {table} cannot be read ({_first_line(exc)})")
    except duckdb.Error as exc:
        problems.append(f"its list of tables cannot be read ({_first_line(exc)})")
        tables = []
    finally:
        cur.close()
    backup = None if not problems else newest_backup(store.path)
    return CheckReport(store.path, len(tables), rows, problems,
                       str(backup) if backup else None)


def check_file(path: str | Path) -> CheckReport:
    """Open ``path`` read-only and check it; a file that cannot even be opened is reported."""
    path = str(path)
    if not Path(path).is_file():
        raise CuratorError(f"{path} does not exist.")
    try:
        store = Store(path, read_only=True)
    except DatabaseInUse:
        raise
    except CuratorError as exc:
        backup = newest_backup(path)
        return CheckReport(path, 0, 0, [f"it cannot be opened ({exc})"],
                           str(backup) if backup else None)
    try:
        return check_store(store)
    finally:
        store.close()


def record_backup(database: str, target: Path) -> None:
    """Remember where a database was backed up, so a damage report can point there."""
    from datetime import UTC

    try:
        log = data_dir() / BACKUP_LOG
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"database": str(Path(database).resolve()),
                                     "backup": str(target),
                                     "at": datetime.now(UTC).isoformat(timespec="seconds")})
                         + "\n")
    except OSError:
        pass  # the backup itself succeeded; only the note of it is lost


def newest_backup(database: str | Path) -> Path | None:
    """The newest backup that still exists: those recorded by ``backup`` and the copies
    made before a schema upgrade (``<file>.backup-vN``)."""
    database = Path(database).resolve()
    found = list(database.parent.glob(database.name + ".backup-v*"))
    try:
        with open(data_dir() / BACKUP_LOG, encoding="utf-8") as handle:
            for line in handle:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if entry.get("database") == str(database):
                    found.append(Path(entry.get("backup", "")))
    except OSError:
        pass
    existing = [p for p in found if p.is_file()]
    return max(existing, key=lambda p: p.stat().st_mtime, default=None)


def restore_advice(database: str, backup: str | Path | None) -> str:
    if backup is None:
        return ("No backup of it was found; if you keep one elsewhere, copy it in place of "
                "the damaged file (keep the damaged one aside).")
    when = datetime.fromtimestamp(Path(backup).stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    return (f"The newest backup found is {backup} ({when}); close Curator, keep the damaged "
            f"file aside and copy that backup in place of {Path(database).name}.")


# Errors that come from the file's bytes; the others (binding, parsing, constraints) come
# from the statement Curator ran, not from the file.
_DAMAGE = (duckdb.IOException, duckdb.SerializationException, duckdb.InternalException,
           duckdb.FatalException)


def looks_like_damage(exc: duckdb.Error) -> bool:
    text = str(exc).lower()
    return isinstance(exc, _DAMAGE) or "corrupt" in text or "checksum" in text


def database_error(database: str, exc: duckdb.Error) -> str:
    """A sentence for a database error: damage to the file, or a fault in Curator."""
    if not looks_like_damage(exc):
        return (f"an operation on {database} failed inside the database engine "
                f"({_first_line(exc)}). The file is not damaged and the failed step changed "
                "nothing; this is a fault in Curator, so please report it with the command "
                "you ran.")
    backup = newest_backup(database)
    return (f"{database} could not be read ({_first_line(exc)}); the file may be damaged. "
            f"Run `curator check` for details. {restore_advice(database, backup)}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
