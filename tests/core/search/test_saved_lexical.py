"""The keyword index saved beside the database: loaded instead of built, never stale."""

import pytest

from curator.core.catalog import Catalog
from curator.core.learn.files import saved_dir
from curator.core.search.lexical import LexicalIndex

from ...conftest import write

CATALOG = """accession_number,title,artist,date,tags
S1,Storm at Sea,Turner,1840,sea|storm
S2,Shipwreck,Turner,1805,sea|ship
P1,Portrait of a Lady,Gainsborough,1770,portrait
"""


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "c.duckdb"
    with Catalog(path) as cat:
        cat.imports.catalog(write(tmp_path / "cat.csv", CATALOG))
    return path


@pytest.fixture
def builds(monkeypatch):
    calls = []
    real = LexicalIndex.build.__func__

    def counted(cls, store):
        calls.append(1)
        return real(cls, store)

    monkeypatch.setattr(LexicalIndex, "build", classmethod(counted))
    return calls


def ids(cat, query="storm sea"):
    return [h.id for h in cat.artworks.search(query, mode="keyword")]


def test_the_saved_index_is_loaded_by_the_next_session(db, builds):
    with Catalog(db) as cat:
        first = ids(cat)
    assert first[0] == "S1" and builds == [1]
    assert (saved_dir(db, create=False) / "lexical" / "index.json").is_file()
    for read_only in (False, True):
        with Catalog(db, read_only=read_only) as cat:
            assert ids(cat) == first
            assert ids(cat, "gainsborough") == ["P1"]  # artists' names come back too
    assert builds == [1]


def test_changed_artworks_are_indexed_again(db, builds, tmp_path):
    with Catalog(db) as cat:
        assert ids(cat, "harbour") == []
        cat.imports.catalog(write(tmp_path / "more.csv", "accession_number,title,artist\n"
                                  "H1,Harbour at Dawn,Monet\n"))
        assert ids(cat, "harbour") == ["H1"]
    with Catalog(db) as cat:
        assert ids(cat, "harbour") == ["H1"]
    assert builds == [1, 1]  # once before the import, once after; the next session loads


@pytest.mark.parametrize("damage", ["index.json", "data.csc.index.npy"])
def test_a_damaged_index_is_built_again(db, builds, damage):
    with Catalog(db) as cat:
        first = ids(cat)
    (saved_dir(db, create=False) / "lexical" / damage).write_bytes(b"\x93NUMPY garbage")
    with Catalog(db) as cat:
        assert ids(cat) == first
    with Catalog(db) as cat:
        assert ids(cat) == first
    assert builds == [1, 1]  # built again once, then the repaired copy is loaded


def test_a_read_only_catalog_never_writes_it(db, builds):
    with Catalog(db, read_only=True) as cat:
        ids(cat)
    assert not saved_dir(db, create=False).exists()
