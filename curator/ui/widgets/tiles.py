"""Placeholder tiles for artworks without images, drawn from title and artist."""

from __future__ import annotations

import hashlib

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPainter, QPixmap, QPixmapCache

TILE = 160
SMALL_TILE = 96  # smaller tiles show the title only


def screen_ratio() -> float:
    """Device pixels per logical pixel on the screen (2.0 at 200 % scale)."""
    screen = QGuiApplication.primaryScreen()
    return screen.devicePixelRatio() if screen is not None else 1.0


def tile_colour(key: str) -> QColor:
    digest = hashlib.md5(key.encode()).digest()
    return QColor.fromHsv(digest[0] * 360 // 256, 60 + digest[1] % 60, 200 + digest[2] % 40)


def placeholder(artwork_id: str, title: str | None, artist: str | None,
                size: int = TILE, ratio: float = 1.0) -> QPixmap:
    """A ``size`` x ``size`` tile (logical pixels) drawn at ``ratio`` device pixels each.

    The tile's colours are its own (a pale card with dark text), so it reads the same
    on a light or a dark palette.
    """
    key = f"tile:{artwork_id}:{size}:{ratio:g}"
    found = QPixmap()
    if QPixmapCache.find(key, found):
        return found
    pix = QPixmap(round(size * ratio), round(size * ratio))
    pix.setDevicePixelRatio(ratio)
    pix.fill(tile_colour(artist or artwork_id))
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setRenderHint(QPainter.TextAntialiasing)
    painter.setPen(QColor(40, 40, 40))
    font = QFont()
    font.setPixelSize(max(9, size // 12))
    font.setBold(True)
    painter.setFont(font)
    margin = max(6, size // 16)
    small = size < SMALL_TILE  # a row's picture: the title alone, the artist is beside it
    painter.drawText(QRect(margin, margin, size - 2 * margin,
                           size - 2 * margin if small else size * 2 // 3),
                     Qt.TextWordWrap | Qt.AlignLeft | Qt.AlignTop, title or "(untitled)")
    if not small:
        font.setBold(False)
        font.setPixelSize(max(8, size // 15))
        painter.setFont(font)
        painter.drawText(QRect(margin, size * 2 // 3, size - 2 * margin, size // 3 - margin),
                         Qt.TextWordWrap | Qt.AlignLeft | Qt.AlignBottom, artist or "")
    painter.end()
    QPixmapCache.insert(key, pix)
    return pix
