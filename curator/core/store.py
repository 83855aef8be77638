"""The DuckDB file: opening it, locking it, and applying schema migrations.

:class:`Store` owns the one connection to the database. Threads other than the one that
opened it take their own cursor with :meth:`Store.cursor`.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from .errors import CuratorError, DatabaseInUse

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "db" / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations(directory: Path = MIGRATIONS_DIR) -> list[tuple[int, str, str]]:
    """The numbered migrations in ``directory`` as ``(version, name, sql)``, in order."""
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise CuratorError(f"Migration file {path.name} is not named NNNN_name.sql.")
        found.append((int(match.group(1)), path.stem, path.read_text(encoding="utf-8")))
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise CuratorError(f"Two migrations in {directory} share a number.")
    return found


class Store:
    """One open Curator database.

    Parameters
    ----------
    path
        The database file, or ``":memory:"``.
    read_only
        Open without taking the write lock; migrations are not applied.

    The constructor may be called from any thread; the store then belongs to that thread,
    and others use :meth:`cursor`.
    """

    def __init__(self, path: str | Path, *, read_only: bool = False,
                 migrations_dir: Path = MIGRATIONS_DIR):
        self.path = str(path)
        self.read_only = read_only
        self._lock = threading.RLock()
        self.con = self._connect()
        if not read_only:
            self.migrate(migrations_dir)
        else:
            self._check_schema_readable(migrations_dir)

    def _connect(self) -> duckdb.DuckDBPyConnection:
        check_database_name(self.path)
        if self.path != ":memory:":
            if Path(self.path).is_dir():
                raise CuratorError(f"{self.path} is a folder, not a Curator database file.")
            if self.read_only and not Path(self.path).is_file():
                raise CuratorError(f"{self.path} does not exist; there is nothing to open "
                                   "read-only.")
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            return duckdb.connect(self.path, read_only=self.read_only, config=OFFLINE_CONFIG)
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" in text.lower():
                if self.read_only:
                    raise DatabaseInUse(
                        f"{self.path} is open for changes in another Curator (the app or a "
                        "command still running); DuckDB lets no other program read a "
                        "database while one is changing it. Close it there, or read a "
                        "backup of it instead.") from exc
                raise DatabaseInUse(
                    f"{self.path} is in use by another Curator; close it there, "
                    "or open this database read-only."
                ) from exc
            raise CuratorError(f"Could not open {self.path}: {_first_line(text)}") from exc
        except duckdb.Error as exc:
            raise CuratorError(
                f"{self.path} is not a Curator database or is damaged: {_first_line(str(exc))}"
            ) from exc

    # -- schema -------------------------------------------------------------------------
    def schema_version(self) -> int:
        exists = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
        ).fetchall()[0][0]
        if not exists:
            return 0
        return self.con.execute(
            "SELECT coalesce(max(version), 0) FROM schema_migrations").fetchall()[0][0]

    def migrate(self, migrations_dir: Path = MIGRATIONS_DIR) -> list[int]:
        """Apply every migration newer than the database, each in its own transaction.

        A database that already holds data is copied to ``<file>.backup-v<N>`` first.
        Returns the versions applied.
        """
        pending = [m for m in migrations(migrations_dir) if m[0] > self.schema_version()]
        if not pending:
            return []
        current = self.schema_version()
        if current > 0 and self.path != ":memory:":
            self.con.execute("CHECKPOINT")
            shutil.copy2(self.path, f"{self.path}.backup-v{current}")
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
        )
        applied = []
        for version, name, sql in pending:
            try:
                with self.transaction() as cur:
                    cur.execute(sql)
                    cur.execute(
                        "INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, _now()]
                    )
            except duckdb.Error as exc:
                raise CuratorError(
                    f"Upgrading {self.path} failed at migration {name}: "
                    f"{_first_line(str(exc))}; it was left at schema version "
                    f"{self.schema_version()}."
                ) from exc
            applied.append(version)
        return applied

    def _check_schema_readable(self, migrations_dir: Path) -> None:
        known = max((v for v, _, _ in migrations(migrations_dir)), default=0)
        have = self.schema_version()
        if have == 0:
            raise CuratorError(f"{self.path} is not a Curator database.")
        if have < known:
            raise CuratorError(
                f"{self.path} uses an older schema (version {have}); open it once for "
                "writing so it can be upgraded."
            )

    # -- access -------------------------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for the calling thread (DuckDB connections are not shared across threads)."""
        return self.con.cursor()

    @contextmanager
    def session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A private cursor for the body (its temporary tables vanish with it)."""
        cur = self.con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    @contextmanager
    def transaction(self, cur: duckdb.DuckDBPyConnection | None = None
                    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run the body in one transaction; roll back on any error.

        Uses ``cur`` when given (so temporary tables staged on it are visible), otherwise
        a fresh cursor closed afterwards.
        """
        if self.read_only:
            raise CuratorError(f"{self.path} is open read-only; changes are not possible.")
        own = cur is None
        cur = cur or self.con.cursor()
        with self._lock:
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                if own:
                    cur.close()
                raise
            try:
                cur.execute("COMMIT")
            except duckdb.Error as exc:
                raise CuratorError(f"The change could not be saved: {_first_line(str(exc))}"
                                   ) from exc
            finally:
                if own:
                    cur.close()

    def rewrite(self) -> None:
        """Rewrite the database into a fresh file and put it in the old one's place.

        DuckDB reuses freed blocks but does not wipe them, so rows deleted or replaced
        (visitors' raw ids, an old key) can stay readable in the file's bytes. Copying the
        live data into a new file and renaming it over the old one leaves none of them.
        Cursors taken before this call are closed with the old connection.
        """
        if self.path == ":memory:" or self.read_only:
            return
        target = Path(self.path).resolve()
        temp = target.with_name(f".{target.name}.rewrite")  # the next run clears a leftover
        _remove_database_files(temp)
        with self._lock:
            self.con.execute("CHECKPOINT")
            source = self.con.execute("SELECT current_database()").fetchall()[0][0]
            try:
                self.con.execute(f"ATTACH {_quote(str(temp))} AS curator_rewrite")
                try:
                    self.con.execute(f'COPY FROM DATABASE "{source}" TO curator_rewrite')
                finally:
                    self.con.execute("DETACH curator_rewrite")
            except BaseException as exc:
                _remove_database_files(temp)
                if isinstance(exc, duckdb.Error):
                    raise CuratorError(f"{self.path} could not be rewritten: "
                                       f"{_first_line(str(exc))}; it was left as it was."
                                       ) from exc
                raise
            self.con.close()
            try:
                os.replace(temp, target)
                Path(f"{target}.wal").unlink(missing_ok=True)
            finally:
                _remove_database_files(temp)
                self.con = self._connect()

    def close(self) -> None:
        self.con.close()


# Nothing is downloaded or loaded at run time: the extensions Curator uses (json, parquet,
# icu) are built into the duckdb package.
OFFLINE_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False,
                  "allow_community_extensions": False}
_URL_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")


def check_database_name(path: str) -> None:
    """Refuse a database name that is not a file (``md:``, ``s3://``, ``http://`` ...)."""
    if path == ":memory:":
        return
    if _URL_LIKE.match(path) or path.startswith(":"):
        raise CuratorError(f"{path!r} is not a database file name; Curator keeps its data in a "
                           "local file (for example catalog.duckdb) and never connects to a "
                           "database service.")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _remove_database_files(path: Path) -> None:
    for candidate in (path, Path(f"{path}.wal")):
        candidate.unlink(missing_ok=True)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text
