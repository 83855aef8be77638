"""A slow encoder (a CPU on long texts): what is finished is written every few seconds,
whatever the chunk size, and a cancelled run is resumed by the next one."""

import threading
import time

import numpy as np
import pytest

from curator.core.catalog import Catalog
from curator.core.embedding import pipeline
from curator.core.errors import Cancelled
from curator.core.progress import CancelToken

from ...conftest import write

N = 60


class SlowEncoder:
    """Yields one vector per batch, ``step`` seconds apiece (real or on a fake clock)."""

    device = "cpu"

    def __init__(self, dim: int, step: float, clock=None):
        self.dim, self.step, self.clock = dim, step, clock
        self.encoded = 0

    def stream(self, texts):
        for i, text in enumerate(texts):
            if self.clock is None:
                time.sleep(self.step)
            else:
                self.clock[0] += self.step
            self.encoded += 1
            vector = np.zeros((1, self.dim), dtype=np.float32)
            vector[0, len(text) % self.dim] = 1.0
            yield np.array([i]), vector


@pytest.fixture
def catalog(tmp_path):
    cat = Catalog(tmp_path / "slow.duckdb")
    rows = "".join(f"S{i:03d},{'Long title ' * (1 + i % 7)}{i}\n" for i in range(N))
    cat.imports.catalog(write(tmp_path / "c.csv", "accession_number,title\n" + rows))
    yield cat
    cat.close()


@pytest.fixture
def written(monkeypatch):
    """Sizes of the chunks written, in order (recorded as each transaction begins)."""
    sizes = []
    real = pipeline.write_vectors

    def recording(cur, space, ids, *rest):
        sizes.append(len(ids))
        real(cur, space, ids, *rest)

    monkeypatch.setattr(pipeline, "write_vectors", recording)
    return sizes


def use(catalog, monkeypatch, encoder):
    monkeypatch.setattr(catalog.embeddings, "text_encoder", lambda device="auto": encoder)


def kept(catalog) -> int:
    space = catalog.store.con.execute("SELECT id FROM embedding_spaces").fetchall()[0][0]
    return catalog.store.con.execute(f"SELECT count(*) FROM emb_{space}").fetchall()[0][0]


def test_progress_is_written_every_few_seconds_not_only_per_chunk(catalog, monkeypatch,
                                                                  written):
    clock = [0.0]
    monkeypatch.setattr(pipeline, "monotonic", lambda: clock[0])
    dim = catalog.embeddings.status().dim
    use(catalog, monkeypatch, SlowEncoder(dim, step=0.5, clock=clock))  # 30 s of work
    assert pipeline.CHUNK > N  # counting alone would keep nothing until the very end
    catalog.embeddings.embed(device="cpu")
    # one write every 2 seconds of encoding (4 works at 0.5 s), never one at the end only
    assert written == [4] * (N // 4)
    assert kept(catalog) == N


def test_cancelled_run_keeps_finished_vectors_and_the_next_run_does_the_rest(
        catalog, monkeypatch, written):
    monkeypatch.setattr(pipeline, "FLUSH_SECONDS", 0.3)
    dim = catalog.embeddings.status().dim
    slow = SlowEncoder(dim, step=0.05)  # 3 s for the whole catalog
    use(catalog, monkeypatch, slow)
    cancel = CancelToken()
    writes_before_cancel = []
    timer = threading.Timer(1.0, lambda: (writes_before_cancel.extend(written),
                                          cancel.cancel()))
    timer.start()
    try:
        with pytest.raises(Cancelled):
            catalog.embeddings.embed(device="cpu", cancel=cancel)
    finally:
        timer.cancel()
    assert writes_before_cancel, "nothing was written during the first second"
    finished = slow.encoded
    assert 0 < finished < N
    assert kept(catalog) == finished == sum(written)  # every finished vector, in whole chunks
    assert catalog.embeddings.status().stale == N - finished

    again = SlowEncoder(dim, step=0.0)
    use(catalog, monkeypatch, again)
    result = catalog.embeddings.embed(device="cpu").detail
    assert result.embedded == again.encoded == N - finished
    assert kept(catalog) == N
