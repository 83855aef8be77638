"""The window's shell: menus, Help, first steps, size, colours, settings and start-up."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..conftest import snapshot, write
from .test_main_window import wait_jobs

ROOT = Path(__file__).resolve().parents[2]


def test_ctrl_z_does_not_undo_an_import_and_no_is_the_default(qtbot, window, tmp_path,
                                                              monkeypatch):
    from PySide6.QtGui import QKeySequence
    from PySide6.QtWidgets import QMessageBox

    undo = next(a for a in window.import_actions if "Undo last import" in a.text())
    assert undo.shortcut().isEmpty()
    ctrl_z = QKeySequence(QKeySequence.Undo)
    assert not [a.text() for a in window.findChildren(type(undo)) if a.shortcut() == ctrl_z]

    window.catalog.imports.catalog(write(tmp_path / "x.csv", "accession_number,title\nZ9,New\n"))
    before = snapshot(window.catalog)
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a) or a[-1])  # the default answer
    undo.trigger()
    wait_jobs(qtbot, window)
    assert asked and asked[0][-1] == QMessageBox.No
    assert snapshot(window.catalog) == before  # answering with the default changes nothing


def test_help_manual_on_f1_and_about_with_versions_and_licences(qtbot, window):
    from PySide6.QtGui import QKeySequence

    assert window.manual_action.shortcut() == QKeySequence(QKeySequence.HelpContents)
    window.manual_action.trigger()
    manual = window._dialog
    qtbot.addWidget(manual)
    assert manual.isVisible()
    text = manual.browser.toPlainText()
    assert "Browse (Ctrl+1)" in text and "Undo last import" in text
    about = window.show_about()
    qtbot.addWidget(about)
    text = about.browser.toPlainText()
    import duckdb
    from PySide6.QtCore import qVersion

    for needle in ("Python", qVersion(), duckdb.__version__,
                   "torch", "CC0 1.0", "Apache-2.0", "LGPL-3.0"):
        assert needle in text, needle
    manual.close()
    about.close()


def test_an_empty_database_shows_first_steps_until_a_catalog_arrives(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from curator.core.catalog import Catalog
    from curator.ui.main_window import MainWindow

    cat = Catalog(tmp_path / "empty.duckdb")
    win = MainWindow(cat, embed_on_start=False,
                     settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(win)
    win.show()
    assert win.pages.currentWidget() is win.first_steps
    assert win.first_import.isVisible() and win.first_demo.isVisible()
    changes = cat.imports.catalog(write(tmp_path / "c.csv", "accession_number,title\nA1,One\n"))
    win.jobs.changed.emit(changes)  # as a finished import job announces it
    assert win.pages.currentWidget() is win.tabs
    assert win.browse.model.rowCount() == 1
    win.close()
    cat.close()


def test_first_steps_open_the_demo(qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QSettings

    from curator.core.catalog import Catalog
    from curator.ui.main_window import MainWindow

    monkeypatch.setattr(MainWindow, "embed_in_background", lambda self: None)
    cat = Catalog(tmp_path / "empty.duckdb")
    win = MainWindow(cat, embed_on_start=False,
                     settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(win)
    win.show()
    win.first_demo.click()
    qtbot.waitUntil(lambda: hasattr(win, "_replacement"), timeout=60_000)
    demo = win._replacement
    qtbot.addWidget(demo)
    assert demo.catalog.counts()["artworks"] == 2000
    assert demo.pages.currentWidget() is demo.tabs
    demo.close()
    demo.catalog.close()
    cat.close()


def test_window_fits_a_1366x768_screen_with_progress_and_cancel_visible(qtbot, window):
    from PySide6.QtCore import QPoint, QSize

    from curator.ui.main_window import default_size

    free = QSize(1366, 768 - 40)  # a panel or task bar takes some of the height
    first = default_size(free)
    assert first.width() <= 1366 - 16 and first.height() <= free.height() - 40
    assert window.minimumSizeHint().width() <= 1366
    assert window.minimumSizeHint().height() <= free.height() - 40
    window.resize(first)
    window.progress.setVisible(True)
    window.cancel_button.setVisible(True)
    qtbot.wait(50)
    assert window.size() == first  # nothing inside forces it wider or taller
    top_left = window.cancel_button.mapTo(window, QPoint(0, 0))
    assert window.rect().contains(top_left)
    bottom_right = top_left + QPoint(window.cancel_button.width() - 1,
                                     window.cancel_button.height() - 1)
    assert window.rect().contains(bottom_right)


def test_dark_scheme_paints_dark_windows_and_readable_tiles(qtbot, window):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from curator.ui.appearance import apply_scheme, is_dark
    from curator.ui.widgets.tiles import placeholder

    app = QApplication.instance()
    saved_palette, saved_style = app.palette(), app.style().name()
    try:
        apply_scheme(app, Qt.ColorScheme.Dark)
        assert is_dark(app.palette())
        qtbot.wait(50)
        tile = placeholder("D1", "Dark", "Painter", 160, 1.0).toImage()
        assert tile.pixelColor(2, 2).lightness() > 150  # a pale card with dark text
        shot = window.grab().toImage()
        background = shot.pixelColor(shot.width() // 2, shot.height() - 5)  # status bar
        assert background.lightness() < 100
        apply_scheme(app, Qt.ColorScheme.Light)
        assert not is_dark(app.palette())
        qtbot.wait(50)
        shot = window.grab().toImage()
        assert shot.pixelColor(shot.width() // 2, shot.height() - 5).lightness() > 150
    finally:
        from PySide6.QtWidgets import QStyleFactory

        app.setStyle(QStyleFactory.create(saved_style))
        app.setPalette(saved_palette)


def test_tiles_are_drawn_at_the_screen_pixel_ratio(qapp):
    from curator.ui.widgets.tiles import placeholder

    sharp = placeholder("HD1", "A title", "An artist", 160, 2.0)
    assert (sharp.width(), sharp.height()) == (320, 320)
    assert sharp.devicePixelRatio() == 2.0
    assert sharp.deviceIndependentSize().width() == 160


def test_tests_keep_away_from_the_users_settings(qtbot, ui_catalog, tmp_path):
    from curator.paths import settings_file
    from curator.ui.main_window import MainWindow

    home = Path(os.environ["CURATOR_HOME"])
    assert settings_file().parent == home
    win = MainWindow(ui_catalog, embed_on_start=False)
    qtbot.addWidget(win)
    assert Path(win.settings.fileName()) == home / "settings.ini"
    assert win.recent()[0] == ui_catalog.path
    win.close()


def test_cli_default_database_is_the_demo_the_app_opens(tmp_path, monkeypatch, capsys):
    from curator import cli
    from curator.app import database_to_open
    from curator.paths import default_db, demo_db

    monkeypatch.delenv("CURATOR_DB", raising=False)
    assert default_db() == demo_db()
    from PySide6.QtCore import QSettings

    assert database_to_open(None, QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat)
                            ) == demo_db()
    assert cli.main(["info", "--json"]) == 0
    assert '"artworks": 2000' in capsys.readouterr().out


def test_the_last_database_is_opened_on_start(ui_db, tmp_path):
    """A real start with no database named opens the one used last, not the demo."""
    from PySide6.QtCore import QSettings

    home = tmp_path / "home"
    home.mkdir()
    last = tmp_path / "gallery.duckdb"
    shutil.copy(ui_db, last)
    settings = QSettings(str(home / "settings.ini"), QSettings.IniFormat)
    settings.setValue("last_db", str(last))
    settings.sync()
    env = dict(os.environ, CURATOR_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "main.py", "--quit-after", "0"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"Curator: {last}: 10 artworks" in done.stdout
    assert not (home / "demo.duckdb").exists()


def test_help_check_database_reports_a_whole_file(qtbot, window):
    window.check_action.trigger()
    wait_jobs(qtbot, window)
    message = window.statusBar().currentMessage()
    assert "is whole" in message and "tables" in message


def test_a_visitors_rows_are_drawn_at_the_screen_pixel_ratio(qapp, tmp_path):
    """Tiles and thumbnails in the Visitors rows: as many device pixels as the screen has,
    and a tile drawn at the row's size (not a big tile shrunk until its text is a smudge)."""
    from PIL import Image

    from curator.ui.users.recommendations import PICTURE, picture
    from curator.ui.widgets.tiles import placeholder

    art = {"title": "Storm at Sea", "artists": ["Turner"]}
    tile = picture("S1", art, None, ratio=2.0)
    assert (tile.width(), tile.height()) == (2 * PICTURE, 2 * PICTURE)
    assert tile.devicePixelRatio() == 2.0
    assert tile.toImage() == placeholder("S1", "Storm at Sea", "Turner", PICTURE,
                                         2.0).toImage()
    Image.new("RGB", (400, 300), (20, 90, 200)).save(tmp_path / "t.png")
    thumb = picture("S1", art, str(tmp_path / "t.png"), ratio=2.0)
    assert thumb.width() == 2 * PICTURE and thumb.devicePixelRatio() == 2.0
