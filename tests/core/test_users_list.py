"""A list of visitors: who may appear in a history, undoable, and pseudonymized like the rest."""

import pytest

from curator.cli import main
from curator.core.errors import CuratorError, ImportRejected

from ..conftest import snapshot, write
from .test_import_events import HEADER


def users(cat):
    return cat.store.con.execute(
        "SELECT id, listed_batch_id IS NOT NULL FROM users ORDER BY id").fetchall()


@pytest.fixture
def with_history(loaded, tmp_path):
    loaded.imports.events(write(tmp_path / "h.csv", HEADER + "u1,A1,view,,1700000000\n"))
    return loaded


def test_a_list_adds_people_and_marks_known_ones(with_history, tmp_path):
    result = with_history.imports.users(
        write(tmp_path / "members.csv", "member_id,name\nu1,Ann\nu2,Bo\nu2,Bo\nu3,Cy\n")).detail
    assert (result.inserted, result.updated, result.unchanged) == (2, 1, 1)
    assert "people: 2 new, 1 updated, 1 unchanged" in result.summary()
    assert users(with_history) == [("u1", True), ("u2", True), ("u3", True)]
    columns = [r[0] for r in with_history.store.con.execute("DESCRIBE users").fetchall()]
    assert "name" not in columns  # only ids enter the database
    again = with_history.imports.users(tmp_path / "members.csv").detail
    assert (again.inserted, again.updated, again.batch_id) == (0, 0, None)


def test_without_a_list_histories_bring_their_people(with_history, tmp_path):
    result = with_history.imports.events(write(tmp_path / "h2.csv",
                                              HEADER + "u9,A2,view,,1700000001\n")).detail
    assert result.inserted == 1 and ("u9", False) in users(with_history)


def test_with_a_list_unknown_people_are_refused_and_nothing_changes(with_history, tmp_path):
    with_history.imports.users(write(tmp_path / "members.csv", "user_id\nu2\n"))
    before = snapshot(with_history)
    path = write(tmp_path / "h2.csv", HEADER + "u1,A2,view,,1700000001\n"
                 "u2,A2,view,,1700000002\nu7,A3,view,,1700000003\n")
    with pytest.raises(ImportRejected, match=r"h2.csv, row 4, field `user_id`: 'u7' is not "
                                             r"a known visitor"):
        with_history.imports.events(path)
    assert snapshot(with_history) == before
    # u1 came with an earlier history and u2 is listed; new visitors can be allowed.
    result = with_history.imports.events(path, new_users=True).detail
    assert result.inserted == 3 and ("u7", False) in users(with_history)


def test_list_errors_name_the_file_and_row(catalog, tmp_path):
    with pytest.raises(CuratorError, match="members.csv has no user id column"):
        catalog.imports.users(write(tmp_path / "members.csv", "name,email\nAnn,a@x\n"))
    before = snapshot(catalog)
    with pytest.raises(ImportRejected, match=r"members.csv, row 3, field `user_id`: has no user"):
        catalog.imports.users(write(tmp_path / "members.csv", "user_id\nu1\n \nu3\n"))
    assert snapshot(catalog) == before


def test_undoing_a_list_removes_its_people_unless_a_history_names_them(with_history, tmp_path):
    listed = with_history.imports.users(write(tmp_path / "m.csv", "user_id\nu1\nu2\nu3\n")).detail
    with_history.imports.events(write(tmp_path / "h2.csv", HEADER + "u2,A2,view,,1700000001\n"))
    assert with_history.imports.undo(listed.batch_id).detail == {
        "batch": listed.batch_id, "kind": "users", "users_removed": 1, "unlisted": 2}
    assert users(with_history) == [("u1", False), ("u2", False)]


def test_undoing_a_history_keeps_listed_people(with_history, tmp_path):
    history = with_history.imports.events(write(tmp_path / "h2.csv",
                                               HEADER + "u5,A2,view,,1700000001\n")).detail
    with_history.imports.users(write(tmp_path / "m.csv", "user_id\nu5\n"))
    assert with_history.imports.undo(history.batch_id).detail["users_removed"] == 0
    assert ("u5", True) in users(with_history)


def test_after_pseudonymizing_later_imports_join_the_same_people(with_history, tmp_path):
    with_history.imports.users(write(tmp_path / "m.csv", "user_id\nu1\nu2\n"))
    with_history.visitors.pseudonymize()
    (p1,), (p2,) = with_history.store.con.execute("SELECT id FROM users ORDER BY id").fetchall()
    assert p1.startswith("p_") and p2.startswith("p_")
    # The institution's next files still carry its own ids.
    again = with_history.imports.users(tmp_path / "m.csv").detail
    assert (again.inserted, again.updated) == (0, 0)
    result = with_history.imports.events(write(tmp_path / "h2.csv",
                                              HEADER + "u2,A2,view,,1700000001\n")).detail
    assert result.inserted == 1
    ids = {r[0] for r in with_history.store.con.execute("SELECT user_id FROM events").fetchall()}
    assert ids <= {p1, p2} and len(ids) == 2
    with pytest.raises(ImportRejected, match="'u8' is not a known visitor"):
        with_history.imports.events(write(tmp_path / "h3.csv", HEADER + "u8,A2,view,,1700000001\n"))
    assert with_history.visitors.delete("u2").count == 1  # the id as the institution knows it
    assert with_history.counts()["users"] == 1


def test_cli_imports_a_list_and_allows_new_visitors(loaded, tmp_path, capsys):
    db = loaded.path
    loaded.close()
    assert main(["--db", db, "import-users", str(write(tmp_path / "m.csv", "user_id\nu1\n"))]) == 0
    assert "people: 1 new" in capsys.readouterr().out
    history = write(tmp_path / "h.csv", HEADER + "u2,A1,view,,1700000000\n")
    assert main(["--db", db, "import-events", str(history)]) != 0
    assert "not a known visitor" in capsys.readouterr().err
    assert main(["--db", db, "import-events", "--new-users", str(history)]) == 0
    assert "events: 1 new" in capsys.readouterr().out
