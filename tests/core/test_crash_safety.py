"""SIGKILL in the middle of an import or of embedding: the database must reopen intact,
show no half batch, and let the interrupted work finish on the next run."""

import itertools
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from curator.core.catalog import Catalog
from curator.core.store import migrations

pytestmark = pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")

N_ROWS = 200_000


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "big.csv"
    with open(path, "w") as fh:
        fh.write("accession_number,title,artist,date,tags\n")
        for i in range(N_ROWS):
            fh.write(f"X{i:07d},Work number {i},Artist {i % 997},{1800 + i % 200},a|b{i % 50}\n")
    return path


def run_until(script: str, marker: str, extra_wait: float = 0.0) -> tuple[int, list[str]]:
    """Start ``script``; SIGKILL it once it prints ``marker`` (plus a pause).

    Returns the exit status and every line the script printed.
    """
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)],
                            stdout=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if marker in line:
            if extra_wait:
                import time
                time.sleep(extra_wait)
            proc.send_signal(signal.SIGKILL)
            break
    lines.extend(proc.stdout.read().splitlines(keepends=True))
    proc.wait(timeout=120)
    return proc.returncode, lines


IMPORT = """
    import sys
    from curator.core.catalog import Catalog
    cat = Catalog({db!r})
    cat.imports.catalog({csv!r}, progress=lambda d, t, m: print(m, flush=True))
    print("FINISHED", flush=True)
"""


@pytest.mark.parametrize("marker,wait", [("Reading", 0.2), ("Checking rows", 0.0),
                                         ("Comparing", 0.0), ("Writing", 0.05)])
def test_killed_import_leaves_no_half_batch(tmp_path, big_csv, marker, wait):
    db = tmp_path / "crash.duckdb"
    rc, _ = run_until(IMPORT.format(db=str(db), csv=str(big_csv)), marker, wait)
    assert rc == -signal.SIGKILL
    cat = Catalog(db)
    assert cat.maintenance.schema_version() == migrations()[-1][0]
    counts = cat.counts()
    # all or nothing: either the whole batch is there, with its record, or none of it
    assert (counts["artworks"], counts["batches"]) in {(0, 0), (N_ROWS, 1)}
    result = cat.imports.catalog(big_csv).detail  # resume: the next run completes the work
    assert cat.counts()["artworks"] == N_ROWS
    assert result.inserted + result.unchanged == N_ROWS
    cat.close()


EMBED = """
    import time
    from curator.core.catalog import Catalog
    from curator.core.embedding import pipeline
    pipeline.CHUNK = 500
    write = pipeline.write_vectors

    written = []

    def announced(cur, space, ids, *rest):
        print("chunk", len(ids), flush=True)  # before its transaction commits
        write(cur, space, ids, *rest)
        written.append(len(ids))

    def progress(done, total, message):
        # once a chunk is stored (one writer thread: the second write starts after the
        # first committed), go on slowly, so the kill lands while chunks are being written
        if done >= 1500 and len(written) >= 2:
            print("past 1500", flush=True)
            time.sleep(60 if done >= 3500 else 0.01)  # never finish before the kill

    pipeline.write_vectors = announced
    cat = Catalog({db!r})
    cat.embeddings.embed(device="cpu", progress=progress)
    print("FINISHED", flush=True)
"""


def test_killed_embedding_resumes(tmp_path, tiny_model):
    db = tmp_path / "embed.duckdb"
    cat = Catalog(db)
    path = tmp_path / "c.csv"
    titles = "".join(f"E{i},{f'Title {i} ' * 20}\n" for i in range(4000))  # ~60 tokens each
    path.write_text("accession_number,title\n" + titles)
    cat.imports.catalog(path)
    cat.embeddings.set_model_path(tiny_model)
    cat.close()
    rc, lines = run_until(EMBED.format(db=str(db)), "past 1500")
    assert rc == -signal.SIGKILL
    sizes = [int(line.split()[1]) for line in lines if line.startswith("chunk")]
    whole = set(itertools.accumulate(sizes, initial=0))
    cat = Catalog(db)
    space = cat.store.con.execute("SELECT id FROM embedding_spaces").fetchall()[0][0]
    kept = cat.store.con.execute(f"SELECT count(*) FROM emb_{space}").fetchall()[0][0]
    assert 0 < kept < 4000 and kept in whole  # whole chunks only
    result = cat.embeddings.embed(device="cpu").detail
    assert result.embedded == 4000 - kept
    assert cat.embeddings.embed(device="cpu").detail.embedded == 0
    cat.close()


ROTATE = """
    import time
    from curator.core import maintenance, privacy
    from curator.core.catalog import Catalog

    write_key_file, hash_ids = privacy.write_key_file, maintenance._hash_stored_ids

    def slow_write(path, keys):
        write_key_file(path, keys)
        print("key file written", flush=True)
        time.sleep({pause_write})

    def slow_hash(*args):
        n = hash_ids(*args)
        print("ids committed", flush=True)
        time.sleep(60)
        return n

    privacy.write_key_file, maintenance._hash_stored_ids = slow_write, slow_hash
    cat = Catalog({db!r})
    cat.visitors.pseudonymize(rotate=True)
    print("FINISHED", flush=True)
"""


@pytest.mark.parametrize("marker", ["key file written", "ids committed"])
def test_killed_key_rotation_keeps_key_and_pseudonyms_together(tmp_path, monkeypatch, marker):
    from ..conftest import SMALL_CATALOG, write
    from .test_import_events import HEADER

    home = tmp_path / "home"
    monkeypatch.setenv("CURATOR_HOME", str(home))
    db = tmp_path / "rotate.duckdb"
    history = write(tmp_path / "h.csv", HEADER + "".join(
        f"V{v:04d},A{1 + e % 3},view,,{1700000000 + 10 * v + e}\n"
        for v in range(50) for e in range(3)))
    cat = Catalog(db)
    cat.imports.catalog(write(tmp_path / "c.csv", SMALL_CATALOG))
    cat.imports.events(history)
    cat.visitors.pseudonymize()
    before = set(cat.visitors.ids())
    cat.close()
    rc, _ = run_until(ROTATE.format(db=str(db), pause_write=60 if marker.startswith("key")
                                    else 0), marker)
    assert rc == -signal.SIGKILL
    cat = Catalog(db)
    after = set(cat.visitors.ids())
    # Killed before the commit nothing changed; after it, every id did. The key file in
    # use agrees either way: the same history joins the same 50 people.
    assert after.isdisjoint(before) if marker == "ids committed" else after == before
    assert cat.imports.events(history).detail.inserted == 0
    assert cat.counts()["users"] == 50
    assert cat.visitors.delete("V0002").count == 3
    assert not list((home / "keys").glob("*.new"))
    cat.close()


BACKUP = """
    import time
    from curator.core import maintenance
    from curator.core.catalog import Catalog

    replace = maintenance.os.replace

    def slow_replace(src, dst):
        print("copied", flush=True)  # the copy is complete under its temporary name
        time.sleep(60)
        replace(src, dst)

    maintenance.os.replace = slow_replace
    cat = Catalog({db!r})
    cat.maintenance.backup({target!r})
    print("FINISHED", flush=True)
"""


def test_killed_backup_leaves_nothing_at_the_target_and_the_retry_works(tmp_path):
    from ..conftest import SMALL_CATALOG, snapshot, write

    db, target = tmp_path / "b.duckdb", tmp_path / "copy.duckdb"
    cat = Catalog(db)
    cat.imports.catalog(write(tmp_path / "c.csv", SMALL_CATALOG))
    cat.close()
    rc, _ = run_until(BACKUP.format(db=str(db), target=str(target)), "copied")
    assert rc == -signal.SIGKILL
    assert not target.exists()
    cat = Catalog(db)
    assert cat.maintenance.backup(target) == target
    copy = Catalog(target, read_only=True)
    assert snapshot(copy) == snapshot(cat)
    copy.close()
    cat.close()
    assert sorted(p.name for p in tmp_path.iterdir() if "copy" in p.name) == ["copy.duckdb"]
