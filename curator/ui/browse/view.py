"""The Browse tab: search, facets, a thumbnail grid or a table, and a detail panel."""

from __future__ import annotations

from PySide6.QtCore import QSettings, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QScrollArea,
    QSlider,
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
from .model import COLUMN_WIDTHS, TILE_COLUMN, QtArtworkModel

SORTS = [("Relevance", "relevance"), ("Title", "title"), ("Artist", "artist"),
         ("Date, oldest first", "date"), ("Date, newest first", "date_desc"),
         ("Recently added", "added")]
TILE_SIZES = (64, 320)  # the thumbnail slider's range, logical pixels
PREVIEW = 320           # the detail panel's picture
MAX_EXTRA_FACETS = 6
FACETS = (("artist", "artists", "Only works by this artist"),
          ("medium", "medium", "Only works whose medium contains this"),
          ("tag", "tags", "Only works with this subject"))


class YearSpin(QSpinBox):
    """A year, or "any" (the minimum); a step from "any" lands on ``start``, a real year."""

    def __init__(self, low: int, high: int, start: int, tip: str):
        super().__init__(minimum=low - 1, maximum=high, specialValueText="any")
        self.start = start
        self.setValue(self.minimum())
        self.setToolTip(tip)

    def year(self) -> int | None:
        return None if self.value() == self.minimum() else self.value()

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt API
        if self.value() == self.minimum() and steps > 0:
            self.setValue(self.start)
        else:
            super().stepBy(steps)


class BrowseView(QWidget):
    """Browse and search the collection. Main thread only."""

    status = Signal(str)

    def __init__(self, catalog: Catalog, jobs: JobRunner, parent=None,
                 settings: QSettings | None = None):
        super().__init__(parent)
        self.catalog = catalog
        self.jobs = jobs
        self.settings = settings
        self.model = QtArtworkModel(catalog, jobs, self)
        self.hits: list[str] | None = None   # a search's or "more like this" works, best first
        self.hit_scores: dict[str, float] = {}

        self.search = QLineEdit(placeholderText="Search titles, artists, subjects…")
        self.search.setToolTip("Type words and press Enter (Ctrl+F to come here)")
        self.mode = QComboBox()
        self.mode.addItems(["Hybrid", "Keyword", "Semantic"])
        self.mode.setToolTip("Hybrid: exact words and closeness in meaning together. "
                             "Keyword: whole words, best matches first. Semantic: closest in "
                             "meaning (uses the local language model). Works by an artist "
                             "you name come first, except in Semantic")
        self.sort = QComboBox()
        for label, order in SORTS:
            self.sort.addItem(label, order)
        self.sort.setToolTip("Order of the works: relevance applies to a search (otherwise "
                             "titles); titles sort without leading quotes and articles")
        self.view_mode = QComboBox()
        self.view_mode.addItems(["Grid", "Table"])
        self.view_mode.setToolTip("Show thumbnails or a table")
        self.size_slider = QSlider(Qt.Horizontal)
        self.size_slider.setRange(*TILE_SIZES)
        self.size_slider.setValue(TILE)
        self.size_slider.setFixedWidth(120)
        self.size_slider.setToolTip("Thumbnail size")
        self.count = QLabel()
        self.count.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        # Wide enough for any count, so the controls beside it never move.
        self.count.setFixedWidth(self.count.fontMetrics().horizontalAdvance(
            "0,000,000 best works") + 12)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.mode)
        top.addWidget(QLabel("Sort"))
        top.addWidget(self.sort)
        top.addWidget(self.view_mode)
        top.addWidget(self.size_slider)
        top.addWidget(self.count)

        self.artist = QComboBox(editable=True)
        self.medium = QComboBox(editable=True)
        self.tag = QComboBox(editable=True)
        for name, _field, tip in FACETS:
            self._facet_box(getattr(self, name), tip + " (the number of works in brackets)")
        self._fill_facets()
        lo, hi = catalog.artworks.year_bounds()
        lo, hi = (lo or 1000), (hi or 2100)
        self.year_from = YearSpin(lo, max(hi, 2100), lo, "Made in or after this year")
        self.year_to = YearSpin(lo, max(hi, 2100), hi, "Made in or before this year")
        for spin in (self.year_from, self.year_to):
            spin.editingFinished.connect(self.refresh)
        self.clear = QPushButton("Clear filters")
        self.clear.setToolTip("Show the whole collection again")
        self.clear.clicked.connect(self.clear_filters)
        facets = QWidget()
        self.facet_form = form = QFormLayout(facets)
        form.addRow("Artist", self.artist)
        form.addRow("Medium", self.medium)
        form.addRow("Subject", self.tag)
        form.addRow("From year", self.year_from)
        form.addRow("To year", self.year_to)
        form.addRow(self.clear)
        # Categorical extra fields (department, movement, ...) get a facet each.
        self.extra_facets: dict[str, QComboBox] = {}
        self._fill_extra_facets()

        self.grid = QListView()
        self.grid.setViewMode(QListView.IconMode)
        self.grid.setResizeMode(QListView.Adjust)
        self.grid.setUniformItemSizes(True)
        self.grid.setLayoutMode(QListView.Batched)
        self.grid.setBatchSize(200)
        self.grid.setWordWrap(True)
        self.grid.setModel(self.model)
        self.grid.setModelColumn(TILE_COLUMN)
        self.grid.setSelectionMode(QAbstractItemView.SingleSelection)
        self.grid.setToolTip("The collection; select a work to see its details")
        self.set_tile_size(TILE)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setColumnHidden(TILE_COLUMN, True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.setSectionsMovable(True)
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(40)
        for column, width in COLUMN_WIDTHS.items():
            self.table.setColumnWidth(column, width)
        self.table.setToolTip("The collection as a table; drag the column edges to resize, "
                              "the headers to reorder")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.grid)
        self.stack.addWidget(self.table)
        self.view_mode.currentIndexChanged.connect(self.stack.setCurrentIndex)

        self.picture = QLabel(alignment=Qt.AlignCenter)
        self.picture.setMinimumSize(PREVIEW // 2, PREVIEW // 2)
        self.details = QLabel(wordWrap=True, alignment=Qt.AlignTop | Qt.AlignLeft)
        self.details.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.details.setTextFormat(Qt.RichText)
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
        self._available = True  # the selected work's state, as the button shows it
        inner = QWidget()
        dl = QVBoxLayout(inner)
        dl.addWidget(self.picture)
        dl.addWidget(self.details, 1)
        self.detail_scroll = QScrollArea()
        self.detail_scroll.setWidgetResizable(True)
        self.detail_scroll.setWidget(inner)
        detail = QWidget()
        outer = QVBoxLayout(detail)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.detail_scroll, 1)
        outer.addWidget(self.more)
        outer.addWidget(self.looks)
        outer.addWidget(self.availability)
        for view in (self.grid, self.table):
            view.setContextMenuPolicy(Qt.CustomContextMenu)
            view.customContextMenuRequested.connect(
                lambda pos, v=view: self._context_menu(v, pos))

        facets.setMinimumWidth(180)
        facets.setMaximumWidth(320)
        detail.setMinimumWidth(220)
        detail.setMaximumWidth(PREVIEW + 60)
        self.split = QSplitter()
        self.split.addWidget(facets)
        self.split.addWidget(self.stack)
        self.split.addWidget(detail)
        self.split.setStretchFactor(0, 0)
        self.split.setStretchFactor(1, 1)
        self.split.setStretchFactor(2, 0)
        self.split.setSizes([240, 700, PREVIEW + 40])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.split, 1)

        self.search.returnPressed.connect(self.refresh)
        self.mode.currentIndexChanged.connect(self.refresh)
        self.sort.currentIndexChanged.connect(self.resort)
        self.size_slider.valueChanged.connect(self.set_tile_size)
        self.grid.selectionModel().currentChanged.connect(self._selected)
        self.table.selectionModel().currentChanged.connect(self._selected)
        self.model.modelReset.connect(self._list_changed)
        self.model.picture_ready.connect(self._picture_ready)
        self.selected_id: str | None = None
        self._restore_state()
        self.refresh()

    # -- state ----------------------------------------------------------------------------
    def _restore_state(self) -> None:
        if self.settings is None:
            return
        header = self.settings.value("browse/columns")
        if header is not None:
            self.table.horizontalHeader().restoreState(header)
        self.size_slider.setValue(int(self.settings.value("browse/tile_size", TILE) or TILE))
        self.sort.setCurrentIndex(max(0, self.sort.findData(
            self.settings.value("browse/sort", "relevance"))))
        self.view_mode.setCurrentIndex(int(self.settings.value("browse/view", 0) or 0))

    def save_state(self) -> None:
        """Remember the table's columns, the thumbnail size, the sort and the view."""
        if self.settings is None:
            return
        self.settings.setValue("browse/columns", self.table.horizontalHeader().saveState())
        self.settings.setValue("browse/tile_size", self.size_slider.value())
        self.settings.setValue("browse/sort", self.sort.currentData())
        self.settings.setValue("browse/view", self.view_mode.currentIndex())

    def set_tile_size(self, size: int) -> None:
        """Thumbnails ``size`` pixels wide (the slider)."""
        self.model.set_tile_size(size)
        self.grid.setIconSize(QSize(size, size))
        self.grid.setGridSize(QSize(size + 20, size + 44))

    # -- filters --------------------------------------------------------------------------
    def _fill_facets(self) -> None:
        """Each facet's values, most common first, with how many works have them."""
        for name, field, _tip in FACETS:
            box = getattr(self, name)
            chosen = box.currentText()
            box.blockSignals(True)
            box.clear()
            box.addItem("", None)
            for value, n in self.catalog.artworks.facet_values(field, limit=500):
                box.addItem(f"{value} ({n:,})", value)
            box.setCurrentIndex(0)
            box.setEditText(chosen)
            box.completer().setCompletionMode(QCompleter.PopupCompletion)
            box.completer().setFilterMode(Qt.MatchContains)
            box.blockSignals(False)

    def _facet_box(self, box: QComboBox, tip: str) -> QComboBox:
        """A facet's box: typed or chosen values filter at once; as narrow as the panel
        needs, so that a long value never squeezes the labels beside the boxes."""
        box.setInsertPolicy(QComboBox.NoInsert)
        box.lineEdit().setPlaceholderText("any")
        box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        box.setMinimumContentsLength(12)
        box.setToolTip(tip)
        box.activated.connect(self.refresh)
        box.lineEdit().returnPressed.connect(self.refresh)
        return box

    def _fill_extra_facets(self) -> None:
        """A facet for each categorical extra field, above the years, values as above."""
        typed = {name: box.currentText() for name, box in self.extra_facets.items()}
        for box in self.extra_facets.values():
            self.facet_form.removeRow(box)
        self.extra_facets = {}
        wanted = [f["name"] for f in self.catalog.artworks.extra_fields() if f["facet"]]
        for name in wanted[:MAX_EXTRA_FACETS]:
            box = self._facet_box(QComboBox(editable=True),
                                  f"Only works whose {field_label(name).lower()} is this "
                                  "(the number of works in brackets)")
            box.addItem("", None)
            for value, n in self.catalog.artworks.facet_values(name, limit=500):
                box.addItem(f"{value} ({n:,})", value)
            box.setEditText(typed.get(name, ""))
            box.completer().setCompletionMode(QCompleter.PopupCompletion)
            box.completer().setFilterMode(Qt.MatchContains)
            self.extra_facets[name] = box
            self.facet_form.insertRow(self.facet_form.rowCount() - 3, field_label(name), box)

    @staticmethod
    def facet_value(box: QComboBox) -> str | None:
        """The value a facet box filters by: a listed value without its count, or the text
        typed."""
        text = box.currentText().strip()
        at = box.findText(text)
        if at > 0:
            return box.itemData(at)
        return text or None

    def filters(self, with_text: bool = True) -> Filters:
        return Filters(artist=self.facet_value(self.artist),
                       medium=self.facet_value(self.medium),
                       tag=self.facet_value(self.tag),
                       year_from=self.year_from.year(), year_to=self.year_to.year(),
                       extra=tuple((name, value) for name, box in self.extra_facets.items()
                                   if (value := self.facet_value(box))),
                       text=(self.search.text().strip() or None) if with_text else None)

    def clear_filters(self) -> None:
        for box in (self.artist, self.medium, self.tag, *self.extra_facets.values()):
            box.setCurrentIndex(0)
            box.setEditText("")
        self.year_from.setValue(self.year_from.minimum())
        self.year_to.setValue(self.year_to.minimum())
        self.search.clear()
        self.refresh()

    def order(self) -> str:
        return self.sort.currentData()

    def refresh(self) -> None:
        text = self.search.text().strip()
        mode = self.mode.currentText().lower()
        if mode != "keyword" and text:
            self.status.emit(f"Searching for “{text}”…")
            self.jobs.start(Op.BROWSE_QUERY, operations.search, self.catalog, text,
                            self.filters(with_text=False), mode, on_done=self._show_hits,
                            on_error=self.status.emit)
            return
        self.hits = None
        self.hit_scores = {}
        self.resort()

    def resort(self) -> None:
        """List the works again in the chosen order (the core sorts them)."""
        if self.hits is not None:
            ids = self.catalog.artworks.find_ids(within=self.hits, order=self.order())
            self.model.set_ids(ids, self.hit_scores)
            self.count.setText(f"{len(ids):,} best works")
            return
        ids = self.catalog.artworks.find_ids(self.filters(), order=self.order())
        self.model.set_ids(ids)
        self.count.setText(f"{len(ids):,} works")

    def apply_changes(self, changes) -> None:
        """Redraw after a change to the artworks or their vectors; ignore the rest."""
        if changes.artworks:
            self._fill_facets()
            self._fill_extra_facets()
        if changes.artworks or changes.vectors or changes.images:
            self.refresh()

    def _show_hits(self, hits) -> None:
        self.hits = [h.id for h in hits]
        self.hit_scores = {h.id: h.score for h in hits}
        self.resort()
        self.status.emit(getattr(hits, "notice", None) or f"{len(hits)} best works")

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
        """Mark the selected work unavailable, or available again (in the background; the
        change record then refreshes the views)."""
        if not self.selected_id or not self.availability.isEnabled():
            return
        artwork_id, available = self.selected_id, not self._available
        row = self.model.position(artwork_id)
        title = self.model.row(row).get("title") if row is not None else None
        self.availability.setEnabled(False)  # until this change is stored

        def done(changes) -> None:
            self.model.forget(artwork_id)
            if artwork_id == self.selected_id:
                self._show_availability(available)
            state = "available" if available else "unavailable; recommendations leave it out"
            self.status.emit(f"{title or artwork_id} is now {state}.")

        def failed(message: str) -> None:
            if artwork_id == self.selected_id:
                self._show_availability(self._available)
            self.status.emit(message)

        self.jobs.start(Op.SET_AVAILABLE, operations.set_available, self.catalog, [artwork_id],
                        available, on_done=done, on_error=failed)

    def _show_availability(self, available: bool) -> None:
        self._available = available
        self.availability.setEnabled(True)
        self.availability.setText("Mark unavailable" if available else "Mark available again")

    # -- details ----------------------------------------------------------------------------
    def _list_changed(self) -> None:
        """After a new list: keep the selected work selected, or clear the panel when it is
        no longer there."""
        if self.selected_id is None:
            return
        row = self.model.position(self.selected_id)
        if row is None:
            self.clear_details()
            return
        for view, column in ((self.grid, TILE_COLUMN), (self.table, 1)):
            view.selectionModel().blockSignals(True)
            view.setCurrentIndex(self.model.index(row, column))
            view.selectionModel().blockSignals(False)

    def clear_details(self) -> None:
        self.selected_id = None
        self.picture.clear()
        self.details.clear()
        for button in (self.more, self.looks, self.availability):
            button.setEnabled(False)

    def _picture_ready(self, artwork_id: str) -> None:
        if artwork_id == self.selected_id:
            rec = self.catalog.artworks.one(artwork_id)
            if rec is not None:
                self.picture.setPixmap(self.model.picture(rec, PREVIEW))

    def _selected(self, current, _previous=None) -> None:
        if not current.isValid():
            return
        rec = self.model.row(current.row())
        self.selected_id = rec["id"]
        self.more.setEnabled(True)
        self.looks.setEnabled(bool(rec.get("image_path")))
        self._show_availability(rec.get("available", True))
        self.picture.setPixmap(self.model.picture(rec, PREVIEW))
        self.details.setText(details_html(rec, self.catalog.artworks.record(rec["id"])))


def details_html(rec: dict, record: dict) -> str:
    """Every field of a work: the curated ones, then the source record as imported."""
    artists = ", ".join(rec.get("artists") or []) or "Unknown artist"
    years = ""
    if rec.get("year_start") is not None:
        years = str(rec["year_start"]) if rec.get("year_end") in (None, rec["year_start"]) \
            else f"{rec['year_start']}–{rec['year_end']}"
    fields = [("Date", rec.get("date_text")), ("Years", years), ("Medium", rec.get("medium")),
              ("Classification", rec.get("classification")),
              ("Subjects", ", ".join(rec.get("tags") or [])),
              ("Description", rec.get("description")), ("Image", rec.get("image_path")),
              *((field_label(k), v) for k, v in rec.get("extra") or []),
              ("Availability", "" if rec.get("available", True) else
               "Unavailable (left out of recommendations)"), ("Id", rec["id"])]
    rows = "".join(f"<tr><td><b>{_esc(k)}</b></td><td>{_esc(str(v))}</td></tr>"
                   for k, v in fields if v)
    source = "".join(f"<tr><td>{_esc(str(k))}</td><td>{_esc(_text(v))}</td></tr>"
                     for k, v in record.items() if v not in (None, "", [], {}))
    return (f"<h3>{_esc(rec.get('title') or '(untitled)')}</h3><p><b>{_esc(artists)}</b></p>"
            f"<table cellspacing='2'>{rows}</table>"
            + (f"<p><b>Source record</b></p><table cellspacing='2'>{source}</table>"
               if source else ""))


def field_label(name: str) -> str:
    """An extra field's name as a label: credit_line -> Credit line."""
    return name.replace("_", " ").capitalize()


def _text(value) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    return str(value)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
