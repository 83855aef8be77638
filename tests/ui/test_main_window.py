"""The real window, driven offscreen on a small database."""

import re
from pathlib import Path

from PySide6.QtCore import Qt

from ..conftest import snapshot, write


def wait_jobs(qtbot, win):
    qtbot.waitUntil(lambda: not win.jobs.busy(), timeout=30_000)
    qtbot.wait(50)


def test_window_shows_catalog_counts(window):
    assert window.counts_label.text().startswith("10 artworks · 5 users · 14 events")


def test_browse_and_filter(qtbot, window):
    browse = window.browse
    assert browse.model.rowCount() == 10
    browse.tag.setEditText("portrait")
    browse.refresh()
    assert browse.model.rowCount() == 3
    titles = {browse.model.data(browse.model.index(r, 1)) for r in range(3)}
    assert titles == {"Portrait of a Lady", "Portrait of a Man", "Portrait of a Girl"}
    browse.clear_filters()
    browse.year_to.setValue(1790)
    browse.refresh()
    assert browse.count.text() == "4 works"  # 1720, 1770, 1780, 1790 (1795 is later)
    browse.view_mode.setCurrentIndex(1)
    assert browse.stack.currentWidget() is browse.table


def test_semantic_search_and_more_like_this(qtbot, window):
    browse = window.browse
    browse.mode.setCurrentText("Semantic")
    browse.search.setText("a young girl's portrait")
    browse.refresh()
    wait_jobs(qtbot, window)
    assert browse.model.ids[0] == "P3"
    browse.grid.setCurrentIndex(browse.model.index(0, 6))
    assert "Portrait of a Girl" in browse.details.text()
    browse.more_like_this()
    wait_jobs(qtbot, window)
    assert "P3" not in browse.model.ids[:3] and browse.model.ids[0].startswith("P")


def test_recommendation_bars_add_up(qtbot, window):
    from curator.ui.users.view import QtRecommendationModel

    window.tabs.setCurrentIndex(1)
    window.users.select_user("sailor")
    wait_jobs(qtbot, window)
    model = window.users.primary.model
    m = QtRecommendationModel
    assert model.rowCount() == 8  # ten works, two already seen
    for r in range(model.rowCount()):
        parts, _ = model.data(model.index(r, m.SIGNALS), m.PartsRole)
        score = float(model.data(model.index(r, m.SCORE)))
        assert abs(sum(parts.values()) - score) < 1e-3
        assert model.data(model.index(r, m.WHY)).startswith(("Because", "Mostly because"))
        tip = model.data(model.index(r, m.SIGNALS), Qt.ToolTipRole)
        shown = [float(x) for x in re.findall(r"(\d+)% of the score", tip)]
        assert shown and abs(sum(shown) - 100) <= len(shown)  # each signal's share
    window.users.compare.setCurrentText("balanced")
    wait_jobs(qtbot, window)
    assert window.users.secondary.isVisible()
    assert window.users.secondary.model.rowCount() == 8


def test_slider_changes_list_and_redraws_without_blocking(qtbot, window):
    tuning = window.tuning
    window.users.select_user("sailor")
    wait_jobs(qtbot, window)
    window.tabs.setCurrentIndex(2)
    qtbot.waitUntil(lambda: tuning.redraws >= 1, timeout=30_000)
    wait_jobs(qtbot, window)
    before_list = [tuning.sample.item(i).text() for i in range(tuning.sample.count())]
    redraws = tuning.redraws
    tuning.sliders["item"].setValue(0)
    tuning.sliders["popularity"].setValue(0)
    tuning.sliders["content"].setValue(200)
    # The move returns at once: the work is queued, nothing redrawn yet.
    assert tuning.redraws == redraws
    qtbot.waitUntil(lambda: tuning.redraws > redraws, timeout=30_000)
    # a redraw may come first from the curve over λ that the earlier measure scheduled
    qtbot.waitUntil(lambda: tuning.last["weights"].get("content") == 2.0, timeout=30_000)
    wait_jobs(qtbot, window)
    after_list = [tuning.sample.item(i).text() for i in range(tuning.sample.count())]
    assert after_list and after_list != before_list
    assert tuning.last["weights"] == {"content": 2.0, "item": 0.0, "popularity": 0.0}


def test_save_profile_appears_in_visitors(qtbot, window):
    window.tuning.name.setText("content first")
    window.tuning.sliders["content"].setValue(150)
    window.tuning.save_profile()
    wait_jobs(qtbot, window)
    names = [window.users.profile.itemText(i) for i in range(window.users.profile.count())]
    assert "content first" in names


def test_import_wizard_good_file(qtbot, window, tmp_path):
    path = write(tmp_path / "more.csv", "accession_number,title,artist,date\n"
                 "Z1,A New Acquisition,Someone,2001\n")
    wizard = window.import_file("catalog")
    wizard.choose.file.setText(str(path))
    wizard.next()
    qtbot.waitUntil(lambda: wizard.mapping_page.ready, timeout=30_000)
    assert wizard.mapping_page.boxes["title"].currentText() == "title"
    wizard.next()
    qtbot.waitUntil(lambda: wizard.report.done, timeout=30_000)
    assert "1 new" in wizard.report.summary.text()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.run_page.finished_ok, timeout=60_000)
    wait_jobs(qtbot, window)
    assert window.catalog.counts()["artworks"] == 11
    assert "11 artworks" in window.counts_label.text()
    wizard.close()


def test_import_wizard_bad_file_changes_nothing(qtbot, window, tmp_path):
    before = snapshot(window.catalog)
    path = write(tmp_path / "bad.csv", "accession_number,title,date\nZ1,Fine,1900\n,No id,1901\n"
                 "Z2,Odd,sometime\n")
    wizard = window.import_file("catalog")
    wizard.choose.file.setText(str(path))
    wizard.next()
    qtbot.waitUntil(lambda: wizard.mapping_page.ready, timeout=30_000)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.report.done, timeout=30_000)
    assert "1 rejected" in wizard.report.summary.text()
    assert "1 dates will be kept as text only" in wizard.report.summary.text()
    assert wizard.report.table.rowCount() == 2  # the reject, then the date note
    assert wizard.report.table.item(0, 3).text() == "has no id"
    assert wizard.report.table.item(1, 3).text().startswith("kept as text only")
    assert not wizard.report.validatePage()  # cannot go on without choosing to skip
    out = tmp_path / "rejects.csv"
    from curator.ui.importer.wizard import export_rejects

    export_rejects(out, wizard.report.result.rejects)
    assert Path(out).read_text().count("\n") == 2
    wizard.close()
    wait_jobs(qtbot, window)
    assert snapshot(window.catalog) == before


def test_wizard_keeps_extra_fields_and_the_details_show_them(qtbot, window, tmp_path):
    path = write(tmp_path / "met.csv", "Object Number,Title,Credit Line,Department,Masse\n"
                 "Z1,Bowl,Gift of A,Glass,12 cm\nZ2,Jug,Gift of B,Glass,20 cm\n"
                 "Z3,Vase,Gift of C,Ceramics,9 cm\nZ4,Cup,Gift of D,Ceramics,7 cm\n")
    wizard = window.import_file("catalog")
    wizard.choose.file.setText(str(path))
    wizard.next()
    qtbot.waitUntil(lambda: wizard.mapping_page.ready, timeout=30_000)
    page = wizard.mapping_page
    assert page.boxes["id"].currentText() == "Object Number"
    shown = {page.extras.item(r, 0).text(): page.extras.cellWidget(r, 1).currentText()
             for r in range(page.extras.rowCount())}
    assert shown == {"credit_line": "Credit Line", "department": "Department", "masse": "Masse"}
    page.add_extra.click()  # keep `Masse` as `dimensions` instead
    row = page.extras.rowCount() - 1
    page.extras.item(row, 0).setText("dimensions")
    page.extras.cellWidget(row, 1).setCurrentText("Masse")
    page.extras.item(shown_row(page, "masse"), 0).setText("")
    assert page.mapping().extra == {"credit_line": "Credit Line", "department": "Department",
                                    "dimensions": "Masse"}
    wizard.next()
    qtbot.waitUntil(lambda: wizard.report.done, timeout=30_000)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.run_page.finished_ok, timeout=60_000)
    wait_jobs(qtbot, window)
    wizard.close()
    browse = window.browse
    assert "department" in browse.extra_facets
    browse.extra_facets["department"].setEditText("Glass")
    browse.refresh()
    assert sorted(browse.model.ids) == ["Z1", "Z2"]
    browse.grid.setCurrentIndex(browse.model.index(browse.model.ids.index("Z1"), 6))
    details = browse.details.text()
    assert "Credit line" in details and "Gift of A" in details and "12 cm" in details
    assert "Dimensions" in details


def shown_row(page, name):
    return next(r for r in range(page.extras.rowCount()) if page.extras.item(r, 0).text() == name)


def test_state_is_restored(qtbot, window, ui_catalog, tmp_path):
    from curator.ui.main_window import MainWindow

    window.tabs.setCurrentIndex(1)
    window.close()
    again = MainWindow(ui_catalog, embed_on_start=False, settings=window.settings)
    qtbot.addWidget(again)
    assert again.tabs.currentIndex() == 1
    assert again.recent()[0] == ui_catalog.path
    again.close()


def test_read_only_window_disables_changes(qtbot, ui_db, tmp_path):
    import shutil

    from PySide6.QtCore import QSettings

    from curator.core.catalog import Catalog
    from curator.ui.main_window import MainWindow

    path = tmp_path / "ro.duckdb"
    shutil.copy(ui_db, path)
    cat = Catalog(path, read_only=True)
    win = MainWindow(cat, settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(win)
    assert win.windowTitle().endswith("(read-only)")
    assert not any(a.isEnabled() for a in win.import_actions)
    assert win.browse.model.rowCount() == 10
    win.close()
    cat.close()


def test_grid_over_100000_artworks_fetches_only_what_is_shown(qtbot, tmp_path):
    from curator.core.catalog import Catalog
    from curator.ui.browse.view import BrowseView
    from curator.ui.jobs import JobRunner

    path = tmp_path / "big.csv"
    with open(path, "w") as fh:
        fh.write("accession_number,title,artist,date\n")
        for i in range(100_000):
            fh.write(f"X{i:06d},Work {i},Artist {i % 500},{1800 + i % 200}\n")
    cat = Catalog(tmp_path / "big.duckdb")
    cat.imports.catalog(path)
    calls = []
    real = cat.artworks.get
    cat.artworks.get = lambda ids: calls.append(len(ids)) or real(ids)
    jobs = JobRunner()
    view = BrowseView(cat, jobs)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    qtbot.wait(200)
    assert view.model.rowCount() == 100_000
    assert sum(calls) <= 1_000  # a few pages of 200, not 100,000 rows
    view.grid.scrollToBottom()
    qtbot.wait(200)
    assert sum(calls) <= 2_000
    last = view.model.row(view.model.rowCount() - 1)
    assert last["id"] == view.model.ids[-1] and last["title"].startswith("Work ")
    jobs.wait()
    cat.close()


def test_undo_last_import_and_backup_from_the_menu(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from curator.core.catalog import Catalog

    before = snapshot(window.catalog)
    window.catalog.imports.catalog(write(tmp_path / "x.csv", "accession_number,title\nZ9,New\n"))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    errors = []
    monkeypatch.setattr(window, "show_error", errors.append)
    window.undo_last_import()
    wait_jobs(qtbot, window)
    assert errors == []
    after = snapshot(window.catalog)
    assert after["artworks"] == before["artworks"]
    target = tmp_path / "backup.duckdb"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.backup_database()
    wait_jobs(qtbot, window)
    assert errors == []
    copy = Catalog(target, read_only=True)
    assert copy.counts()["artworks"] == window.catalog.counts()["artworks"]
    copy.close()


def test_embedding_settings_show_an_example_and_reembed(qtbot, window):
    browse = window.browse
    browse.grid.setCurrentIndex(browse.model.index(0, 6))
    picked = browse.model.row(0)
    dialog = window.edit_embedding()
    qtbot.addWidget(dialog)
    assert dialog.artwork.text() == picked["id"]
    dialog.template.setPlainText("{title} [made by {nobody}]")
    assert "unknown field" in dialog.example.text() and not dialog.save_button.isEnabled()
    dialog.template.setPlainText("{title}!")
    assert dialog.example.text() == picked["title"] + "!" and dialog.save_button.isEnabled()
    dialog.artwork.setText("NOPE")
    assert "no artwork 'NOPE'" in dialog.example.text() and dialog.save_button.isEnabled()
    assert window.catalog.embeddings.status().stale == 0
    dialog.save_button.click()
    assert window.catalog.embeddings.template() == "{title}!"
    wait_jobs(qtbot, window)
    assert window.catalog.embeddings.status().stale == 0  # embedded again in the background
    assert not dialog.isVisible()


def test_closing_hides_the_window_and_cancels_every_running_job(qtbot, window):
    import threading

    started, seen = threading.Event(), []

    def work(progress, cancel):  # a job submitted without a key, as embedding is
        started.set()
        for _ in range(600):  # gives up after a minute: the test then fails below
            if cancel.cancelled:
                seen.append("cancelled")
                return
            threading.Event().wait(0.1)

    window.jobs.submit(work)
    assert started.wait(10)
    window.close()
    assert seen == ["cancelled"]
    assert not window.isVisible()


def run_wizard(qtbot, window, kind, path, *, new_users=False):
    """Through the wizard to the dry-run report; returns the wizard there."""
    wizard = window.import_file(kind)
    wizard.choose.file.setText(str(path))
    wizard.choose.new_users.setChecked(new_users)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.mapping_page.ready, timeout=30_000)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.report.done, timeout=30_000)
    return wizard


def test_visitor_list_from_the_wizard_then_strangers_are_reported(qtbot, window, tmp_path):
    users_before = window.catalog.counts()["users"]
    wizard = run_wizard(qtbot, window, "users", write(tmp_path / "m.csv", "member_id\nNEW1\n"))
    assert not wizard.choose.new_users.isEnabled()
    assert "1 new" in wizard.report.summary.text()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.run_page.finished_ok, timeout=60_000)
    wizard.close()
    wait_jobs(qtbot, window)
    assert window.catalog.counts()["users"] == users_before + 1

    artwork = window.catalog.artworks.find_ids(limit=1)[0]
    history = write(tmp_path / "h.csv", f"user_id,artwork_id,kind,timestamp\n"
                    f"NEW1,{artwork},view,1700000000\nSTRANGER,{artwork},view,1700000001\n")
    wizard = run_wizard(qtbot, window, "events", history)
    assert wizard.choose.new_users.isEnabled()
    assert "1 rejected" in wizard.report.summary.text()
    assert "not a known visitor" in wizard.report.table.item(0, 3).text()
    wizard.close()
    wizard = run_wizard(qtbot, window, "events", history, new_users=True)
    assert "2 new" in wizard.report.summary.text()
    assert "0 rejected" in wizard.report.summary.text()
    wizard.close()
    wait_jobs(qtbot, window)


def test_mark_an_artwork_unavailable_and_back(qtbot, window, monkeypatch):
    import threading

    browse = window.browse
    artworks = window.catalog.artworks
    on_main_thread = []
    real = artworks.set_available
    monkeypatch.setattr(artworks, "set_available", lambda *a, **k: on_main_thread.append(
        threading.current_thread() is threading.main_thread()) or real(*a, **k))
    records = []
    window.jobs.changed.connect(records.append)
    browse.clear_filters()
    browse.grid.setCurrentIndex(browse.model.index(0, 6))
    artwork_id = browse.selected_id
    assert browse.availability.text() == "Mark unavailable"
    browse.availability.click()
    assert not browse.availability.isEnabled()  # a second click cannot race the first
    wait_jobs(qtbot, window)
    assert not artworks.one(artwork_id)["available"]
    assert browse.availability.text() == "Mark available again"
    assert "is now unavailable" in window.statusBar().currentMessage()
    assert records and records[-1].artworks  # the views heard of it (Tuning re-evaluates)
    browse.grid.setCurrentIndex(browse.model.index(1, 6))
    browse.grid.setCurrentIndex(browse.model.index(browse.model.position(artwork_id), 6))
    assert "Unavailable" in browse.details.text()
    browse.availability.click()
    wait_jobs(qtbot, window)
    assert artworks.one(artwork_id)["available"]
    assert browse.availability.text() == "Mark unavailable"
    assert on_main_thread == [False, False]  # both writes ran on a worker thread


def test_fit_weights_runs_in_the_background_and_says_so(qtbot, window):
    tuning = window.tuning
    tuning.name.setText("fitted here")
    tuning.make_default.setChecked(False)
    tuning.fit.click()
    assert not tuning.fit.isEnabled()  # running as a job, the window stays responsive
    wait_jobs(qtbot, window)
    qtbot.waitUntil(lambda: tuning.fit.isEnabled(), timeout=60_000)
    profile = window.catalog.recommendations.profile("fitted here")
    assert profile.fitted is not None
    assert "fitted" in tuning.provenance.text()
    assert tuning.sliders["content"].value() == round(100 * profile.weights["content"])


def test_learning_the_order_of_visits_from_the_tools_menu(qtbot, window):
    window.learn_actions["sequence"].trigger()
    assert window.progress.isVisible()  # in the background, the window stays responsive
    qtbot.waitUntil(lambda: not window.jobs.busy(), timeout=300_000)
    qtbot.wait(50)
    assert not window.progress.isVisible()
    message = window.statusBar().currentMessage()
    assert "The sequence signal is" in message and "validation nDCG@10" in message


def test_the_recommender_is_ready_before_the_first_list_and_after_an_import(
        qtbot, window, tmp_path, monkeypatch):
    from curator.core.recommend.saved import fitted_dir
    from curator.core.recommend.signals import ItemCFSignal

    wait_jobs(qtbot, window)  # fitted and saved in the background when the window opened
    saved = fitted_dir(window.catalog.path, create=False) / "item.safetensors"
    before = saved.read_bytes()
    changes = window.catalog.imports.events(write(
        tmp_path / "more.csv", "user_id,artwork_id,kind,value,timestamp\n"
                               "sailor,S3,view,,2024-05-01T00:00:00\n"))
    window.apply_changes(changes)
    wait_jobs(qtbot, window)
    assert saved.read_bytes() != before  # refitted on the new histories, not at a click
    fits = []
    monkeypatch.setattr(ItemCFSignal, "fit", lambda self, data: fits.append(1))
    window.tabs.setCurrentIndex(1)
    window.users.select_user("sailor")
    wait_jobs(qtbot, window)
    assert window.users.primary.model.rowCount() == 7  # S1, S2 and now S3 seen
    assert fits == []
