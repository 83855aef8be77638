import pytest

from curator.core.errors import CuratorError, ImportRejected

from ..conftest import TEST_DATA, snapshot, write

HEADER = "user_id,artwork_id,kind,value,timestamp\n"


def events(cat):
    return cat.store.con.execute(
        "SELECT user_id, artwork_id, kind, value, strftime(ts, '%Y-%m-%d %H:%M:%S') "
        "FROM events ORDER BY ts, user_id").fetchall()


def test_standard_columns_import_without_mapping(loaded, tmp_path):
    path = write(tmp_path / "h.csv", HEADER + "u1,A1,view,,1700000000\n"
                 "u1,A2,Favorite,,2024-05-01T10:00:00Z\nu2,A1,rating,4.5,2024-05-02 12:30:00+02:00\n"
                 "u2,A3,purchase,,1717243200000\n")
    result = loaded.imports.events(path).detail
    assert result.inserted == 4
    assert events(loaded) == [
        ("u1", "A1", "view", None, "2023-11-14 22:13:20"),
        ("u1", "A2", "favourite", None, "2024-05-01 10:00:00"),
        ("u2", "A1", "rating", 4.5, "2024-05-02 10:30:00"),
        ("u2", "A3", "purchase", None, "2024-06-01 12:00:00"),
    ]
    assert loaded.counts()["users"] == 2


def test_reimport_adds_nothing(loaded, tmp_path):
    path = write(tmp_path / "h.csv", HEADER + "u1,A1,view,,1700000000\nu1,A2,view,,1700000001\n")
    loaded.imports.events(path)
    before = snapshot(loaded)
    again = loaded.imports.events(path).detail
    assert (again.inserted, again.unchanged, again.batch_id) == (0, 2, None)
    assert snapshot(loaded) == before


def test_jsonl_history(loaded, tmp_path):
    path = write(tmp_path / "h.jsonl", '{"visitor": "v9", "object_id": "A4", "action": "like", '
                 '"time": "2025-01-01T00:00:00"}\n')
    loaded.imports.events(path)
    assert events(loaded) == [("v9", "A4", "like", None, "2025-01-01 00:00:00")]


def test_headerless_tab_file_with_mapping(loaded, tmp_path):
    path = write(tmp_path / "u.data", "7\tA1\t3\t881250949\n8\tA2\t5\t881250950\n")
    result = loaded.imports.events(path, mapping=TEST_DATA / "mappings" / "movielens-u-data.toml").detail
    assert result.inserted == 2
    assert events(loaded)[0][:4] == ("7", "A1", "rating", 3.0)


BAD = {
    "unknown artwork": ("u1,NOPE,view,,1700000000", r"row 2, field `artwork_id`: 'NOPE' is not an artwork in the catalog"),
    "missing user": (",A1,view,,1700000000", r"row 2, field `user_id`: has no user id"),
    "unknown kind": ("u1,A1,stare,,1700000000", r"row 2, field `kind`: 'stare' is not a known kind of event"),
    "rating out of range": ("u1,A1,rating,11,1700000000", r"row 2, field `value`: '11' is outside the rating range 0 to 10"),
    "rating missing": ("u1,A1,rating,,1700000000", r"row 2, field `value`: a rating needs a value"),
    "nan rating": ("u1,A1,rating,NaN,1700000000", r"row 2, field `value`: 'NaN' is not a finite number"),
    "inf value": ("u1,A1,view,inf,1700000000", r"row 2, field `value`: 'inf' is not a finite number"),
    "text value": ("u1,A1,view,lots,1700000000", r"row 2, field `value`: 'lots' is not a number"),
    "bad time": ("u1,A1,view,,yesterday", r"row 2, field `timestamp`: 'yesterday' is not epoch seconds or an ISO 8601 time"),
    "before 1900": ("u1,A1,view,,1850-01-01", r"row 2, field `timestamp`: '1850-01-01' is before 1900"),
    "future": ("u1,A1,view,,2999-01-01T00:00:00", r"row 2, field `timestamp`: '2999-01-01T00:00:00' is in the future"),
    "missing time": ("u1,A1,view,,", r"row 2, field `timestamp`: has no timestamp"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_events_are_rejected_and_nothing_changes(loaded, tmp_path, case):
    line, message = BAD[case]
    before = snapshot(loaded)
    path = write(tmp_path / "h.csv", HEADER + line + "\nu1,A1,view,,1700000000\n")
    with pytest.raises(ImportRejected, match=r"^h\.csv, " + message):
        loaded.imports.events(path)
    assert snapshot(loaded) == before


def test_missing_required_column(loaded, tmp_path):
    path = write(tmp_path / "h.csv", "user_id,artwork_id\nu1,A1\n")
    with pytest.raises(CuratorError, match=r"h\.csv has no timestamp column"):
        loaded.imports.events(path)


def test_skip_invalid_keeps_good_events(loaded, tmp_path):
    path = write(tmp_path / "h.csv", HEADER + "u1,NOPE,view,,1700000000\nu1,A1,view,,1700000000\n")
    result = loaded.imports.events(path, skip_invalid=True).detail
    assert (result.inserted, result.rejected) == (1, 1)
    assert (tmp_path / "h.csv.rejects.csv").exists()
