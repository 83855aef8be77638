"""Visitors' privacy: one idea of a pseudonym, a key kept apart, and nothing left in the file."""

import json
import os
import stat

import pytest

from curator.core import privacy
from curator.core.catalog import Catalog
from curator.core.errors import CuratorError

from ..conftest import write
from .test_import_events import HEADER

ARTWORKS = ["A1", "A2", "A3", "A4"]


def history(n_visitors: int = 50, per: int = 4) -> str:
    rows = [f"V{v:04d},{ARTWORKS[e % 4]},view,,{1700000000 + v * 100 + e}"
            for v in range(n_visitors) for e in range(per)]
    return HEADER + "\n".join(rows) + "\n"


def file_bytes(cat) -> bytes:
    data = open(cat.path, "rb").read()
    wal = cat.path + ".wal"
    return data + (open(wal, "rb").read() if os.path.exists(wal) else b"")


def test_after_rotating_the_same_history_joins_the_same_visitors(loaded, tmp_path):
    path = write(tmp_path / "h.csv", history())
    loaded.imports.events(path)
    loaded.visitors.pseudonymize()
    assert loaded.visitors.pseudonymize(rotate=True).count == 50
    again = loaded.imports.events(path).detail
    assert again.inserted == 0
    assert loaded.counts()["users"] == 50 and loaded.counts()["events"] == 200


def test_after_rotating_deleting_by_the_institutions_id_removes_every_event(loaded, tmp_path):
    loaded.imports.events(write(tmp_path / "h.csv", history(per=40)))
    loaded.visitors.pseudonymize()
    loaded.visitors.pseudonymize(rotate=True)
    loaded.imports.events(write(tmp_path / "h2.csv", HEADER + "V0002,A1,like,,1700009999\n"))
    assert loaded.visitors.delete("V0002").count == 41
    assert loaded.store.con.execute("SELECT count(*) FROM events WHERE user_id = ?",
                                    [loaded.visitors.stored_id("V0003")]).fetchall()[0][0] == 40
    assert loaded.visitors.stored_id("V0002") is None
    assert loaded.counts()["events"] == 49 * 40


def test_recommend_and_history_take_the_institutions_id_after_pseudonymizing(loaded, tmp_path):
    loaded.imports.events(write(tmp_path / "h.csv", history(5)))
    loaded.visitors.pseudonymize(rotate=True)
    assert loaded.recommendations.recommend("V0001", k=2, exclude_seen=False)
    assert len(loaded.visitors.history("V0001")) == 4
    with pytest.raises(CuratorError, match="no visitor 'V9999'"):
        loaded.recommendations.recommend("V9999")


def test_ids_that_merely_start_with_p_are_pseudonymized_too(loaded, tmp_path):
    loaded.imports.events(write(tmp_path / "h.csv", HEADER + "p_alice,A1,view,,1700000000\n"
                               "p_0123456789abcdef01234567,A2,view,,1700000000\n"))
    assert privacy.is_pseudonym("p_0123456789abcdef01234567")
    assert not privacy.is_pseudonym("p_alice")
    loaded.visitors.pseudonymize()
    assert "p_alice" not in loaded.visitors.ids()
    assert all(privacy.is_pseudonym(u) for u in loaded.visitors.ids())
    assert loaded.visitors.delete("p_alice").count == 1


def test_the_key_lives_in_an_owner_only_file_not_in_the_database(loaded, tmp_path):
    loaded.imports.events(write(tmp_path / "h.csv", history(3)))
    loaded.visitors.pseudonymize()
    settings = dict(loaded.store.con.execute("SELECT key, value FROM settings").fetchall())
    assert privacy.LEGACY_KEY not in settings
    database_id = json.loads(settings[privacy.DATABASE_ID])
    key_file = privacy.key_path(database_id)
    keys = privacy.read_key_file(key_file)
    if os.name == "posix":
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert keys[0].hex().encode() not in file_bytes(loaded)
    assert keys[0] not in file_bytes(loaded)


def test_a_missing_key_file_is_named_in_the_message(loaded, tmp_path):
    path = write(tmp_path / "h.csv", history(3))
    loaded.imports.events(path)
    loaded.visitors.pseudonymize()
    database_id = json.loads(loaded.store.con.execute(
        "SELECT value FROM settings WHERE key = ?", [privacy.DATABASE_ID]).fetchall()[0][0])
    privacy.key_path(database_id).unlink()
    before = loaded.counts()
    with pytest.raises(CuratorError, match=r"pseudonymization key of this database is missing "
                                           r"\(expected .*\.key\)"):
        loaded.imports.events(path)
    with pytest.raises(CuratorError, match="key of this database is missing"):
        loaded.visitors.delete("V0001")
    assert loaded.counts() == before


def test_a_key_kept_in_an_older_database_moves_to_its_file(loaded, tmp_path):
    key = bytes(range(32))
    old = privacy.pseudonym([key], "ann")  # how an older Curator hashed ids
    loaded.imports.events(write(tmp_path / "h.csv", HEADER + f"{old},A1,view,,1700000000\n"))
    with loaded.store.transaction() as cur:
        cur.execute("INSERT INTO settings VALUES (?, ?), (?, 'true')",
                    [privacy.LEGACY_KEY, json.dumps(key.hex()), privacy.PSEUDONYMIZED])
    path = loaded.path
    loaded.close()
    cat = Catalog(path)
    try:
        keys = dict(cat.store.con.execute("SELECT key, value FROM settings").fetchall())
        assert privacy.LEGACY_KEY not in keys
        assert key.hex().encode() not in file_bytes(cat)
        assert cat.visitors.delete("ann").count == 1  # still found through the moved key
    finally:
        cat.close()


def test_a_visitor_id_given_as_a_constant_is_not_recorded_with_the_batch(loaded, tmp_path):
    mapping = write(tmp_path / "m.toml", '[constants]\nuser_id = "jane.doe@example.org"\n')
    loaded.imports.events(write(tmp_path / "h.csv", "artwork_id,timestamp\nA1,1700000000\n"),
                         mapping=mapping)
    recorded = loaded.store.con.execute("SELECT mapping FROM import_batches").fetchall()
    assert recorded and all("jane.doe" not in m for (m,) in recorded)


def test_deleted_and_pseudonymized_visitors_leave_no_bytes_in_the_database_file(loaded,
                                                                              tmp_path):
    deleted, hidden = "someone.private@example.org", "another.person@example.com"
    loaded.imports.events(write(tmp_path / "h.csv", HEADER + f"{deleted},A1,view,,1700000000\n"
                               f"{hidden},A2,view,,1700000000\nkeep,A3,view,,1700000000\n"))
    loaded.store.con.execute("CHECKPOINT")
    assert deleted.encode() in file_bytes(loaded)  # the test can see them when present
    assert loaded.visitors.delete(deleted).count == 1
    loaded.visitors.pseudonymize()
    path = loaded.path
    loaded.close()
    data = open(path, "rb").read()
    assert deleted.encode() not in data and hidden.encode() not in data
    assert not os.path.exists(path + ".wal")
    cat = Catalog(path)
    try:
        assert cat.counts()["events"] == 2 and cat.visitors.stored_id(hidden) is not None
    finally:
        cat.close()


def test_a_failed_rewrite_after_a_deletion_says_what_was_done(loaded, tmp_path, monkeypatch):
    loaded.imports.events(write(tmp_path / "h.csv", history(2)))
    loaded.recommendations.recommend("V0001", k=1, exclude_seen=False)  # a fitted model

    def full_disk():
        raise CuratorError("test.duckdb could not be rewritten: No space left on device; it "
                           "was left as it was.")

    monkeypatch.setattr(loaded.store, "rewrite", full_disk)
    with pytest.raises(CuratorError, match=r"Visitor 'V0001' and 4 events were deleted, but "
                                           r"the database file could not be rewritten"):
        loaded.visitors.delete("V0001")
    assert loaded.visitors.stored_id("V0001") is None
    with pytest.raises(CuratorError, match="no visitor 'V0001'"):  # no cache kept them
        loaded.recommendations.recommend("V0001", k=1)
