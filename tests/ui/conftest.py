import threading
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from ..conftest import build_small_world  # noqa: E402


@pytest.fixture(scope="session")
def ui_db(tmp_path_factory):
    """A small embedded catalog with histories, built once and copied per test."""
    cat = build_small_world(tmp_path_factory.mktemp("ui"))
    cat.store.con.execute("CHECKPOINT")
    path = cat.path
    cat.close()
    return Path(path)


@pytest.fixture
def ui_catalog(ui_db, tmp_path):
    import shutil

    from curator.core.catalog import Catalog

    path = tmp_path / "copy.duckdb"
    shutil.copy(ui_db, path)
    cat = Catalog(path)
    yield cat
    cat.close()


@pytest.fixture
def window(qtbot, ui_catalog, tmp_path):
    from PySide6.QtCore import QSettings

    from curator.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    win = MainWindow(ui_catalog, embed_on_start=False, settings=settings)
    qtbot.addWidget(win)
    win.show()
    yield win
    assert win.jobs.wait(30_000), "a background job was still running after the test"


@pytest.fixture(autouse=True)
def _no_threads_left_behind():
    before = {t.ident for t in threading.enumerate()}
    yield
    left = [t for t in threading.enumerate()
            if t.ident not in before and t.is_alive() and not t.daemon]
    assert not left, f"threads left running: {left}"


@pytest.fixture(autouse=True)
def _no_modal_dialogs(monkeypatch):
    """A modal message box would block an offscreen test forever: fail instead."""
    from PySide6.QtWidgets import QMessageBox

    shown = []
    for name in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, name, lambda *a, _n=name, **k: shown.append((_n, a)))
    yield shown
    assert not shown, f"a message box was shown: {shown}"
