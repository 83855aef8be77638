import pytest

from curator.core.errors import CuratorError

from ..conftest import SMALL_CATALOG, snapshot, write

EVENTS = "user_id,artwork_id,kind,value,timestamp\nann,A1,view,,1700000000\nbob,A2,favourite,,1700000100\n"


def test_undo_catalog_batch_restores_previous_versions(loaded, tmp_path):
    before = snapshot(loaded)
    edited = SMALL_CATALOG.replace("The Haywain", "The Hay Wain") + "A9,New,Someone,2001,Video,\n"
    result = loaded.imports.catalog(write(tmp_path / "e.csv", edited)).detail
    assert snapshot(loaded) != before
    undone = loaded.imports.undo(result.batch_id).detail
    assert (undone["restored"], undone["removed"]) == (1, 1)
    after = snapshot(loaded)
    assert after["artworks"] == before["artworks"]
    assert [b.status for b in loaded.imports.batches()][0] == "undone"
    with pytest.raises(CuratorError, match="already undone"):
        loaded.imports.undo(result.batch_id)


def test_undo_refused_when_later_batch_touched_same_artworks(loaded, tmp_path):
    first = loaded.imports.catalog(write(tmp_path / "a.csv", "accession_number,title\nA1,One\n")).detail
    loaded.imports.catalog(write(tmp_path / "b.csv", "accession_number,title\nA1,Two\n"))
    with pytest.raises(CuratorError, match=r"later imports \(#\d+\) changed the same artworks"):
        loaded.imports.undo(first.batch_id)


def test_undo_history_batch(loaded, tmp_path):
    before = snapshot(loaded)
    result = loaded.imports.events(write(tmp_path / "h.csv", EVENTS)).detail
    undone = loaded.imports.undo(result.batch_id).detail
    assert (undone["removed"], undone["users_removed"]) == (2, 2)
    after = snapshot(loaded)
    assert after["events"] == before["events"] and after["users"] == before["users"]


def test_undo_catalog_refused_while_events_use_its_artworks(catalog, small_catalog_file, tmp_path):
    first = catalog.imports.catalog(small_catalog_file).detail
    catalog.imports.events(write(tmp_path / "h.csv", EVENTS))
    with pytest.raises(CuratorError, match="undo that history import first"):
        catalog.imports.undo(first.batch_id)


def test_backup_is_a_consistent_copy(loaded, tmp_path):
    from curator.core.catalog import Catalog

    path = loaded.maintenance.backup(tmp_path / "copy.duckdb")
    copy = Catalog(path, read_only=True)
    assert snapshot(copy) == snapshot(loaded)
    copy.close()
    with pytest.raises(CuratorError, match="already exists"):
        loaded.maintenance.backup(path)


def test_pseudonymize_and_rotate(loaded, tmp_path):
    loaded.imports.events(write(tmp_path / "h.csv", EVENTS))
    assert loaded.visitors.pseudonymize().count == 2
    ids = loaded.visitors.ids()
    assert all(i.startswith("p_") for i in ids) and "ann" not in ids
    events = loaded.store.con.execute("SELECT DISTINCT user_id FROM events ORDER BY 1").fetchall()
    assert [e[0] for e in events] == sorted(ids)
    assert loaded.visitors.pseudonymize().count == 0  # already pseudonymous
    assert loaded.visitors.pseudonymize(rotate=True).count == 2
    assert set(loaded.visitors.ids()).isdisjoint(ids)
    assert loaded.counts()["events"] == 2


def test_delete_user_removes_events_and_derived_scores(loaded, tmp_path):
    loaded.imports.events(write(tmp_path / "h.csv", EVENTS))
    loaded.recommendations.recommend("ann", k=2)  # builds the cached model that knows ann
    assert loaded.visitors.delete("ann").count == 1
    assert loaded.visitors.ids() == ["bob"]
    with pytest.raises(CuratorError, match="no visitor 'ann'"):
        loaded.recommendations.recommend("ann")
    with pytest.raises(CuratorError, match="no visitor 'nobody'"):
        loaded.visitors.delete("nobody")
