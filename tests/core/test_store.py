import subprocess
import sys
import textwrap

import pytest

from curator.core.errors import CuratorError, DatabaseInUse
from curator.core.store import Store, migrations


def test_new_database_gets_every_migration_recorded(tmp_path):
    store = Store(tmp_path / "a.duckdb")
    recorded = store.con.execute("SELECT version, name FROM schema_migrations ORDER BY 1"
                                 ).fetchall()
    assert [v for v, _ in recorded] == [v for v, _, _ in migrations()]
    assert store.schema_version() == migrations()[-1][0]
    store.close()


def test_reopening_applies_nothing_twice(tmp_path):
    Store(tmp_path / "a.duckdb").close()
    store = Store(tmp_path / "a.duckdb")
    assert store.migrate() == []
    store.close()


def test_upgrade_backs_up_then_migrates(tmp_path):
    mig = tmp_path / "migrations"
    mig.mkdir()
    (mig / "0001_first.sql").write_text("CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);")
    Store(tmp_path / "db.duckdb", migrations_dir=mig).close()
    (mig / "0002_second.sql").write_text("ALTER TABLE a ADD COLUMN y INTEGER DEFAULT 7;")
    store = Store(tmp_path / "db.duckdb", migrations_dir=mig)
    assert store.schema_version() == 2
    assert store.con.execute("SELECT x, y FROM a").fetchall() == [(1, 7)]
    store.close()
    import duckdb
    old = duckdb.connect(str(tmp_path / "db.duckdb.backup-v1"), read_only=True)
    assert old.execute("SELECT max(version) FROM schema_migrations").fetchall() == [(1,)]
    assert old.execute("SELECT * FROM a").fetchall() == [(1,)]
    old.close()


def test_failed_migration_leaves_previous_version(tmp_path):
    mig = tmp_path / "migrations"
    mig.mkdir()
    (mig / "0001_first.sql").write_text("CREATE TABLE a (x INTEGER);")
    Store(tmp_path / "db.duckdb", migrations_dir=mig).close()
    (mig / "0002_broken.sql").write_text("ALTER TABLE a ADD COLUMN y INTEGER; SELEKT 1;")
    with pytest.raises(CuratorError, match="failed at migration 0002_broken"):
        Store(tmp_path / "db.duckdb", migrations_dir=mig)
    (mig / "0002_broken.sql").unlink()
    store = Store(tmp_path / "db.duckdb", migrations_dir=mig)
    assert store.schema_version() == 1
    cols = [r[0] for r in store.con.execute("DESCRIBE a").fetchall()]
    assert cols == ["x"]
    store.close()


def test_badly_named_migration_is_refused(tmp_path):
    (tmp_path / "first.sql").write_text("SELECT 1;")
    with pytest.raises(CuratorError, match="NNNN_name.sql"):
        migrations(tmp_path)


def test_second_process_is_told_the_database_is_in_use(tmp_path):
    path = tmp_path / "shared.duckdb"
    Store(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from curator.core.store import Store
            s = Store({str(path)!r})
            print("ready", flush=True)
            sys.stdin.readline()
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        probe = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(f"""
                from curator.core.store import Store
                from curator.core.errors import DatabaseInUse
                try:
                    Store({str(path)!r})
                except DatabaseInUse as exc:
                    print("IN USE:", exc)
            """)], capture_output=True, text=True, timeout=60)
        assert "IN USE:" in probe.stdout
        assert "in use by another Curator" in probe.stdout
    finally:
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=30)
    assert DatabaseInUse.__mro__[1] is CuratorError


def test_read_only_refuses_changes(tmp_path):
    Store(tmp_path / "a.duckdb").close()
    store = Store(tmp_path / "a.duckdb", read_only=True)
    with pytest.raises(CuratorError, match="read-only"):
        with store.transaction():
            pass
    store.close()


def test_not_a_database_is_a_clear_error(tmp_path):
    bogus = tmp_path / "notes.duckdb"
    bogus.write_text("hello, this is a text file\n" * 100)
    with pytest.raises(CuratorError, match="notes.duckdb"):
        Store(bogus)
