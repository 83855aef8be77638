"""The Visitors tab: a searchable list, a visitor's history, and their recommendations,
each row with a stacked bar of signal contributions and the sentence explaining it."""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QRect,
    QSortFilterProxyModel,
    QStringListModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QSplitter,
    QStyledItemDelegate,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core.catalog import Catalog
from ..jobs import JobRunner

SIGNAL_COLOURS = {"content": QColor("#4C72B0"), "item": QColor("#DD8452"),
                  "popularity": QColor("#55A868"), "brief": QColor("#8172B3")}
NO_COMPARE = "— no comparison —"


class QtRecommendationModel(QAbstractTableModel):
    """Rows: rank, title, score, contributions bar, explanation."""

    HEADERS = ["#", "Artwork", "Score", "Signals", "Why"]
    PartsRole = Qt.UserRole + 1

    def __init__(self, parent=None):
        super().__init__(parent)
        self.recs: list = []
        self.titles: dict[str, str] = {}
        self.max_score = 1.0

    def set_recommendations(self, recs: list, titles: dict[str, str]) -> None:
        self.beginResetModel()
        self.recs, self.titles = recs, titles
        self.max_score = max([r.score for r in recs] + [1e-9])
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.recs)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        r = self.recs[index.row()]
        col = index.column()
        if role == self.PartsRole:
            return r.breakdown(), self.max_score
        if role == Qt.DisplayRole:
            return [str(index.row() + 1), self.titles.get(r.item_id, r.item_id),
                    f"{r.score:.3f}", None, r.explanation][col]
        if role == Qt.ToolTipRole:
            shares = r.shares()
            lines = [f"{name}: {shares[name]:.0%} of the score (raw {p.raw:.3f}, normalised "
                     f"{p.normalised:.3f} × weight {p.weight:g} = {p.contribution:.3f})"
                     for name, p in r.parts.items()]
            return "\n".join([f"Score {r.score:.3f} =", *lines, "", r.explanation])
        return None


class ContributionBar(QStyledItemDelegate):
    """Paints a score as segments, one per signal, in proportion to their contributions."""

    def paint(self, painter: QPainter, option, index) -> None:
        parts, max_score = index.data(QtRecommendationModel.PartsRole)
        rect = option.rect.adjusted(4, 5, -4, -5)
        painter.save()
        x = float(rect.left())
        for name, value in parts.items():
            if value <= 0:
                continue
            width = rect.width() * value / max_score
            painter.fillRect(QRect(int(x), rect.top(), max(1, round(width)), rect.height()),
                             SIGNAL_COLOURS.get(name, QColor("#999999")))
            x += width
        painter.restore()


class RecommendationList(QWidget):
    def __init__(self, title: str, parent=None):
        super().__init__(parent)
        self.heading = QLabel(title)
        self.model = QtRecommendationModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(3, ContributionBar(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.Interactive)
        header.setSectionResizeMode(4, QHeaderView.Stretch)
        self.table.setColumnWidth(0, 30)
        self.table.setColumnWidth(1, 220)
        self.table.setColumnWidth(3, 140)
        self.table.setToolTip("Hover a row for its score breakdown")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.table)


class UsersView(QWidget):
    """Visitors and their recommendations. Main thread only."""

    status = Signal(str)
    user_selected = Signal(str)

    def __init__(self, catalog: Catalog, jobs: JobRunner, parent=None):
        super().__init__(parent)
        self.catalog = catalog
        self.jobs = jobs
        self.filter = QLineEdit(placeholderText="Find a visitor…")
        self.filter.setToolTip("Type part of a visitor id")
        self.users_model = QStringListModel(catalog.visitors.ids(), self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.users_model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseInsensitive)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.users = QListView()
        self.users.setModel(self.proxy)
        self.users.setToolTip("Visitors with a history; select one")
        self.users.setEditTriggers(QAbstractItemView.NoEditTriggers)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.addWidget(self.filter)
        ll.addWidget(self.users)

        self.history = QTableWidget(0, 4)
        self.history.setHorizontalHeaderLabels(["When", "What", "Value", "Artwork"])
        self.history.horizontalHeader().setStretchLastSection(True)
        self.history.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.history.setToolTip("The selected visitor's history, newest first")

        self.profile = QComboBox()
        self.profile.setToolTip("Weight profile used for the list")
        self.compare = QComboBox()
        self.compare.setToolTip("Show a second profile's list side by side")
        self.reload_profiles()
        self.profile.currentIndexChanged.connect(self.recommend)
        self.compare.currentIndexChanged.connect(self.recommend)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Profile"))
        bar.addWidget(self.profile)
        bar.addWidget(QLabel("Compare with"))
        bar.addWidget(self.compare)
        legend = " ".join(f"<span style='color:{c.name()}'>■</span> {n}"
                          for n, c in SIGNAL_COLOURS.items())
        bar.addWidget(QLabel(legend))
        bar.addStretch(1)
        self.primary = RecommendationList("Recommendations")
        self.secondary = RecommendationList("Comparison")
        self.secondary.setVisible(False)
        lists = QSplitter()
        lists.addWidget(self.primary)
        lists.addWidget(self.secondary)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addWidget(QLabel("History"))
        rl.addWidget(self.history, 1)
        rl.addLayout(bar)
        rl.addWidget(lists, 3)

        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([200, 1000])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.users.selectionModel().currentChanged.connect(lambda *_: self.select_user())
        self.user_id: str | None = None

    def reload_profiles(self) -> None:
        names = [p.name for p in self.catalog.recommendations.profiles()]
        default = self.catalog.recommendations.profile().name
        if default not in names:
            names.insert(0, default)
        for box, extra in ((self.profile, []), (self.compare, [NO_COMPARE])):
            current = box.currentText()
            box.blockSignals(True)
            box.clear()
            box.addItems(extra + names)
            box.setCurrentText(current if current else (extra[0] if extra else default))
            box.blockSignals(False)

    def reload_users(self) -> None:
        self.users_model.setStringList(self.catalog.visitors.ids())

    def select_user(self, user_id: str | None = None) -> None:
        if user_id is None:
            index = self.users.currentIndex()
            if not index.isValid():
                return
            user_id = index.data()
        self.user_id = user_id
        self.user_selected.emit(user_id)
        events = self.catalog.visitors.history(user_id)
        self.history.setRowCount(len(events))
        for r, e in enumerate(events):
            value = "" if e["value"] is None else f"{e['value']:g}"
            for c, text in enumerate([e["ts"].strftime("%Y-%m-%d %H:%M"), e["kind"], value,
                                      e["title"] or e["artwork_id"]]):
                self.history.setItem(r, c, QTableWidgetItem(text))
        for c in range(3):  # time, kind and value on one line each; the title takes the rest
            self.history.resizeColumnToContents(c)
        self.recommend()

    def recommend(self) -> None:
        if not self.user_id:
            return
        user = self.user_id
        profile = self.profile.currentText() or None
        compare = self.compare.currentText()
        compare = None if compare in ("", NO_COMPARE) else compare
        self.secondary.setVisible(compare is not None)
        self.primary.heading.setText(f"Recommendations for {user} ({profile})")
        if compare:
            self.secondary.heading.setText(f"… with profile {compare}")

        def work(progress, cancel):
            first = self.catalog.recommendations.recommend(user, k=20, profile=profile)
            second = (self.catalog.recommendations.recommend(user, k=20, profile=compare)
                      if compare else [])
            ids = [r.item_id for r in first + second]
            titles = {a["id"]: a["title"] or a["id"] for a in self.catalog.artworks.get(ids)}
            return first, second, titles

        self.status.emit(f"Recommending for {user}…")
        self.jobs.submit(work, on_done=self._show, on_error=self.status.emit, key="users")

    def _show(self, result) -> None:
        first, second, titles = result
        self.primary.model.set_recommendations(first, titles)
        self.secondary.model.set_recommendations(second, titles)
        self.primary.table.resizeRowsToContents()
        self.secondary.table.resizeRowsToContents()
        self.status.emit(f"{len(first)} recommendations for {self.user_id}")
