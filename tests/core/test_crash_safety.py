"""SIGKILL in the middle of an import or of embedding: the database must reopen intact,
show no half batch, and let the interrupted work finish on the next run."""

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


def run_until(script: str, marker: str, extra_wait: float = 0.0) -> int:
    """Start ``script``; SIGKILL it once it prints ``marker`` (plus a pause). Returns rc."""
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)],
                            stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if marker in line:
            if extra_wait:
                import time
                time.sleep(extra_wait)
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=120)
    return proc.returncode


IMPORT = """
    import sys
    from curator.core.catalog import Catalog
    cat = Catalog({db!r})
    cat.import_catalog({csv!r}, progress=lambda d, t, m: print(m, flush=True))
    print("FINISHED", flush=True)
"""


@pytest.mark.parametrize("marker,wait", [("Reading", 0.2), ("Checking rows", 0.0),
                                         ("Comparing", 0.0), ("Writing", 0.05)])
def test_killed_import_leaves_no_half_batch(tmp_path, big_csv, marker, wait):
    db = tmp_path / "crash.duckdb"
    rc = run_until(IMPORT.format(db=str(db), csv=str(big_csv)), marker, wait)
    assert rc == -signal.SIGKILL
    cat = Catalog(db)
    assert cat.schema_version() == migrations()[-1][0]
    counts = cat.counts()
    # all or nothing: either the whole batch is there, with its record, or none of it
    assert (counts["artworks"], counts["batches"]) in {(0, 0), (N_ROWS, 1)}
    result = cat.import_catalog(big_csv)  # resume: the next run completes the work
    assert cat.counts()["artworks"] == N_ROWS
    assert result.inserted + result.unchanged == N_ROWS
    cat.close()


EMBED = """
    from curator.core.catalog import Catalog
    from curator.core.embedding import pipeline
    pipeline.CHUNK = 500
    cat = Catalog({db!r})
    cat.embed(device="cpu", progress=lambda d, t, m: print("done", d, flush=True))
    print("FINISHED", flush=True)
"""


def test_killed_embedding_resumes(tmp_path, tiny_model):
    db = tmp_path / "embed.duckdb"
    cat = Catalog(db)
    path = tmp_path / "c.csv"
    path.write_text("accession_number,title\n" + "".join(f"E{i},Title {i}\n" for i in range(4000)))
    cat.import_catalog(path)
    cat.set_embedding_model_path(tiny_model)
    cat.close()
    rc = run_until(EMBED.format(db=str(db)), "done 1500")
    assert rc == -signal.SIGKILL
    cat = Catalog(db)
    space = cat.store.con.execute("SELECT id FROM embedding_spaces").fetchall()[0][0]
    kept = cat.store.con.execute(f"SELECT count(*) FROM emb_{space}").fetchall()[0][0]
    assert kept % 500 == 0 and 0 < kept < 4000  # whole chunks only
    result = cat.embed(device="cpu")
    assert result.embedded == 4000 - kept
    assert cat.embed(device="cpu").embedded == 0
    cat.close()
