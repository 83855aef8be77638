"""The Visitors tab driven offscreen: rich rows, Browse on double-click, a brief, two
profiles side by side with what moved, export and print."""

import csv

import pytest
from PySide6.QtCore import Qt

from curator.core.recommend.moves import ListMoves
from curator.core.recommend.profiles import Profile
from curator.ui.operations import BRIEF_NOT_EMBEDDED
from curator.ui.users.recommendations import ROW_HEIGHT, QtRecommendationModel

from ..conftest import write
from .test_main_window import wait_jobs

M = QtRecommendationModel


def show_visitor(qtbot, window, user="sailor"):
    window.tabs.setCurrentWidget(window.users)
    window.users.select_user(user)
    wait_jobs(qtbot, window)
    return window.users


def rows(side):
    model = side.model
    return [model.item_id(r) for r in range(model.rowCount())]


def test_rows_show_picture_title_artist_date_and_why(qtbot, window):
    users = show_visitor(qtbot, window)
    model, table = users.primary.model, users.primary.table
    assert model.rowCount() == 8
    for r in range(model.rowCount()):
        art = window.catalog.artworks.one(model.item_id(r))
        work = model.data(model.index(r, M.WORK))
        assert work == f"{art['title']}\n{art['artists'][0]} · {art['date_text']}"
        pixmap = model.data(model.index(r, M.PICTURE), Qt.DecorationRole)
        assert not pixmap.isNull() and max(pixmap.width(), pixmap.height()) == 48
        assert model.data(model.index(r, M.WHY)).startswith(("Because", "Mostly because"))
        assert table.rowHeight(r) == ROW_HEIGHT
    assert users.export_button.isEnabled() and users.print_button.isEnabled()


def test_compare_shows_two_readable_lists_and_what_moved(qtbot, window):
    window.catalog.recommendations.save_profile(
        Profile("popular only", weights={"content": 0.0, "item": 0.0, "popularity": 1.0}))
    users = show_visitor(qtbot, window, "mixed")
    users.reload_profiles()
    users.compare.setCurrentText("popular only")
    wait_jobs(qtbot, window)
    a, b = users.primary, users.secondary
    assert b.isVisible() and len(rows(a)) == len(rows(b)) == 7
    moves = ListMoves.between(rows(a), rows(b))
    assert rows(a) != rows(b)  # the profiles disagree, so something moved
    for side, mark in ((a, moves.mark_in_a), (b, moves.mark_in_b)):
        assert not side.table.isColumnHidden(M.MOVED) and side.table.isColumnHidden(M.WHY)
        for r in range(side.model.rowCount()):
            assert side.model.data(side.model.index(r, M.MOVED)) == mark(side.model.item_id(r))
            assert side.table.rowHeight(r) == ROW_HEIGHT
        # several rows fit in view at once, not one row filling the table
        assert side.table.rowAt(ROW_HEIGHT * 3 + 2) == 3
    assert users.moved.isVisible() and users.moved.text() == moves.summary()
    assert "A: mixed" in a.heading.text() and "B: mixed (popular only)" in b.heading.text()
    users.compare.setCurrentIndex(0)  # no comparison: the sentence is back
    wait_jobs(qtbot, window)
    assert not b.isVisible() and not a.table.isColumnHidden(M.WHY)
    assert a.table.isColumnHidden(M.MOVED)


def test_double_click_opens_the_work_in_browse(qtbot, window):
    users = show_visitor(qtbot, window)
    browse = window.browse
    browse.tag.setEditText("portrait")  # Browse shows portraits only
    browse.refresh()
    sea = next(r for r in range(users.primary.model.rowCount())
               if users.primary.model.item_id(r).startswith("S"))
    item = users.primary.model.item_id(sea)
    assert item not in browse.model.ids
    table = users.primary.table
    rect = table.visualRect(users.primary.model.index(sea, M.WORK))
    qtbot.mouseClick(table.viewport(), Qt.LeftButton, pos=rect.center())  # as a mouse does
    qtbot.mouseDClick(table.viewport(), Qt.LeftButton, pos=rect.center())
    assert window.tabs.currentWidget() is browse
    assert browse.selected_id == item
    art = window.catalog.artworks.one(item)
    assert art["title"] in browse.details.text()


def test_a_brief_moves_matching_works_up(qtbot, window):
    users = show_visitor(qtbot, window, "walker")
    before = rows(users.primary)
    users.brief.setText("portrait of a young girl")
    qtbot.keyClick(users.brief, Qt.Key_Return)
    wait_jobs(qtbot, window)
    after = rows(users.primary)
    assert after != before
    model = users.primary.model
    brief = {model.item_id(r): model.data(model.index(r, 0), M.PartsRole)[0]["brief"]
             for r in range(model.rowCount())}
    assert max(brief, key=brief.get) == "P3"  # the girl's portrait matches the brief best
    assert "brief" in model.data(model.index(after.index("P3"), M.WHY))
    assert not users.brief_note.isVisible()
    users.brief.clear()  # back to the visitor's own list
    wait_jobs(qtbot, window)
    assert rows(users.primary) == before


def test_a_brief_alone_makes_a_list_for_a_new_visitor(qtbot, window):
    window.tabs.setCurrentWidget(window.users)
    users = window.users
    users.brief.setText("stormy seas and ships")
    users.brief.returnPressed.emit()
    wait_jobs(qtbot, window)
    assert "a new visitor" in users.primary.heading.text()
    assert rows(users.primary)[0].startswith(("S", "N"))


@pytest.fixture
def bare_view(qtbot, tmp_path):
    """The Visitors tab over a catalog with histories but no vectors yet."""
    from curator.core.catalog import Catalog
    from curator.ui.jobs import JobRunner
    from curator.ui.users.view import UsersView

    from ..core.recommend.test_recommender import CATALOG, EVENTS

    cat = Catalog(tmp_path / "bare.duckdb")
    cat.imports.catalog(write(tmp_path / "c.csv", CATALOG))
    cat.imports.events(write(tmp_path / "e.csv", EVENTS))
    jobs = JobRunner()
    view = UsersView(cat, jobs)
    qtbot.addWidget(view)
    view.show()
    yield view
    assert jobs.wait(30_000)
    cat.close()


def test_a_brief_before_embedding_is_explained_in_a_sentence(qtbot, bare_view):
    view = bare_view
    view.brief.setText("storms")
    view.select_user("sailor")
    qtbot.waitUntil(lambda: view.shown is not None, timeout=30_000)
    assert view.brief_note.isVisible() and view.brief_note.text() == BRIEF_NOT_EMBEDDED
    assert view.primary.model.rowCount() == 8  # the visitor's list, without the brief


def test_export_csv_xlsx_and_pdf_carry_the_list(qtbot, window, tmp_path, monkeypatch):
    from openpyxl import load_workbook
    from PySide6.QtWidgets import QFileDialog

    users = show_visitor(qtbot, window)
    model = users.primary.model
    titles = [model.title(r) for r in range(model.rowCount())]
    whys = [model.recs[r].explanation for r in range(model.rowCount())]
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "sailor"), ""))
    users.export_list("csv")  # the suffix is added to a name typed without one
    wait_jobs(qtbot, window)
    with open(tmp_path / "sailor.csv", newline="", encoding="utf-8") as fh:
        got = list(csv.DictReader(fh))
    assert [r["title"] for r in got] == titles and [r["explanation"] for r in got] == whys
    assert {r["user"] for r in got} == {"sailor"} and got[0]["artists"] and got[0]["date"]

    users.export_list("xlsx", str(tmp_path / "sailor.xlsx"))
    wait_jobs(qtbot, window)
    sheet = load_workbook(tmp_path / "sailor.xlsx").active
    header = [c.value for c in sheet[1]]
    assert [row[header.index("title")].value for row in sheet.iter_rows(min_row=2)] == titles

    users.export_list("pdf", str(tmp_path / "sailor.pdf"))
    data = (tmp_path / "sailor.pdf").read_bytes()
    assert data.startswith(b"%PDF") and b"%%EOF" in data[-64:]
    text = users.document().toPlainText()
    assert "Recommendations for visitor sailor" in text
    assert all(t in text for t in titles) and all(w in text for w in whys)


def test_print_sends_the_same_document_to_the_printer(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter
    from PySide6.QtWidgets import QDialog

    users = show_visitor(qtbot, window)
    out = tmp_path / "printed.pdf"

    def accept(dialog):  # the user picks a printer that writes a PDF file
        dialog.printer().setOutputFormat(QPrinter.PdfFormat)
        dialog.printer().setOutputFileName(str(out))
        return QDialog.Accepted

    monkeypatch.setattr(QPrintDialog, "exec", accept)
    users.print_list()
    assert out.read_bytes().startswith(b"%PDF") and out.stat().st_size > 2000

    monkeypatch.setattr(QPrintDialog, "exec", lambda dialog: QDialog.Rejected)
    out.unlink()
    users.print_list()
    assert not out.exists()  # cancelled: nothing printed
