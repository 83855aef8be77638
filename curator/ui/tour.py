"""A guided tour of the real window that saves a screenshot of each screen.

Run by ``main.py --screenshots DIR`` (the Xvfb smoke test and ``tools/screenshots.py``):
the window the app really opened, on the display it really uses, is driven through Browse
(a search and a selected work), Visitors, Tuning, the import wizard and the manual, in the
light scheme and then the dark one. On a real display (X11, Xvfb) each picture is what the
screen shows (``QScreen.grabWindow``); offscreen, the widget is rendered instead.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

from ..paths import RESOURCES
from .appearance import apply_scheme


def settle(window, seconds: float = 0.3, jobs_timeout: float = 120.0) -> None:
    """Let the window paint and its background jobs finish, those the Tuning tab starts
    once its sliders rest included (bounded)."""
    app = QApplication.instance()
    end = time.monotonic() + seconds
    give_up = time.monotonic() + jobs_timeout
    while time.monotonic() < end or ((window.jobs.busy() or not window.tuning.settled())
                                     and time.monotonic() < give_up):
        app.processEvents()
        time.sleep(0.02)
    app.processEvents()


def grab(widget: QWidget) -> QPixmap:
    """What the screen shows of ``widget``'s window (rendered instead when offscreen)."""
    window = widget.window()
    screen = window.screen() or QGuiApplication.primaryScreen()
    if QGuiApplication.platformName() != "offscreen" and screen is not None:
        frame = window.frameGeometry()
        shot = screen.grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())
        if not shot.isNull():
            return shot
    return window.grab()


def take_screenshots(window, out: Path, *, search: str = "storm at sea",
                     dark: bool = True) -> list[Path]:
    """Drive ``window`` through its screens, saving a PNG of each into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance()
    saved: list[Path] = []

    def shot(widget: QWidget, name: str) -> None:
        settle(window)
        path = out / f"{name}.png"
        grab(widget).save(str(path))
        saved.append(path)

    window.pages.setCurrentWidget(window.tabs)
    window.tabs.setCurrentIndex(0)
    browse = window.browse
    browse.mode.setCurrentText("Hybrid")
    browse.search.setText(search)
    browse.refresh()
    settle(window, 1.0)
    if browse.model.rowCount():
        browse.grid.setCurrentIndex(browse.model.index(0, 6))
    shot(window, "browse")
    schemes = [("", None)]
    if dark:
        schemes.append(("-dark", Qt.ColorScheme.Dark))
    for suffix, scheme in schemes:
        if scheme is not None:
            apply_scheme(app, scheme)
            window.tabs.setCurrentIndex(0)
            shot(window, "browse" + suffix)
        visitors = window.catalog.visitors.ids(limit=1)
        window.tabs.setCurrentIndex(1)
        if visitors:
            window.users.select_user(visitors[0])
        shot(window, "visitors" + suffix)
        window.tabs.setCurrentIndex(2)
        settle(window, 1.5)
        shot(window, "tuning" + suffix)
        window.tabs.setCurrentIndex(0)
    if dark:
        apply_scheme(app, Qt.ColorScheme.Light)
    wizard = window.import_file("catalog")
    wizard.choose.file.setText(str(RESOURCES / "demo" / "artworks.jsonl.gz"))
    wizard.next()
    settle(window, 0.5)
    shot(wizard, "import")
    wizard.close()
    manual = window.show_manual()
    shot(manual, "manual")
    manual.close()
    settle(window)
    return saved
