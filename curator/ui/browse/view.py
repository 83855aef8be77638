"""The Browse tab: search, facets, a thumbnail grid or a table, and a detail panel."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...core.catalog import Catalog
from ...core.embedding.search import Filters
from .. import operations
from ..jobs import JobRunner
from ..operations import Op
from ..widgets.tiles import TILE
from .model import TILE_COLUMN, QtArtworkModel

ANY_YEAR = -10_000


class BrowseView(QWidget):
    """Browse and search the collection. Main thread only."""

    status = Signal(str)

    def __init__(self, catalog: Catalog, jobs: JobRunner, parent=None):
        super().__init__(parent)
        self.catalog = catalog
        self.jobs = jobs
        self.model = QtArtworkModel(catalog, jobs, self)

        self.search = QLineEdit(placeholderText="Search titles, artists, subjects…")
        self.search.setToolTip("Type words and press Enter (Ctrl+F to come here)")
        self.mode = QComboBox()
        self.mode.addItems(["Hybrid", "Keyword", "Semantic"])
        self.mode.setToolTip("Hybrid: exact words and closeness in meaning together. "
                             "Keyword: whole words, best matches first. Semantic: closest in "
                             "meaning (uses the local language model). Works by an artist "
                             "you name come first, except in Semantic")
        self.view_mode = QComboBox()
        self.view_mode.addItems(["Grid", "Table"])
        self.view_mode.setToolTip("Show thumbnails or a table")
        self.count = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.mode)
        top.addWidget(self.view_mode)
        top.addWidget(self.count)

        self.artist = QComboBox(editable=True)
        self.medium = QComboBox(editable=True)
        self.tag = QComboBox(editable=True)
        for box, field, tip in ((self.artist, "artists", "Only works by this artist"),
                                (self.medium, "medium", "Only works whose medium contains this"),
                                (self.tag, "tags", "Only works with this subject")):
            box.addItem("")
            box.addItems([v for v, _ in catalog.artworks.facet_values(field, limit=500)])
            box.completer().setCompletionMode(QCompleter.PopupCompletion)
            box.completer().setFilterMode(Qt.MatchContains)
            box.setToolTip(tip)
            box.setCurrentIndex(0)
            box.activated.connect(self.refresh)
            box.lineEdit().returnPressed.connect(self.refresh)
        lo, hi = catalog.artworks.year_bounds()
        self.year_from = QSpinBox(minimum=ANY_YEAR, maximum=3000, specialValueText="any")
        self.year_to = QSpinBox(minimum=ANY_YEAR, maximum=3000, specialValueText="any")
        for spin, tip in ((self.year_from, "Made in or after this year"),
                          (self.year_to, "Made in or before this year")):
            spin.setValue(ANY_YEAR)
            spin.setToolTip(tip)
            spin.editingFinished.connect(self.refresh)
        self.clear = QPushButton("Clear filters")
        self.clear.setToolTip("Show the whole collection again")
        self.clear.clicked.connect(self.clear_filters)
        facets = QWidget()
        form = QFormLayout(facets)
        form.addRow("Artist", self.artist)
        form.addRow("Medium", self.medium)
        form.addRow("Subject", self.tag)
        form.addRow(f"From year ({lo or '?'})", self.year_from)
        form.addRow(f"To year ({hi or '?'})", self.year_to)
        form.addRow(self.clear)

        self.grid = QListView()
        self.grid.setViewMode(QListView.IconMode)
        self.grid.setResizeMode(QListView.Adjust)
        self.grid.setUniformItemSizes(True)
        self.grid.setLayoutMode(QListView.Batched)
        self.grid.setBatchSize(200)
        self.grid.setIconSize(QSize(TILE, TILE))
        self.grid.setGridSize(QSize(TILE + 20, TILE + 44))
        self.grid.setWordWrap(True)
        self.grid.setModel(self.model)
        self.grid.setModelColumn(TILE_COLUMN)
        self.grid.setSelectionMode(QAbstractItemView.SingleSelection)
        self.grid.setToolTip("The collection; select a work to see its details")
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setColumnHidden(TILE_COLUMN, True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setToolTip("The collection as a table")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.grid)
        self.stack.addWidget(self.table)
        self.view_mode.currentIndexChanged.connect(self.stack.setCurrentIndex)

        self.picture = QLabel(alignment=Qt.AlignCenter)
        self.picture.setMinimumHeight(TILE)
        self.details = QLabel(wordWrap=True, alignment=Qt.AlignTop | Qt.AlignLeft)
        self.details.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.more = QPushButton("More like this")
        self.more.setToolTip("Find works closest in meaning to the selected one")
        self.more.setEnabled(False)
        self.more.clicked.connect(self.more_like_this)
        self.looks = QPushButton("Visually similar")
        self.looks.setToolTip("Find works whose images look like the selected one's")
        self.looks.setEnabled(False)
        self.looks.clicked.connect(self.visually_similar)
        self.availability = QPushButton("Mark unavailable")
        self.availability.setToolTip("On loan or in conservation: recommendations leave "
                                     "unavailable works out (click again to undo)")
        self.availability.setEnabled(False)
        self.availability.clicked.connect(self.toggle_available)
        detail = QWidget()
        dl = QVBoxLayout(detail)
        dl.addWidget(self.picture)
        dl.addWidget(self.details, 1)
        dl.addWidget(self.more)
        dl.addWidget(self.looks)
        dl.addWidget(self.availability)
        for view in (self.grid, self.table):
            view.setContextMenuPolicy(Qt.CustomContextMenu)
            view.customContextMenuRequested.connect(
                lambda pos, v=view: self._context_menu(v, pos))

        facets.setMaximumWidth(300)
        detail.setMaximumWidth(360)
        split = QSplitter()
        split.addWidget(facets)
        split.addWidget(self.stack)
        split.addWidget(detail)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setStretchFactor(2, 0)
        split.setSizes([260, 900, 320])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)

        self.search.returnPressed.connect(self.refresh)
        self.mode.currentIndexChanged.connect(self.refresh)
        self.grid.selectionModel().currentChanged.connect(self._selected)
        self.table.selectionModel().currentChanged.connect(self._selected)
        self.selected_id: str | None = None
        self.refresh()

    # -- filters --------------------------------------------------------------------------
    def filters(self, with_text: bool = True) -> Filters:
        def year(spin: QSpinBox) -> int | None:
            return None if spin.value() == ANY_YEAR else spin.value()

        return Filters(artist=self.artist.currentText().strip() or None,
                       medium=self.medium.currentText().strip() or None,
                       tag=self.tag.currentText().strip() or None,
                       year_from=year(self.year_from), year_to=year(self.year_to),
                       text=(self.search.text().strip() or None) if with_text else None)

    def clear_filters(self) -> None:
        for box in (self.artist, self.medium, self.tag):
            box.setCurrentIndex(0)
            box.setEditText("")
        self.year_from.setValue(ANY_YEAR)
        self.year_to.setValue(ANY_YEAR)
        self.search.clear()
        self.refresh()

    def refresh(self) -> None:
        text = self.search.text().strip()
        mode = self.mode.currentText().lower()
        if mode != "keyword" and text:
            self.status.emit(f"Searching for “{text}”…")
            self.jobs.start(Op.BROWSE_QUERY, operations.search, self.catalog, text,
                            self.filters(with_text=False), mode, on_done=self._show_hits,
                            on_error=self.status.emit)
            return
        if text:  # keyword matches, by relevance: off the main thread
            self.jobs.start(Op.BROWSE_QUERY, operations.find_ids, self.catalog, self.filters(),
                            on_done=self._show_ids, on_error=self.status.emit)
            return
        self._show_ids(self.catalog.artworks.find_ids(self.filters()))

    def _show_ids(self, ids: list[str]) -> None:
        self.model.set_ids(ids)
        self.count.setText(f"{len(ids):,} works")

    def apply_changes(self, changes) -> None:
        """Redraw after a change to the artworks or their vectors; ignore the rest."""
        if changes.artworks or changes.vectors or changes.images:
            self.refresh()

    def _show_hits(self, hits) -> None:
        self.model.set_ids([h.id for h in hits], {h.id: h.score for h in hits})
        mode = getattr(hits, "mode", None)
        what = "closest works" if mode in (None, "semantic") else "best matches"
        self.count.setText(f"{len(hits):,} {what}")
        self.status.emit(getattr(hits, "notice", None) or f"{len(hits)} {what}")

    def more_like_this(self) -> None:
        if not self.selected_id:
            return
        artwork_id = self.selected_id
        self.status.emit("Finding similar works…")
        self.jobs.start(Op.BROWSE_QUERY, operations.similar, self.catalog, artwork_id,
                        self.filters(with_text=False), on_done=self._show_hits,
                        on_error=self.status.emit)

    def visually_similar(self) -> None:
        if not self.selected_id:
            return
        artwork_id = self.selected_id
        self.jobs.start(Op.BROWSE_QUERY, operations.visually_similar, self.catalog, artwork_id,
                        self.filters(with_text=False), on_done=self._show_hits,
                        on_error=self.status.emit)

    def _context_menu(self, view, pos) -> None:
        index = view.indexAt(pos)
        if not index.isValid():
            return
        view.setCurrentIndex(index)
        menu = QMenu(self)
        menu.addAction("More like this", self.more_like_this)
        menu.addAction(self.availability.text(), self.toggle_available)
        menu.exec(view.viewport().mapToGlobal(pos))

    def toggle_available(self) -> None:
        """Mark the selected work unavailable, or available again."""
        if not self.selected_id:
            return
        rec = self.catalog.artworks.one(self.selected_id) or {}
        available = not rec.get("available", True)
        self.catalog.artworks.set_available([self.selected_id], available)
        self.model.forget(self.selected_id)
        self._show_availability(available)
        state = "available" if available else "unavailable; recommendations leave it out"
        self.status.emit(f"{rec.get('title') or self.selected_id} is now {state}.")

    def _show_availability(self, available: bool) -> None:
        self.availability.setEnabled(True)
        self.availability.setText("Mark unavailable" if available else "Mark available again")

    # -- details ----------------------------------------------------------------------------
    def _selected(self, current, _previous=None) -> None:
        if not current.isValid():
            return
        rec = self.model.row(current.row())
        self.selected_id = rec["id"]
        self.more.setEnabled(True)
        self.looks.setEnabled(bool(rec.get("image_path")))
        self._show_availability(rec.get("available", True))
        self.picture.setPixmap(self.model.picture(rec))
        artists = ", ".join(rec.get("artists") or []) or "Unknown artist"
        tags = ", ".join(rec.get("tags") or [])
        rows = [f"<h3>{_esc(rec.get('title') or '(untitled)')}</h3>",
                f"<b>{_esc(artists)}</b>", _esc(rec.get("date_text") or ""),
                _esc(rec.get("medium") or ""), _esc(rec.get("classification") or ""),
                f"<i>{_esc(rec.get('description') or '')}</i>",
                f"Subjects: {_esc(tags)}" if tags else "",
                "" if rec.get("available", True) else "<b>Unavailable</b> (left out of "
                "recommendations)", f"<small>{_esc(rec['id'])}</small>"]
        self.details.setText("<br>".join(r for r in rows if r))


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
