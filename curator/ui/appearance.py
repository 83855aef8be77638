"""Light or dark: the app follows the system's colour scheme, and changes when it does.

Qt 6.5+ reports the scheme (``QStyleHints.colorScheme()``). Where the platform theme
already paints dark widgets nothing needs doing; where it does not (the plain X11 and
offscreen platforms), a dark Fusion palette is applied. ``CURATOR_COLOR_SCHEME=dark`` or
``light`` overrides the system (screenshots use it).
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory


def wanted_scheme(app: QGuiApplication) -> Qt.ColorScheme:
    forced = os.environ.get("CURATOR_COLOR_SCHEME", "").lower()
    if forced == "dark":
        return Qt.ColorScheme.Dark
    if forced == "light":
        return Qt.ColorScheme.Light
    return app.styleHints().colorScheme()


def is_dark(palette: QPalette) -> bool:
    """Whether a palette draws light text on a dark window."""
    return palette.color(QPalette.Window).lightness() < palette.color(
        QPalette.WindowText).lightness()


def dark_palette() -> QPalette:
    palette = QPalette()
    window, base, text = QColor(45, 45, 48), QColor(30, 30, 32), QColor(230, 230, 230)
    disabled = QColor(130, 130, 130)
    for role, colour in ((QPalette.Window, window), (QPalette.WindowText, text),
                         (QPalette.Base, base), (QPalette.AlternateBase, QColor(40, 40, 43)),
                         (QPalette.ToolTipBase, QColor(60, 60, 64)),
                         (QPalette.ToolTipText, text), (QPalette.PlaceholderText, disabled),
                         (QPalette.Text, text), (QPalette.Button, QColor(55, 55, 59)),
                         (QPalette.ButtonText, text), (QPalette.BrightText, QColor(255, 90, 90)),
                         (QPalette.Light, QColor(75, 75, 80)), (QPalette.Mid, QColor(65, 65, 70)),
                         (QPalette.Dark, QColor(25, 25, 27)), (QPalette.Shadow, QColor(0, 0, 0)),
                         (QPalette.Link, QColor(110, 170, 255)),
                         (QPalette.Highlight, QColor(60, 120, 200)),
                         (QPalette.HighlightedText, QColor(255, 255, 255))):
        palette.setColor(role, colour)
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        palette.setColor(QPalette.Disabled, role, disabled)
    return palette


def apply_scheme(app: QApplication, scheme: Qt.ColorScheme) -> None:
    """Paint the app in ``scheme`` unless the platform already does."""
    if scheme == Qt.ColorScheme.Dark and not is_dark(app.palette()):
        app.setStyle(QStyleFactory.create("Fusion"))
        app.setPalette(dark_palette())
    elif scheme == Qt.ColorScheme.Light and is_dark(app.palette()):
        app.setPalette(app.style().standardPalette())


def follow_color_scheme(app: QApplication) -> None:
    """Apply the system's scheme now and whenever it changes."""
    apply_scheme(app, wanted_scheme(app))
    app.styleHints().colorSchemeChanged.connect(lambda scheme: apply_scheme(app, scheme))
