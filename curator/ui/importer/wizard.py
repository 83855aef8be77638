"""The import wizard: pick a file, preview it, review the column mapping, see what would be
rejected, then import (and embed) with progress and cancel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from ...core.catalog import Catalog
from ...core.importing.common import write_reject_rows
from ...core.importing.mapping import Mapping
from .. import operations
from ..jobs import JobRunner
from ..operations import ImportRequest, Op

NOT_MAPPED = "(not in this file)"


class ImportWizard(QWizard):
    """Main thread only. Emits ``imported`` with the import result when it lands."""

    imported = Signal(object)

    def __init__(self, catalog: Catalog, jobs: JobRunner, kind: str = "catalog", parent=None):
        super().__init__(parent)
        self.catalog, self.jobs = catalog, jobs
        self.setWindowTitle("Import")
        self.resize(960, 720)
        self.choose = ChoosePage(kind)
        self.mapping_page = MappingPage(self)
        self.report = ReportPage(self)
        self.run_page = RunPage(self)
        for page in (self.choose, self.mapping_page, self.report, self.run_page):
            self.addPage(page)
        self.setOption(QWizard.NoBackButtonOnLastPage, True)

    def kind(self) -> str:
        return self.choose.kind()

    def path(self) -> Path:
        return Path(self.choose.file.text())

    def mapping(self) -> Mapping:
        return self.mapping_page.mapping()

    def request(self) -> ImportRequest:
        """What to import, read off the pages (main thread; the job gets this copy)."""
        return ImportRequest(kind=self.kind(), path=self.path(), mapping=self.mapping(),
                             skip_invalid=self.report.skip.isChecked(),
                             new_users=self.choose.new_users.isChecked())


class ChoosePage(QWizardPage):
    def __init__(self, kind: str):
        super().__init__()
        self.setTitle("Choose a file")
        self.setSubTitle("CSV, TSV, JSON, JSON Lines or Parquet (optionally .gz), Excel or "
                         "OpenDocument workbooks, LIDO XML")
        self.catalog_button = QRadioButton("Artwork catalog")
        self.events_button = QRadioButton("Visitor histories")
        self.users_button = QRadioButton("Visitor list")
        self.catalog_button.setToolTip("Artworks: ids, titles, artists, dates, subjects…")
        self.events_button.setToolTip("Events: visitor, artwork, kind, value, time")
        self.users_button.setToolTip("People: one visitor or collector id per row (only the ids "
                                     "are kept). Once a list is in, histories naming anyone "
                                     "else are refused.")
        self.new_users = QCheckBox("Accept visitors who are not on the visitor list")
        self.new_users.setToolTip("Without this, a history naming someone the database does "
                                  "not know is refused when a visitor list was imported")
        group = QButtonGroup(self)
        self.buttons = {"catalog": self.catalog_button, "events": self.events_button,
                        "users": self.users_button}
        for button in self.buttons.values():
            group.addButton(button)
            button.toggled.connect(self._kind_changed)
        self.buttons.get(kind, self.catalog_button).setChecked(True)
        self.file = QLineEdit()
        self.file.setToolTip("The file to import")
        browse = QPushButton("Browse…")
        browse.setToolTip("Pick the file")
        browse.clicked.connect(self._browse)
        self.images = QLineEdit()
        self.images.setToolTip("Optional: a folder whose image files are named in the catalog")
        pick_images = QPushButton("Folder…")
        pick_images.setToolTip("Pick the images folder")
        pick_images.clicked.connect(self._browse_images)
        row = QHBoxLayout()
        row.addWidget(self.file)
        row.addWidget(browse)
        irow = QHBoxLayout()
        irow.addWidget(self.images)
        irow.addWidget(pick_images)
        form = QFormLayout(self)
        form.addRow(self.catalog_button)
        form.addRow(self.events_button)
        form.addRow(self.users_button)
        form.addRow(self.new_users)
        form.addRow("File", row)
        form.addRow("Images folder", irow)
        self.file.textChanged.connect(self.completeChanged)
        self._kind_changed()

    def kind(self) -> str:
        return next(k for k, b in self.buttons.items() if b.isChecked())

    def _kind_changed(self) -> None:
        self.new_users.setEnabled(self.events_button.isChecked())

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Import file", "",
                                              "Data files (*.csv *.tsv *.txt *.json *.jsonl "
                                              "*.parquet *.gz *.xlsx *.xlsm *.xls *.ods *.xml)"
                                              ";;All files (*)")
        if name:
            self.file.setText(name)

    def _browse_images(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Images folder")
        if folder:
            self.images.setText(folder)

    def isComplete(self) -> bool:  # noqa: N802 - Qt API
        return Path(self.file.text()).is_file()

    def validatePage(self) -> bool:  # noqa: N802 - Qt API
        wizard: ImportWizard = self.wizard()
        if self.images.text().strip():
            folder = Path(self.images.text().strip())
            if not folder.is_dir():
                wizard.mapping_page.error.setText(f"{folder} is not a folder.")
                return False
            wizard.catalog.embeddings.set_images_root(folder)
        return True


class MappingPage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self.w = wizard
        self.setTitle("Preview and column mapping")
        self.setSubTitle("Check which column feeds each field; change any that are wrong.")
        self.preview = QTableWidget()
        self.preview.setToolTip("The first rows as Curator reads them")
        self.form = QFormLayout()
        self.boxes: dict[str, QComboBox] = {}
        self.extra_label = QLabel("Other columns, kept as extra fields (rename one, or add a "
                                  "field fed by any column):")
        self.extras = QTableWidget(0, 2)
        self.extras.setHorizontalHeaderLabels(["Extra field", "Source column"])
        self.extras.horizontalHeader().setStretchLastSection(True)
        self.extras.setToolTip("Fields beyond the built-in ones: shown in the details, "
                               "searchable, usable in the embedding text, facets when few values")
        self.add_extra = QPushButton("Add extra field")
        self.add_extra.setToolTip("Keep a source column under a field name of your choice")
        self.add_extra.clicked.connect(lambda: self._add_extra_row("", ""))
        self.error = QLabel(wordWrap=True)
        self.error.setStyleSheet("color: #b00020")
        self.info = QLabel()
        self._columns: list[str] = []
        self.ready = False
        layout = QVBoxLayout(self)
        layout.addWidget(self.info)
        layout.addWidget(self.preview, 2)
        layout.addLayout(self.form)
        layout.addWidget(self.extra_label)
        layout.addWidget(self.extras, 1)
        layout.addWidget(self.add_extra, alignment=Qt.AlignLeft)
        layout.addWidget(self.error)

    def initializePage(self) -> None:  # noqa: N802 - Qt API
        self.error.clear()
        for box in self.boxes.values():
            box.deleteLater()
        while self.form.rowCount():
            self.form.removeRow(0)
        self.boxes = {}
        self.ready = False
        self.info.setText("Reading the file…")
        self.preview.clear()
        self.preview.setRowCount(0)
        self.preview.setColumnCount(0)
        self.w.jobs.start(Op.IMPORT_PREVIEW, operations.preview_file, self.w.catalog,
                          self.w.path(), self.w.kind(), on_done=self._show,
                          on_error=self._failed)

    def _failed(self, message: str) -> None:
        self.info.clear()
        self.error.setText(message)

    def _show(self, p: dict) -> None:
        self.info.setText(f"{p['file']}: {p['rows']:,} rows, read as {p['encoding']}")
        self.preview.setColumnCount(len(p["columns"]))
        self.preview.setHorizontalHeaderLabels(p["columns"])
        self.preview.setRowCount(len(p["head"]))
        for r, row in enumerate(p["head"]):
            for c, value in enumerate(row):
                self.preview.setItem(r, c, QTableWidgetItem("" if value is None else str(value)))
        for field in p["fields"]:
            box = QComboBox()
            box.addItems([NOT_MAPPED, *p["source_columns"]])
            box.setCurrentText(p["mapping"].get(field, NOT_MAPPED))
            box.setToolTip(f"The source column for {field}")
            self.boxes[field] = box
            self.form.addRow(field, box)
        self._columns = list(p["source_columns"])
        self.extras.setRowCount(0)
        for name, column in p["extra"].items():
            self._add_extra_row(name, column)
        catalog = self.w.kind() == "catalog"
        for widget in (self.extra_label, self.extras, self.add_extra):
            widget.setVisible(catalog)
        self.ready = True
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 - Qt API
        return self.ready

    def _add_extra_row(self, name: str, column: str) -> None:
        row = self.extras.rowCount()
        self.extras.insertRow(row)
        self.extras.setItem(row, 0, QTableWidgetItem(name))
        box = QComboBox()
        box.addItems(self._columns)
        if column:
            box.setCurrentText(column)
        self.extras.setCellWidget(row, 1, box)

    def mapping(self) -> Mapping:
        columns = {f: b.currentText() for f, b in self.boxes.items()
                   if b.currentText() != NOT_MAPPED}
        extra = {}
        if self.w.kind() == "catalog":
            for row in range(self.extras.rowCount()):
                item = self.extras.item(row, 0)
                name = item.text().strip() if item else ""
                column = self.extras.cellWidget(row, 1).currentText()
                if name and column and column not in columns.values():
                    extra[name] = column
        return Mapping(columns=columns, extra=extra)

    def validatePage(self) -> bool:  # noqa: N802 - Qt API
        return self.ready and not self.error.text()


class ReportPage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self.w = wizard
        self.setTitle("Validation report")
        self.summary = QLabel(wordWrap=True)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Row", "Field", "Value", "Reason"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setToolTip("Rows that would be rejected, and dates kept as text only")
        self.export = QPushButton("Export rejects…")
        self.export.setToolTip("Save the rejected rows and the date notes as CSV")
        self.export.clicked.connect(self._export)
        self.skip = QRadioButton("Import the valid rows and skip the rejected ones")
        self.skip.setToolTip("Otherwise nothing is imported while any row is rejected")
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.export)
        layout.addWidget(self.skip)
        self.result = None
        self.done = False

    def initializePage(self) -> None:  # noqa: N802 - Qt API
        self.done = False
        self.result = None
        self.summary.setText("Checking every row…")
        self.table.setRowCount(0)
        self.w.jobs.start(Op.IMPORT_CHECK, operations.run_import, self.w.catalog,
                          self.w.request(), True, on_done=self._checked, on_error=self._failed)

    def _checked(self, changes) -> None:
        result = self.result = changes.detail
        self.done = True
        self.summary.setText(
            f"{result.rows:,} rows: {result.inserted:,} new, {result.updated:,} updated, "
            f"{result.unchanged:,} unchanged, {result.rejected:,} rejected."
            + (f" {result.text_only_dates:,} dates will be kept as text only (no years)."
               if result.text_only_dates else "")
            + (" Nothing will be imported unless you choose to skip them."
               if result.rejected else ""))
        listed = [*result.rejects, *result.notes]
        self.table.setRowCount(len(listed))
        for r, rej in enumerate(listed):
            for c, v in enumerate([str(rej.row), rej.field, rej.value or "", rej.reason]):
                self.table.setItem(r, c, QTableWidgetItem(v))
        self.export.setEnabled(bool(listed))
        self.skip.setEnabled(bool(result.rejected))
        self.completeChanged.emit()

    def _failed(self, message: str) -> None:
        self.summary.setText(message)
        self.done = False
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 - Qt API
        return self.done

    def validatePage(self) -> bool:  # noqa: N802 - Qt API
        if self.result and self.result.rejected and not self.skip.isChecked():
            self.summary.setText(self.summary.text().split(" Nothing")[0]
                                 + " Choose to skip the rejected rows, or fix the file.")
            return False
        return True

    def _export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export rejects", "rejects.csv", "CSV (*.csv)")
        if name and self.result:
            export_rejects(Path(name), [*self.result.rejects, *self.result.notes])


def export_rejects(path: Path, rejects) -> None:
    write_reject_rows(path, rejects)


class RunPage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self.w = wizard
        self.setTitle("Importing")
        self.label = QLabel(wordWrap=True)
        self.bar = QProgressBar()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop; nothing half-done is kept")
        self.cancel_button.clicked.connect(self._cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button, alignment=Qt.AlignLeft)
        self.token = None
        self.finished_ok = False

    def initializePage(self) -> None:  # noqa: N802 - Qt API
        self.finished_ok = False
        self.label.setText("Importing…")
        self.cancel_button.setEnabled(True)
        self.token = self.w.jobs.start(
            Op.IMPORT_RUN, operations.run_import, self.w.catalog, self.w.request(), False,
            on_done=self._imported, on_error=self._failed, on_progress=self._progress)

    def _progress(self, done: int, total: int, message: str) -> None:
        self.bar.setMaximum(max(total, 1))
        self.bar.setValue(done)
        self.label.setText(message)

    def _imported(self, changes) -> None:
        self.label.setText(changes.message)
        self.w.imported.emit(changes)
        if changes.artworks:
            self.label.setText(changes.message + "\nEmbedding new and changed artworks…")
            self.token = self.w.jobs.start(
                Op.EMBED, operations.embed_all, self.w.catalog,
                on_done=lambda r: self._finish(changes.message + "\n" + r.message),
                on_error=lambda m: self._finish(changes.message + "\n" + m),
                on_progress=self._progress)
        else:
            self._finish(changes.message)

    def _finish(self, text: str) -> None:
        self.label.setText(text)
        self.bar.setValue(self.bar.maximum())
        self.cancel_button.setEnabled(False)
        self.finished_ok = True
        self.completeChanged.emit()

    def _failed(self, message: str) -> None:
        self.label.setText(message or "Cancelled; the database was not changed.")
        self.cancel_button.setEnabled(False)
        self.finished_ok = True
        self.completeChanged.emit()

    def _cancel(self) -> None:
        if self.token is not None:
            self.token.cancel()

    def isComplete(self) -> bool:  # noqa: N802 - Qt API
        return self.finished_ok
