"""A model over artwork ids: rows and thumbnails are fetched only when shown."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QPixmap, QPixmapCache

from ...core.catalog import Catalog
from ...core.errors import CuratorError
from ...core.images import resolve_image
from .. import operations
from ..jobs import JobRunner
from ..operations import Op
from ..widgets.tiles import TILE, placeholder, screen_ratio

COLUMNS = [("id", "Id"), ("title", "Title"), ("artists", "Artists"), ("date_text", "Date"),
           ("medium", "Medium"), ("score", "Score"), ("tile", "")]
TILE_COLUMN = len(COLUMNS) - 1  # shown by the grid only: title with a picture
COLUMN_WIDTHS = {0: 80, 1: 320, 2: 220, 3: 110, 4: 240, 5: 60}  # the table's first widths
PAGE = 200


class QtArtworkModel(QAbstractTableModel):
    """Artworks by id. Holds ids; fetches rows in pages of 200 as views ask for them."""

    IdRole = Qt.UserRole + 1
    picture_ready = Signal(str)  # an artwork id whose thumbnail has just been decoded

    def __init__(self, catalog: Catalog, jobs: JobRunner, parent=None):
        super().__init__(parent)
        self.catalog = catalog
        self.jobs = jobs
        self.tile_size = TILE
        self._decoding: set[str] = set()
        self._positions: dict[str, int] | None = None
        self.ids: list[str] = []
        self.scores: dict[str, float] = {}
        self._rows: OrderedDict[str, dict] = OrderedDict()
        self._images_root = catalog.embeddings.images_root()

    def set_ids(self, ids: list[str], scores: dict[str, float] | None = None) -> None:
        self.beginResetModel()
        self.ids = list(ids)
        self.scores = scores or {}
        self._rows.clear()
        self._positions = None
        self._images_root = self.catalog.embeddings.images_root()
        self.endResetModel()

    def set_tile_size(self, size: int) -> None:
        """Draw tiles ``size`` logical pixels wide (the thumbnail size slider)."""
        if size != self.tile_size:
            self.tile_size = size
            self.layoutChanged.emit()

    def position(self, artwork_id: str) -> int | None:
        """The row showing ``artwork_id``, or ``None`` when it is not in the list."""
        if self._positions is None:
            self._positions = {a: r for r, a in enumerate(self.ids)}
        return self._positions.get(artwork_id)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return COLUMNS[section][1]
        return None

    def forget(self, artwork_id: str) -> None:
        """Drop a cached row whose artwork changed, so it is read afresh."""
        self._rows.pop(artwork_id, None)

    def row(self, r: int) -> dict:
        artwork_id = self.ids[r]
        found = self._rows.get(artwork_id)
        if found is None:
            start = (r // PAGE) * PAGE
            page = self.ids[start:start + PAGE]
            for rec in self.catalog.artworks.get(page):
                self._rows[rec["id"]] = rec
            while len(self._rows) > 20 * PAGE:
                self._rows.popitem(last=False)
            found = self._rows.get(artwork_id, {"id": artwork_id})
        return found

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        rec = self.row(index.row())
        key = COLUMNS[index.column()][0]
        if role == self.IdRole:
            return rec["id"]
        if role == Qt.DisplayRole:
            if key == "score":
                score = self.scores.get(rec["id"])
                return None if score is None else f"{score:.3f}"
            if key == "tile":
                return rec.get("title") or rec["id"]
            value = rec.get(key)
            if isinstance(value, list):
                return ", ".join(value)
            return value
        if role == Qt.ToolTipRole:
            artists = ", ".join(rec.get("artists") or [])
            return f"{rec.get('title') or '(untitled)'}\n{artists}\n{rec.get('date_text') or ''}"
        if role == Qt.DecorationRole and index.column() == TILE_COLUMN:
            return self.picture(rec)
        if role == Qt.SizeHintRole and index.column() == TILE_COLUMN:
            return QSize(self.tile_size + 16, self.tile_size + 36)
        return None

    def picture(self, rec: dict, size: int | None = None) -> QPixmap:
        """The artwork's thumbnail, or its tile while the image is decoded off the UI thread.

        Drawn at the screen's device pixel ratio, so tiles stay crisp at 2x scale.
        """
        size = size or self.tile_size
        ratio = screen_ratio()
        artists = rec.get("artists") or []
        try:
            path = resolve_image(self._images_root, rec.get("image_path"))
        except CuratorError:
            path = None
        if path is not None:
            pixels = round(size * ratio)
            key = f"thumb:{path}:{pixels}"
            pix = QPixmap()
            if QPixmapCache.find(key, pix):
                return pix
            if key not in self._decoding:
                self._decoding.add(key)
                self.jobs.start(Op.THUMBNAIL, operations.thumbnail_image, Path(path), pixels,
                                on_done=lambda image, k=key, a=rec["id"]:
                                self._decoded(k, a, image, ratio),
                                on_error=lambda _m, k=key: self._decoding.discard(k))
        return placeholder(rec["id"], rec.get("title"), artists[0] if artists else None,
                           size, ratio)

    def _decoded(self, key: str, artwork_id: str, image, ratio: float) -> None:
        self._decoding.discard(key)
        if image.isNull():
            return
        pix = QPixmap.fromImage(image)
        pix.setDevicePixelRatio(ratio)
        QPixmapCache.insert(key, pix)
        row = self.position(artwork_id)
        if row is not None:
            index = self.index(row, TILE_COLUMN)
            self.dataChanged.emit(index, index, [Qt.DecorationRole])
        self.picture_ready.emit(artwork_id)

