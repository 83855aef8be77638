"""The Visitors tab: a searchable list, a visitor's history, and their recommendations as
rows a curator can read (picture, title, artist, date, share bars, explanation), a brief,
a second profile side by side with what moved, and the list exported or printed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSortFilterProxyModel, QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...core.catalog import Catalog
from ...core.errors import CuratorError
from ...core.recommend.export import export_rows
from ..jobs import JobRunner
from ..operations import (
    ListRequest,
    Op,
    VisitorLists,
    visitor_lists,
    write_list,
)
from .printing import list_document, save_pdf
from .recommendations import (
    SIGNAL_COLOURS,
    ContributionBar,
    QtRecommendationModel,
    RecommendationList,
    moves_for,
)

__all__ = ["ContributionBar", "QtRecommendationModel", "RecommendationList", "UsersView"]

NO_COMPARE = "— no comparison —"
EXPORTS = {"pdf": ("PDF document (*.pdf)", ".pdf"), "csv": ("CSV spreadsheet (*.csv)", ".csv"),
           "xlsx": ("Excel workbook (*.xlsx)", ".xlsx")}


class UsersView(QWidget):
    """Visitors and their recommendations. Main thread only."""

    status = Signal(str)
    user_selected = Signal(str)
    open_artwork = Signal(str)  # double-click on a recommendation: show it in Browse

    def __init__(self, catalog: Catalog, jobs: JobRunner, parent=None):
        super().__init__(parent)
        self.catalog = catalog
        self.jobs = jobs
        self.shown: VisitorLists | None = None
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
        self.compare.setToolTip("Show a second profile's list side by side, with what moved")
        self.reload_profiles()
        self.profile.currentIndexChanged.connect(self.recommend)
        self.compare.currentIndexChanged.connect(self.recommend)
        self.brief = QLineEdit(placeholderText="A curator's brief, e.g. “storms at sea for a "
                                               "maritime show” (Enter to apply)")
        self.brief.setClearButtonEnabled(True)
        self.brief.setToolTip("Free text the list should also match; with no visitor "
                              "selected, a list for a new visitor from the brief alone")
        self.brief.returnPressed.connect(self.recommend)
        self.brief.textChanged.connect(lambda text: None if text else self.recommend())
        self.brief_note = QLabel(wordWrap=True)
        self.brief_note.setVisible(False)
        self.export_button = QToolButton(text="Export")
        self.export_button.setToolTip("Save this visitor's list as PDF, CSV or Excel")
        self.export_button.setPopupMode(QToolButton.InstantPopup)
        menu = QMenu(self.export_button)
        for kind, label in (("pdf", "PDF…"), ("csv", "CSV…"), ("xlsx", "Excel (XLSX)…")):
            menu.addAction(label, lambda kind=kind: self.export_list(kind))
        self.export_button.setMenu(menu)
        self.print_button = QPushButton("Print…")
        self.print_button.setToolTip("Print this visitor's list")
        self.print_button.clicked.connect(self.print_list)
        for button in (self.export_button, self.print_button):
            button.setEnabled(False)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Profile"))
        bar.addWidget(self.profile)
        bar.addWidget(QLabel("Compare with"))
        bar.addWidget(self.compare)
        legend = " ".join(f"<span style='color:{c.name()}'>■</span> {n}"
                          for n, c in SIGNAL_COLOURS.items())
        bar.addWidget(QLabel(legend))
        bar.addStretch(1)
        bar.addWidget(self.export_button)
        bar.addWidget(self.print_button)
        brief_row = QHBoxLayout()
        brief_row.addWidget(QLabel("Brief"))
        brief_row.addWidget(self.brief, 1)
        self.primary = RecommendationList("Recommendations")
        self.secondary = RecommendationList("Comparison")
        self.secondary.setVisible(False)
        for side in (self.primary, self.secondary):
            side.open_artwork.connect(self.open_artwork)
        self.moved = QLabel()
        self.moved.setVisible(False)
        lists = QSplitter()
        lists.addWidget(self.primary)
        lists.addWidget(self.secondary)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addWidget(QLabel("History"))
        rl.addWidget(self.history, 1)
        rl.addLayout(bar)
        rl.addLayout(brief_row)
        rl.addWidget(self.brief_note)
        rl.addWidget(self.moved)
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
        """Ask for the selected visitor's list (and the comparison) in the background."""
        user = self.user_id
        brief = self.brief.text().strip()
        if not user and not brief:
            return
        profile = self.profile.currentText() or None
        compare = self.compare.currentText()
        compare = None if compare in ("", NO_COMPARE) else compare
        comparing = compare is not None
        self.secondary.setVisible(comparing)
        self.moved.setVisible(comparing)
        for side in (self.primary, self.secondary):
            side.set_comparing(comparing)
        who = user or "a new visitor"
        self.primary.heading.setText(f"A: {who} ({profile})" if comparing
                                     else f"Recommendations for {who} ({profile})")
        if comparing:
            self.secondary.heading.setText(f"B: {who} ({compare})")
        request = ListRequest(user, profile, compare, brief)
        self.status.emit(f"Recommending for {who}…")
        self.jobs.start(Op.USERS, visitor_lists, self.catalog, request, on_done=self._show,
                        on_error=self._failed)

    def _failed(self, message: str) -> None:
        self.brief_note.setText(message)
        self.brief_note.setVisible(True)
        self.status.emit(message)

    def _show(self, shown: VisitorLists) -> None:
        self.shown = shown
        compare = shown.request.compare
        moves_a, moves_b, moves = moves_for(shown.first, shown.second)
        self.primary.model.set_recommendations(shown.first, shown.artworks, shown.thumbs,
                                               moves_a if compare else None)
        self.secondary.model.set_recommendations(shown.second, shown.artworks, shown.thumbs,
                                                 moves_b)
        self.moved.setText(moves.summary() if compare else "")
        self.brief_note.setText(shown.note)
        self.brief_note.setVisible(bool(shown.note))
        for button in (self.export_button, self.print_button):
            button.setEnabled(bool(shown.first))
        who = shown.request.user or "a new visitor"
        self.status.emit(f"{len(shown.first)} recommendations for {who}")

    # -- export and print -----------------------------------------------------------------
    def _heading(self) -> str:
        shown, request = self.shown, self.shown.request
        who = f"visitor {request.user}" if request.user else "a new visitor"
        text = f"Recommendations for {who} (profile {request.profile})"
        return text + (f", brief “{request.brief}”" if request.brief and not shown.note else "")

    def _rows(self) -> list[dict]:
        return export_rows(self.shown.request.user, self.shown.first, self.shown.artworks)

    def document(self):
        """The list shown (profile A) as a printable document. Main thread only."""
        model = self.primary.model
        pictures = {model.item_id(r): model.picture(r).toImage() for r in range(model.rowCount())}
        return list_document(self._heading(), self._rows(), pictures, self.shown.note)

    def export_list(self, kind: str, path: str | None = None) -> None:
        """Save the list shown as ``pdf``, ``csv`` or ``xlsx``; asks where unless ``path``."""
        if self.shown is None or not self.shown.first:
            return
        pattern, suffix = EXPORTS[kind]
        if path is None:
            name = f"recommendations-{self.shown.request.user or 'brief'}{suffix}"
            path, _ = QFileDialog.getSaveFileName(self, "Export the list", name, pattern)
            if not path:
                return
            if not path.lower().endswith(suffix):
                path += suffix
        if kind == "pdf":
            try:
                save_pdf(self.document(), path)
            except CuratorError as exc:
                self.status.emit(str(exc))
                return
            self.status.emit(f"Saved the list as {path}.")
            return
        self.jobs.start(Op.USERS_EXPORT, write_list, Path(path), self._rows(),
                        on_done=lambda written: self.status.emit(f"Saved the list as {written}."),
                        on_error=self.status.emit)

    def print_list(self) -> None:
        """Print the list shown, through the system's print dialog."""
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        if self.shown is None or not self.shown.first:
            return
        printer = QPrinter(QPrinter.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print the list")
        if dialog.exec() != QDialog.Accepted:
            return
        self.document().print_(printer)
        self.status.emit("Sent the list to the printer.")
