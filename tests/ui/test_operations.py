"""Background jobs: named in one place, fed plain values, never reading a widget."""

import threading

import pytest

from ..conftest import write
from .test_main_window import wait_jobs

# Getters a worker must never call: each is wrapped to note a call off the main thread.
GETTERS = {
    "QLineEdit": ["text", "displayText"],
    "QComboBox": ["currentText", "currentData", "currentIndex", "itemText", "count"],
    "QSpinBox": ["value", "text"],
    "QAbstractButton": ["isChecked", "text"],
    "QCheckBox": ["isChecked", "checkState"],
    "QRadioButton": ["isChecked"],
    "QAbstractSlider": ["value"],
    "QSlider": ["value"],
    "QPlainTextEdit": ["toPlainText"],
    "QListView": ["currentIndex", "selectionModel"],
    "QTableView": ["currentIndex", "selectionModel"],
}


@pytest.fixture
def off_thread_reads(monkeypatch):
    """Every widget getter call made off the main thread, as 'Class.method'."""
    from PySide6 import QtWidgets

    seen = []
    for cls_name, methods in GETTERS.items():
        cls = getattr(QtWidgets, cls_name)
        for name in methods:
            real = getattr(cls, name)

            def wrapper(self, *args, _real=real, _name=f"{cls_name}.{name}", **kwargs):
                if threading.current_thread() is not threading.main_thread():
                    seen.append(_name)
                return _real(self, *args, **kwargs)

            monkeypatch.setattr(cls, name, wrapper)
    return seen


def test_the_getter_trap_catches_a_read_off_the_main_thread(qtbot, window, off_thread_reads):
    search = window.browse.search
    window.jobs.submit(lambda progress, cancel: search.text())
    wait_jobs(qtbot, window)
    assert off_thread_reads == ["QLineEdit.text"]
    off_thread_reads.clear()


def test_wizard_dry_run_reads_no_widget_off_the_main_thread(qtbot, window, tmp_path,
                                                             off_thread_reads):
    path = write(tmp_path / "more.csv", "accession_number,title,artist,date\n"
                 "Z1,A New Acquisition,Someone,2001\n")
    wizard = window.import_file("catalog")
    wizard.choose.file.setText(str(path))
    wizard.next()
    qtbot.waitUntil(lambda: wizard.mapping_page.ready, timeout=30_000)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.report.done, timeout=30_000)
    assert "1 new" in wizard.report.summary.text()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.run_page.finished_ok, timeout=60_000)
    wait_jobs(qtbot, window)
    wizard.close()
    assert off_thread_reads == []


def test_more_like_this_reads_no_widget_off_the_main_thread(qtbot, window, off_thread_reads):
    browse = window.browse
    browse.artist.setEditText("")
    browse.grid.setCurrentIndex(browse.model.index(0, 6))
    browse.more_like_this()
    wait_jobs(qtbot, window)
    assert browse.count.text().endswith("best works") and browse.model.rowCount() > 0
    browse.mode.setCurrentText("Semantic")
    browse.search.setText("a storm at sea")
    browse.refresh()
    wait_jobs(qtbot, window)
    assert off_thread_reads == []


def test_every_job_key_is_a_named_operation(qtbot, window):
    from curator.ui.operations import Op

    ran = []
    for text in ("some-free-text", "embed", str(Op.EMBED)):  # a known value as text too
        with pytest.raises(TypeError, match="named by an Op"):
            window.jobs.submit(lambda p, c, t=text: ran.append(t), key=text)
        with pytest.raises(TypeError, match="named by an Op"):
            window.jobs.start(text, lambda p, c, t=text: ran.append(t))
    wait_jobs(qtbot, window)
    assert ran == []  # refused before anything ran


def test_embedding_never_runs_twice_at_once(qtbot, window):
    """Two embedding requests (the window's and the wizard's): the second waits its turn."""
    from curator.ui.operations import Op

    inside, most, lock = [0], [0], threading.Lock()
    release = threading.Event()

    def embed(progress, cancel):
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        release.wait(10)
        with lock:
            inside[0] -= 1
        return "done"

    results = []
    window.jobs.submit(embed, key=Op.EMBED, on_done=results.append)
    window.jobs.submit(embed, key=Op.EMBED, on_done=results.append)
    qtbot.wait(200)
    assert window.jobs.running(Op.EMBED)
    release.set()
    qtbot.waitUntil(lambda: len(results) == 2, timeout=10_000)
    assert most[0] == 1


def test_views_refresh_from_the_change_record(qtbot, window, tmp_path):
    """An undo run in the background: Browse and the counts follow its Changes record."""
    from PySide6.QtWidgets import QMessageBox

    window.catalog.imports.catalog(write(tmp_path / "x.csv", "accession_number,title\nZ9,New\n"))
    window.browse.refresh()
    window.refresh_counts()
    assert window.browse.model.rowCount() == 11
    records = []
    window.jobs.changed.connect(records.append)
    import unittest.mock as mock

    with mock.patch.object(QMessageBox, "question", return_value=QMessageBox.Yes):
        window.undo_last_import()
    wait_jobs(qtbot, window)
    assert len(records) == 1 and records[0].artworks
    assert window.browse.model.rowCount() == 10
    assert window.counts_label.text().startswith("10 artworks")


def test_thumbnails_are_decoded_off_the_ui_thread(qtbot, window, tmp_path, monkeypatch):
    """The grid shows the tile at once; the picture replaces it when its job is done."""
    from PIL import Image

    import curator.core.images as images

    folder = tmp_path / "images"
    folder.mkdir()
    Image.new("RGB", (600, 400), (200, 30, 30)).save(folder / "z1.png")
    window.catalog.imports.catalog(write(tmp_path / "i.csv", "accession_number,title,image\n"
                                         "Z1,Red,z1.png\n"))
    window.catalog.embeddings.set_images_root(str(folder))
    threads = []
    real = images.thumbnail
    monkeypatch.setattr(images, "thumbnail", lambda *a, **k: threads.append(
        threading.current_thread() is threading.main_thread()) or real(*a, **k))
    browse = window.browse
    browse.mode.setCurrentText("Keyword")
    browse.search.setText("Red")
    browse.refresh()
    assert browse.model.ids == ["Z1"]
    ready = []
    browse.model.picture_ready.connect(ready.append)
    first = browse.model.data(browse.model.index(0, 6), 1)  # Qt.DecorationRole
    qtbot.waitUntil(lambda: ready == ["Z1"], timeout=10_000)
    later = browse.model.data(browse.model.index(0, 6), 1)
    assert threads == [False]  # decoded once, on a worker thread
    red = later.toImage().pixelColor(later.width() // 2, later.height() // 2)
    assert (red.red(), red.green(), red.blue()) == (200, 30, 30)
    assert first.toImage().pixelColor(5, 5) != red  # the tile came first
