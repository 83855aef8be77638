"""Shared fixtures: a fresh database per test, table snapshots, the shared real data."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Session fixtures run before the per-test home below: give the whole run a private data
# and settings folder too, so no test writes into the user's own (Open recent, thumbnails).
os.environ["CURATOR_HOME"] = tempfile.mkdtemp(prefix="curator-test-home-")
os.environ.pop("CURATOR_DB", None)

# Property tests run the same examples on every run, so a suite is repeatable. Setting
# CURATOR_EXAMPLES (say 4000) searches afresh, with that many examples where a test reads it.
settings.register_profile("repeatable", derandomize=True, deadline=None)
settings.register_profile("explore", deadline=None)
settings.load_profile("explore" if os.environ.get("CURATOR_EXAMPLES") else "repeatable")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _private_home(tmp_path_factory, monkeypatch):
    """Keep every test away from the user's real data folder."""
    monkeypatch.setenv("CURATOR_HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture
def catalog(tmp_path):
    from curator.core.catalog import Catalog

    cat = Catalog(tmp_path / "test.duckdb")
    yield cat
    cat.close()


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared data folder {SHARED_DATA} is not present")
    return SHARED_DATA


def snapshot(cat) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: equal snapshots mean an unchanged database."""
    cur = cat.store.cursor()
    try:
        tables = [r[0] for r in cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
        return {t: sorted(map(repr, cur.execute(f'SELECT * FROM "{t}"').fetchall()))
                for t in tables}
    finally:
        cur.close()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


SMALL_CATALOG = """accession_number,title,artist,date,medium,tags
A1,Storm at Sea,"Turner, Joseph Mallord William",c.1840-5,Oil paint on canvas,sea|storm|ship
A2,The Haywain,"Constable, John",1821,Oil paint on canvas,landscape|river|cart
A3,Nocturne,Whistler,1870s,Oil paint on canvas,night|river
A4,Untitled,Anonymous,19th century,Graphite on paper,
"""


@pytest.fixture
def small_catalog_file(tmp_path) -> Path:
    return write(tmp_path / "catalog.csv", SMALL_CATALOG)


@pytest.fixture
def loaded(catalog, small_catalog_file):
    catalog.imports.catalog(small_catalog_file)
    return catalog


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """A tiny randomly initialised BERT with MiniLM's tokenizer, saved like a real one."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    from curator.core.embedding.text_encoder import default_model_path

    folder = tmp_path_factory.mktemp("tiny-model")
    tokenizer = AutoTokenizer.from_pretrained(default_model_path(), local_files_only=True)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=128)
    with torch.random.fork_rng():  # the same weights whichever tests ran before
        torch.manual_seed(0)
        BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def build_small_world(folder: Path):
    """The recommender tests' catalog and histories, imported and embedded in ``folder``."""
    from curator.core.catalog import Catalog

    from .core.recommend.test_recommender import CATALOG, EVENTS

    cat = Catalog(folder / "world.duckdb")
    cat.imports.catalog(write(folder / "cat.csv", CATALOG))
    cat.imports.events(write(folder / "ev.csv", EVENTS))
    cat.embeddings.embed(device="cpu")
    return cat
