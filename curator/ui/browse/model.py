"""A model over artwork ids: rows and thumbnails are fetched only when shown."""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSize, Qt
from PySide6.QtGui import QPixmap, QPixmapCache

from ...core.catalog import Catalog
from ...core.errors import CuratorError
from ...core.images import resolve_image, thumbnail
from ..widgets.tiles import TILE, placeholder

COLUMNS = [("id", "Id"), ("title", "Title"), ("artists", "Artists"), ("date_text", "Date"),
           ("medium", "Medium"), ("score", "Score"), ("tile", "")]
TILE_COLUMN = len(COLUMNS) - 1  # shown by the grid only: title with a picture
PAGE = 200


class QtArtworkModel(QAbstractTableModel):
    """Artworks by id. Holds ids; fetches rows in pages of 200 as views ask for them."""

    IdRole = Qt.UserRole + 1

    def __init__(self, catalog: Catalog, parent=None):
        super().__init__(parent)
        self.catalog = catalog
        self.ids: list[str] = []
        self.scores: dict[str, float] = {}
        self._rows: OrderedDict[str, dict] = OrderedDict()
        self._images_root = catalog.embeddings.images_root()

    def set_ids(self, ids: list[str], scores: dict[str, float] | None = None) -> None:
        self.beginResetModel()
        self.ids = list(ids)
        self.scores = scores or {}
        self._rows.clear()
        self._images_root = self.catalog.embeddings.images_root()
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return COLUMNS[section][1]
        return None

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
            return QSize(TILE + 16, TILE + 36)
        return None

    def picture(self, rec: dict) -> QPixmap:
        artists = rec.get("artists") or []
        try:
            path = resolve_image(self._images_root, rec.get("image_path"))
        except CuratorError:
            path = None
        if path is not None:
            key = f"thumb:{path}"
            pix = QPixmap()
            if QPixmapCache.find(key, pix):
                return pix
            try:
                pix = QPixmap(str(thumbnail(path)))
            except CuratorError:
                pix = QPixmap()
            if not pix.isNull():
                QPixmapCache.insert(key, pix)
                return pix
        return placeholder(rec["id"], rec.get("title"), artists[0] if artists else None)
