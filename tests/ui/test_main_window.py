import pytest

pytest.importorskip("pytestqt")


def test_window_shows_catalog_counts(qtbot, loaded):
    from curator.ui.main_window import MainWindow

    window = MainWindow(loaded)
    qtbot.addWidget(window)
    window.show()
    assert window.counts_label.text().startswith("4 artworks · 0 users · 0 events")
