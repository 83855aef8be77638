"""Backups: complete or absent, and possible from a read-only database."""

import pytest

from curator.cli import main
from curator.core.catalog import Catalog
from curator.core.errors import CuratorError

from ..conftest import snapshot


def test_a_failed_backup_leaves_nothing_at_the_target_and_a_retry_works(loaded, tmp_path,
                                                                        monkeypatch):
    import curator.core.maintenance as maintenance

    target = tmp_path / "copy.duckdb"

    def disk_full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(maintenance.os, "replace", disk_full)
    with pytest.raises(CuratorError, match=r"backup to .*copy\.duckdb failed \(No space left "
                                           r"on device\); nothing was written there"):
        loaded.maintenance.backup(target)
    assert list(tmp_path.glob("*copy.duckdb*")) == []
    monkeypatch.undo()
    assert loaded.maintenance.backup(target) == target
    copy = Catalog(target, read_only=True)
    assert snapshot(copy) == snapshot(loaded)
    copy.close()


def test_read_only_backup_from_the_command_line(loaded, tmp_path, capsys):
    db = loaded.path
    expected = snapshot(loaded)
    loaded.close()
    target = tmp_path / "ro-copy.duckdb"
    assert main(["--db", db, "--read-only", "backup", str(target)]) == 0
    assert "Backed up" in capsys.readouterr().out
    copy = Catalog(target, read_only=True)
    assert snapshot(copy) == expected
    copy.close()


def test_read_only_while_another_curator_writes_explains_without_advising_read_only(
        loaded, capsys):
    import subprocess
    import sys

    # The catalog stays open for writing in this process, as the app would keep it.
    proc = subprocess.run([sys.executable, "-m", "curator.cli", "--db", loaded.path,
                           "--read-only", "info"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "open for changes in another Curator" in proc.stderr
    assert "read-only" not in proc.stderr.replace("--read-only", "")
    assert "Traceback" not in proc.stderr
