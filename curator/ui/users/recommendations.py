"""A visitor's recommendations as rows a curator can read: picture, title, artist, date,
score, the stacked bar of signal contributions, what moved against a second list, and the
sentence explaining it."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...core.recommend.export import artwork_date
from ...core.recommend.moves import ListMoves
from ..widgets.tiles import placeholder, screen_ratio

SIGNAL_COLOURS = {"content": QColor("#4C72B0"), "item": QColor("#DD8452"),
                  "popularity": QColor("#55A868"), "brief": QColor("#8172B3")}
PICTURE = 48  # thumbnail edge in a row
ROW_HEIGHT = PICTURE + 8


def paint_shares(painter: QPainter, rect: QRect, parts: dict[str, float],
                 max_score: float) -> None:
    """Segments, one per signal, in proportion to their contributions to the score."""
    x = float(rect.left())
    for name, value in parts.items():
        if value <= 0:
            continue
        width = rect.width() * value / max(max_score, 1e-9)
        painter.fillRect(QRect(int(x), rect.top(), max(1, round(width)), rect.height()),
                         SIGNAL_COLOURS.get(name, QColor("#999999")))
        x += width


def picture(artwork_id: str, artwork: dict, thumb: str | None, size: int = PICTURE,
            ratio: float | None = None) -> QPixmap:
    """The work's thumbnail (made by a worker) scaled to ``size``, else its placeholder tile
    drawn at that size; both at the screen's device pixel ratio, so crisp at 2x scale."""
    ratio = screen_ratio() if ratio is None else ratio
    if thumb:
        pix = QPixmap(thumb)
        if not pix.isNull():
            pixels = round(size * ratio)
            pix = pix.scaled(pixels, pixels, Qt.KeepAspectRatio, Qt.SmoothTransformation)
            pix.setDevicePixelRatio(ratio)
            return pix
    artists = artwork.get("artists") or []
    return placeholder(artwork_id, artwork.get("title"), artists[0] if artists else None,
                       size, ratio)


class QtRecommendationModel(QAbstractTableModel):
    """Rows: rank, picture, work (title, artist, date), score, signals, moved, why."""

    HEADERS = ["#", "", "Work", "Score", "Signals", "Moved", "Why"]
    RANK, PICTURE, WORK, SCORE, SIGNALS, MOVED, WHY = range(7)
    PartsRole = Qt.UserRole + 1
    IdRole = Qt.UserRole + 2

    def __init__(self, parent=None):
        super().__init__(parent)
        self.recs: list = []
        self.artworks: dict[str, dict] = {}
        self.thumbs: dict[str, str] = {}
        self.moves: dict[str, str] = {}
        self.max_score = 1.0
        self._pictures: dict[str, QPixmap] = {}

    def set_recommendations(self, recs: list, artworks: dict[str, dict],
                            thumbs: dict[str, str] | None = None,
                            moves: dict[str, str] | None = None) -> None:
        self.beginResetModel()
        self.recs, self.artworks = recs, artworks
        self.thumbs, self.moves = thumbs or {}, moves or {}
        self.max_score = max([r.score for r in recs] + [1e-9])
        self._pictures = {}
        self.endResetModel()

    def item_id(self, row: int) -> str:
        return self.recs[row].item_id

    def artwork(self, row: int) -> dict:
        return self.artworks.get(self.recs[row].item_id) or {}

    def title(self, row: int) -> str:
        return self.artwork(row).get("title") or "(untitled)"

    def picture(self, row: int) -> QPixmap:
        item = self.item_id(row)
        if item not in self._pictures:
            self._pictures[item] = picture(item, self.artwork(row), self.thumbs.get(item))
        return self._pictures[item]

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.recs)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if int(role) == _DISPLAY and orientation == Qt.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        # Roles compared as plain ints: a view asks for a dozen roles per cell and paint,
        # and comparing with Qt's enum objects costs more than the answers themselves.
        role = int(role)
        if role not in _ROLES_ANSWERED or not index.isValid():
            return None
        row, col = index.row(), index.column()
        r = self.recs[row]
        if role == _DISPLAY:
            if col == self.WORK:
                art = self.artwork(row)
                byline = " · ".join(x for x in (", ".join(art.get("artists") or []),
                                                artwork_date(art)) if x)
                return f"{self.title(row)}\n{byline or 'Unknown artist'}"
            if col == self.RANK:
                return str(row + 1)
            if col == self.SCORE:
                return f"{r.score:.3f}"
            if col == self.MOVED:
                return self.moves.get(r.item_id, "")
            return r.explanation if col == self.WHY else None
        if role == _PARTS:
            return r.breakdown(), self.max_score
        if role == _ID:
            return r.item_id
        if role == _DECORATION:
            return self.picture(row) if col == self.PICTURE else None
        if role == _SIZE_HINT:
            return QSize(PICTURE + 8, ROW_HEIGHT) if col == self.PICTURE else None
        if role == _ALIGNMENT:
            return _RIGHT if col in (self.RANK, self.SCORE, self.MOVED) else None
        shares = r.shares()  # the tooltip
        lines = [f"{name}: {shares[name]:.0%} of the score (raw {p.raw:.3f}, normalised "
                 f"{p.normalised:.3f} × weight {p.weight:g} = {p.contribution:.3f})"
                 for name, p in r.parts.items()]
        return "\n".join([self.title(row), f"Score {r.score:.3f} =", *lines, "",
                          r.explanation, "", "Double-click to open it in Browse"])


_DISPLAY, _DECORATION, _SIZE_HINT, _ALIGNMENT, _TOOLTIP = (
    int(r) for r in (Qt.DisplayRole, Qt.DecorationRole, Qt.SizeHintRole,
                     Qt.TextAlignmentRole, Qt.ToolTipRole))
_PARTS, _ID = int(QtRecommendationModel.PartsRole), int(QtRecommendationModel.IdRole)
_ROLES_ANSWERED = frozenset((_DISPLAY, _DECORATION, _SIZE_HINT, _ALIGNMENT, _TOOLTIP,
                             _PARTS, _ID))
_RIGHT = int(Qt.AlignRight | Qt.AlignVCenter)


class ContributionBar(QStyledItemDelegate):
    """Paints a score as segments, one per signal, in proportion to their contributions."""

    def paint(self, painter: QPainter, option, index) -> None:
        parts, max_score = index.data(QtRecommendationModel.PartsRole)
        painter.save()
        paint_shares(painter, option.rect.adjusted(4, ROW_HEIGHT // 2 - 8, -4,
                                                   -(ROW_HEIGHT // 2 - 8)), parts, max_score)
        painter.restore()


class RecommendationList(QWidget):
    """One list: a heading and a table of rows of one height. Main thread only."""

    open_artwork = Signal(str)

    def __init__(self, title: str, parent=None):
        super().__init__(parent)
        m = QtRecommendationModel
        self.heading = QLabel(title)
        self.model = QtRecommendationModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(m.SIGNALS, ContributionBar(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.setIconSize(QSize(PICTURE, PICTURE))
        self.table.verticalHeader().setVisible(False)
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.Fixed)  # a long sentence never fills the table
        rows.setDefaultSectionSize(ROW_HEIGHT)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.setStretchLastSection(True)
        for col, width in ((m.RANK, 30), (m.PICTURE, PICTURE + 10), (m.WORK, 230),
                           (m.SCORE, 52), (m.SIGNALS, 110), (m.MOVED, 70)):
            self.table.setColumnWidth(col, width)
        self.table.setColumnHidden(m.MOVED, True)
        self.table.setToolTip("Hover a row for its score breakdown; double-click to open "
                              "the work in Browse")
        self.table.doubleClicked.connect(
            lambda index: self.open_artwork.emit(self.model.item_id(index.row())))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.table)

    def set_comparing(self, comparing: bool) -> None:
        """Side by side: the moves column instead of the sentence (kept in the tooltip)."""
        m = QtRecommendationModel
        self.table.setColumnHidden(m.MOVED, not comparing)
        self.table.setColumnHidden(m.WHY, comparing)
        self.table.setColumnWidth(m.WORK, 200 if comparing else 230)


def moves_for(first: list, second: list) -> tuple[dict[str, str], dict[str, str], ListMoves]:
    """The moved column of list A and of list B, and the moves themselves."""
    a, b = [r.item_id for r in first], [r.item_id for r in second]
    moves = ListMoves.between(a, b)
    return ({i: moves.mark_in_a(i) for i in a}, {i: moves.mark_in_b(i) for i in b}, moves)
