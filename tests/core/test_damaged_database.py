"""A damaged database file: `curator check` says so in a sentence and points to a backup;
other commands give that message rather than a traceback."""

import os

import pytest

from curator.cli import main
from curator.core.catalog import Catalog

from ..conftest import write


def build(path, tmp_path, rows=20_000, words=30):
    cat = Catalog(path)
    text = "accession_number,title,description\n" + "".join(
        f"A{i},Title {i},{f'word{i} ' * words}\n" for i in range(rows))
    cat.imports.catalog(write(tmp_path / "c.csv", text))
    return cat


def damage(path, start_fraction=0.5, length=1 << 19):
    data = bytearray(path.read_bytes())
    start = int(len(data) * start_fraction)
    for offset in range(start, min(len(data), start + length), 4096):
        data[offset:offset + 64] = os.urandom(64)
    path.write_bytes(bytes(data))


def test_check_finds_a_damaged_block_and_names_the_newest_backup(tmp_path, capsys):
    db = tmp_path / "d.duckdb"
    cat = build(db, tmp_path)
    backup = cat.maintenance.backup(tmp_path / "saved.duckdb")
    assert cat.maintenance.check().ok
    cat.close()
    assert main(["--db", str(db), "check"]) == 0
    assert "is whole" in capsys.readouterr().out
    damage(db)
    assert main(["--db", str(db), "check"]) == 2
    out = capsys.readouterr().out
    assert "is damaged: the table artworks cannot be read" in out
    assert f"The newest backup found is {backup}" in out
    assert main(["--db", str(db), "info"]) == 2  # counting alone would not notice
    captured = capsys.readouterr()
    assert "is damaged: the table artworks cannot be read" in captured.err
    assert "artworks" in captured.out


def test_a_truncated_database_gives_a_message_not_a_traceback(tmp_path, capsys):
    db = tmp_path / "t.duckdb"
    build(db, tmp_path).close()
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 3])
    for command in (["info"], ["batches"], ["check"]):
        assert main(["--db", str(db), *command]) in (1, 2)
        captured = capsys.readouterr()
        assert "damaged" in captured.err + captured.out


def test_search_on_damaged_blocks_gives_the_damage_message(tmp_path, tiny_model):
    import subprocess
    import sys

    db = tmp_path / "s.duckdb"
    cat = build(db, tmp_path, rows=1000, words=2)
    cat.embeddings.set_model_path(tiny_model)
    cat.embeddings.embed(device="cpu")
    cat.close()
    damage(db, start_fraction=0.05, length=int(db.stat().st_size * 0.9))
    proc = subprocess.run([sys.executable, "-m", "curator.cli", "--db", str(db), "search",
                           "word12"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout
    assert "Traceback" not in proc.stderr
    assert "damaged" in proc.stderr


@pytest.mark.parametrize("name", ["md:foo", "motherduck:db", "s3://bucket/x.duckdb",
                                  "http://example.org/x.duckdb"])
def test_a_database_name_that_is_not_a_file_is_refused_without_downloading(name, capsys,
                                                                           monkeypatch):
    import duckdb

    connects = []
    monkeypatch.setattr(duckdb, "connect", lambda *a, **k: connects.append(a))
    assert main(["--db", name, "info"]) == 1
    assert "is not a database file name" in capsys.readouterr().err
    assert connects == []


def test_duckdb_never_installs_or_loads_extensions_at_run_time(catalog):
    settings = dict(catalog.store.con.execute(
        "SELECT name, value FROM duckdb_settings() WHERE name IN "
        "('autoinstall_known_extensions', 'autoload_known_extensions')").fetchall())
    assert settings == {"autoinstall_known_extensions": "false",
                        "autoload_known_extensions": "false"}
