"""The main window: tabs for browsing, visitors and tuning; menus; background embedding."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..core.catalog import Catalog
from ..core.changes import Changes
from ..core.errors import CuratorError
from ..paths import demo_db, settings_file
from . import operations
from .browse.view import BrowseView
from .embedding_dialog import EmbeddingDialog
from .help import about_dialog, manual_dialog
from .importer.wizard import ImportWizard
from .jobs import JobRunner
from .operations import Op
from .tuning.view import TuningView
from .users.view import UsersView

RECENT_MAX = 8
DEFAULT_SIZE = QSize(1280, 800)
MINIMUM_SIZE = QSize(960, 600)  # fits a 1366x768 screen with a panel and a title bar


def app_settings() -> QSettings:
    """The app's settings file (in the data folder, so $CURATOR_HOME isolates it)."""
    return QSettings(str(settings_file()), QSettings.IniFormat)


def default_size(available: QSize) -> QSize:
    """The first window size: 1280x800, or less on a smaller screen's free area."""
    return DEFAULT_SIZE.boundedTo(QSize(available.width() - 16, available.height() - 40)
                                  ).expandedTo(MINIMUM_SIZE)


class MainWindow(QMainWindow):
    """Top-level window over one open :class:`Catalog`. Main thread only."""

    def __init__(self, catalog: Catalog, *, embed_on_start: bool = True,
                 settings: QSettings | None = None):
        super().__init__()
        self.catalog = catalog
        self.settings = settings or app_settings()
        self.jobs = JobRunner(self)
        self.setWindowTitle(f"Curator — {Path(catalog.path).name}")
        screen = QGuiApplication.primaryScreen()
        self.resize(default_size(screen.availableGeometry().size()) if screen else DEFAULT_SIZE)
        self.setMinimumSize(MINIMUM_SIZE)

        self.counts_label = QLabel()
        self.counts_label.setObjectName("counts")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(240)
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the background work")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self._cancel_embedding)
        self._embed_token = None
        self.jobs.changed.connect(self.apply_changes)
        self.statusBar().addPermanentWidget(self.counts_label)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.cancel_button)

        self.tabs = QTabWidget()
        self.browse = BrowseView(catalog, self.jobs, settings=self.settings)
        self.users = UsersView(catalog, self.jobs)
        self.tuning = TuningView(catalog, self.jobs)
        self.tabs.addTab(self.browse, "Browse")
        self.tabs.addTab(self.users, "Visitors")
        self.tabs.addTab(self.tuning, "Tuning")
        for i, tip in enumerate(["The collection: search, facets, details (Ctrl+1)",
                                 "Visitors, their histories and recommendations (Ctrl+2)",
                                 "Tune the recommender's weights with live metrics (Ctrl+3)"]):
            self.tabs.setTabToolTip(i, tip)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.first_steps = self._build_first_steps()
        self.pages = QStackedWidget()
        self.pages.addWidget(self.tabs)
        self.pages.addWidget(self.first_steps)
        self.setCentralWidget(self.pages)
        for view in (self.browse, self.users, self.tuning):
            view.status.connect(self.show_message)
        self.tuning.profile_saved.connect(lambda _: self.users.reload_profiles())
        self.users.user_selected.connect(self._sample_user)
        self.users.open_artwork.connect(self.open_in_browse)

        self._build_menus()
        self.refresh_counts()
        self._restore_state()
        self._show_first_steps_if_empty()
        if catalog.read_only:
            self.setWindowTitle(self.windowTitle() + " (read-only)")
            for act in self.import_actions:
                act.setEnabled(False)
            self.tuning.save.setEnabled(False)
        elif embed_on_start:
            self.embed_in_background()
        self._warm_search()
        self._warm_recommender()

    def _warm_search(self) -> None:
        self.jobs.start(Op.WARM_SEARCH, operations.warm_search, self.catalog,
                        on_error=self.show_message)

    def _warm_recommender(self) -> None:
        self.jobs.start(Op.WARM_RECOMMENDER, operations.warm_recommender, self.catalog,
                        on_error=self.show_message)

    # -- menus ------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")

        def action(text, slot, shortcut=None, tip=""):
            act = QAction(text, self)
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
            act.setStatusTip(tip)
            act.setToolTip(tip)
            act.triggered.connect(slot)
            return act

        file_menu.addAction(action("&New database…", self.new_database, QKeySequence.New,
                                   "Create an empty Curator database"))
        file_menu.addAction(action("&Open database…", self.open_database, QKeySequence.Open,
                                   "Open another Curator database"))
        self.recent_menu = file_menu.addMenu("Open &recent")
        self._fill_recent()
        file_menu.addSeparator()
        self.import_actions = [
            action("Import &catalog…", lambda: self.import_file("catalog"), "Ctrl+I",
                   "Import artworks from a file"),
            action("Import &histories…", lambda: self.import_file("events"), "Ctrl+Shift+I",
                   "Import visitor histories from a file"),
            action("Import visitor &list…", lambda: self.import_file("users"), None,
                   "Import the list of visitors and collectors (ids only); histories naming "
                   "anyone else are then refused")]
        self.import_actions.append(action("Set &images folder…", self.choose_images_folder,
                                          None, "The folder the catalog's image files are in"))
        # No Ctrl+Z: undoing a whole import is too big a step for a reflex key.
        self.import_actions.append(action("&Undo last import…", self.undo_last_import,
                                          None, "Restore what the last import changed "
                                          "(asks first)"))
        for act in self.import_actions:
            file_menu.addAction(act)
        file_menu.addAction(action("&Back up database…", self.backup_database, None,
                                   "Write a consistent copy of this database"))
        file_menu.addSeparator()
        file_menu.addAction(action("&Quit", self.close, QKeySequence.Quit, "Close Curator"))
        tools_menu = self.menuBar().addMenu("&Tools")
        self.embedding_action = action("&Embedding model and text…", self.edit_embedding, None,
                                       "Choose the local model and the text artworks are "
                                       "embedded as")
        self.import_actions.append(self.embedding_action)
        tools_menu.addAction(self.embedding_action)
        self.learn_actions = {
            "sequence": action("Learn the &order of visits", lambda: self.learn("sequence"),
                               None, "Train the sequence signal; it is switched on only if "
                               "it improves recommendations on a validation split"),
            "encoder": action("&Fine-tune the embedding model", lambda: self.learn("encoder"),
                              None, "Fine-tune the text model on what visitors engage with "
                              "together; used only if it beats the current one")}
        for act in self.learn_actions.values():
            self.import_actions.append(act)
            tools_menu.addAction(act)
        view_menu = self.menuBar().addMenu("&View")
        for i, name in enumerate(["Browse", "Visitors", "Tuning"]):
            view_menu.addAction(action(name, lambda _=False, i=i: self.tabs.setCurrentIndex(i),
                                       f"Ctrl+{i + 1}", f"Show the {name} tab"))
        view_menu.addAction(action("Find", self._focus_search, QKeySequence.Find,
                                   "Search the collection"))
        help_menu = self.menuBar().addMenu("&Help")
        self.manual_action = action("Curator &manual", self.show_manual, QKeySequence.HelpContents,
                                    "How to use Curator (F1)")
        help_menu.addAction(self.manual_action)
        help_menu.addAction(action("&First steps", lambda: self.pages.setCurrentWidget(
            self.first_steps), None, "Import a catalog or open the demo"))
        self.check_action = action("&Check database", self.check_database, None,
                                   "Read every table of this database and report any damage")
        help_menu.addAction(self.check_action)
        help_menu.addSeparator()
        help_menu.addAction(action("&About Curator", self.show_about, None,
                                   "Versions and licences"))

    def _build_first_steps(self) -> QWidget:
        page = QWidget()
        page.setObjectName("first_steps")
        text = QLabel("<h2>Welcome to Curator</h2><p>This database has no artworks yet. "
                      "Import your catalog (CSV, JSON, JSON Lines or Parquet; you will see "
                      "a preview and every row that would be rejected before anything is "
                      "imported), or look around the built-in demo: 2,000 works from the "
                      "Tate collection with invented visitors.</p><p>Press F1 for the "
                      "manual.</p>", wordWrap=True)
        text.setMaximumWidth(560)
        self.first_import = QPushButton("Import a catalog…")
        self.first_import.clicked.connect(lambda: self.import_file("catalog"))
        self.first_demo = QPushButton("Open the demo")
        self.first_demo.clicked.connect(self.open_demo)
        self.first_browse = QPushButton("Go to Browse")
        self.first_browse.clicked.connect(lambda: self.pages.setCurrentWidget(self.tabs))
        buttons = QHBoxLayout()
        for button in (self.first_import, self.first_demo, self.first_browse):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        layout.addWidget(text)
        layout.addLayout(buttons)
        layout.addStretch(2)
        layout.setContentsMargins(48, 24, 48, 24)
        return page

    def show_manual(self):
        dialog = manual_dialog(self)
        dialog.show()
        self._dialog = dialog
        return dialog

    def show_about(self):
        dialog = about_dialog(self)
        dialog.show()
        self._dialog = dialog
        return dialog

    def check_database(self) -> None:
        """Read the whole file in the background and say whether it is whole."""
        self.show_message("Checking the database…")
        self.jobs.start(Op.CHECK_DATABASE, operations.check_database, self.catalog,
                        on_done=self._checked, on_error=self.show_error)

    def _checked(self, report) -> None:
        if report.ok:
            self.show_message(report.sentence())
        else:
            self.show_error(report.sentence())

    def open_demo(self) -> None:
        """Fill the demo database in the background (the first time), then switch to it."""
        self.show_message("Opening the demo…")
        self.jobs.start(Op.OPEN_DEMO, operations.prepare_demo, demo_db(),
                        on_done=self.switch_database, on_error=self.show_error)

    def _show_first_steps_if_empty(self) -> None:
        empty = self.catalog.counts()["artworks"] == 0
        self.pages.setCurrentWidget(self.first_steps if empty else self.tabs)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.recent():
            act = self.recent_menu.addAction(path)
            act.triggered.connect(lambda _=False, p=path: self.switch_database(Path(p)))
        self.recent_menu.setEnabled(bool(self.recent()))

    def recent(self) -> list[str]:
        value = self.settings.value("recent", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _remember(self, path: str) -> None:
        items = [path] + [p for p in self.recent() if p != path]
        self.settings.setValue("recent", items[:RECENT_MAX])
        self.settings.setValue("last_db", path)

    # -- actions ----------------------------------------------------------------------------
    def new_database(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "New database", "catalog.duckdb",
                                              "Curator database (*.duckdb)")
        if name:
            self.switch_database(Path(name))

    def open_database(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Open database", "",
                                              "Curator database (*.duckdb);;All files (*)")
        if name:
            self.switch_database(Path(name))

    def switch_database(self, path: Path) -> None:
        try:
            catalog = Catalog(path)
        except CuratorError as exc:
            self.show_error(str(exc))
            return
        self.jobs.cancel_all()
        self.jobs.wait()
        self._remember(str(path))
        replacement = MainWindow(catalog, settings=self.settings)
        replacement.show()
        self._replacement = replacement
        self.close()

    def import_file(self, kind: str) -> ImportWizard:
        wizard = ImportWizard(self.catalog, self.jobs, kind, self)
        wizard.setModal(True)
        wizard.show()
        return wizard

    def choose_images_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Images folder")
        if folder:
            try:
                self.catalog.embeddings.set_images_root(folder)
            except CuratorError as exc:
                self.show_error(str(exc))
                return
            self._reembed()

    def edit_embedding(self) -> EmbeddingDialog:
        dialog = EmbeddingDialog(self.catalog, self.browse.selected_id, self)
        dialog.saved.connect(self._reembed)
        dialog.setModal(True)
        dialog.show()
        return dialog

    def _reembed(self) -> None:
        """After a change to what artworks are embedded as: show it, embed what is stale."""
        self.browse.refresh()
        self.embed_in_background()

    def undo_last_import(self) -> None:
        applied = [b for b in self.catalog.imports.batches() if b.status == "applied"]
        if not applied:
            self.show_message("There is no import to undo.")
            return
        batch = applied[0]
        answer = QMessageBox.question(
            self, "Undo import", f"Undo import #{batch.id} of {Path(batch.source).name} "
            f"({batch.inserted:,} new, {batch.updated:,} updated)?",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        if answer != QMessageBox.Yes:
            return
        self.show_message(f"Undoing import #{batch.id}…")
        self.jobs.start(Op.UNDO_IMPORT, operations.undo_last_import, self.catalog, batch.id,
                        on_done=lambda changes: self.show_message(changes.message),
                        on_error=self.show_error)

    def backup_database(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Back up database", "backup.duckdb",
                                              "Curator database (*.duckdb)")
        if not name:
            return
        self.show_message("Backing up…")
        self.jobs.start(Op.BACKUP, operations.backup, self.catalog, Path(name),
                        on_done=lambda path: self.show_message(f"Backed up to {path}."),
                        on_error=self.show_error)

    def apply_changes(self, changes: Changes) -> None:
        """Refresh what a change concerns (every background job's record comes here)."""
        self.refresh_counts()
        if changes.artworks:
            self._show_first_steps_if_empty()
            self._warm_search()
        self.browse.apply_changes(changes)
        if changes.events or changes.visitors:
            self.users.reload_users()
        if changes.events or changes.visitors or changes.artworks or changes.vectors:
            self._warm_recommender()  # refitted (and saved) now, not at the next click
            self.tuning.evaluation = None
            if self.tabs.currentWidget() is self.tuning:
                self.tuning.start()
        if changes.events:
            self.jobs.start(Op.FIT_DEFAULT, operations.fit_default_if_ready, self.catalog,
                            on_done=self._default_fitted, on_error=self.show_message)

    def _default_fitted(self, report) -> None:
        """Say so when the default profile was fitted to the histories for the first time."""
        if report is not None:
            self._warm_recommender()  # the new default's event weighting
            self.tuning.show_provenance(report.profile)
            self.show_message(f"The default profile was fitted to the histories: "
                              f"{report.summary().replace(chr(10), ' ')}")

    def embed_in_background(self) -> None:
        """Embed what is missing or stale; a request while embedding runs after it."""
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.progress.setRange(0, 0)
        self.show_message("Embedding the catalog with the local language model…")
        self._embed_token = self.jobs.start(
            Op.EMBED, operations.embed_all, self.catalog, on_done=self._embedded,
            on_error=self._embed_failed, on_progress=self._embed_progress)

    def learn(self, what: str) -> None:
        """Tools menu: train a learned model in the background, with the embedding's progress
        bar and Cancel button (a cancelled run resumes next time)."""
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.progress.setRange(0, 0)
        self._embed_token = self.jobs.start(
            Op.LEARN, operations.learn, self.catalog, what, on_done=self._embedded,
            on_error=self._learn_failed, on_progress=self._embed_progress)

    def _learn_failed(self, message: str) -> None:
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.show_message(message)

    def _cancel_embedding(self) -> None:
        if self._embed_token is not None:
            self._embed_token.cancel()

    def _embed_progress(self, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{message} %v/%m")

    def _embedded(self, result) -> None:
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.show_message(result.message)

    def _embed_failed(self, message: str) -> None:
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.show_message(message + " Browsing and keyword search still work.")

    def refresh_counts(self) -> None:
        counts = self.catalog.counts()
        self.counts_label.setText(
            f"{counts['artworks']:,} artworks · {counts['users']:,} users · "
            f"{counts['events']:,} events · {counts['batches']:,} imports"
        )

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 10_000)

    def show_error(self, text: str) -> None:
        QMessageBox.warning(self, "Curator", text)

    def _focus_search(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.browse.search.setFocus(Qt.ShortcutFocusReason)

    def open_in_browse(self, artwork_id: str) -> None:
        """Show one work selected in Browse; the filters are cleared when they hide it."""
        browse = self.browse
        self.tabs.setCurrentWidget(browse)
        if artwork_id not in browse.model.ids:
            browse.clear_filters()
        if artwork_id not in browse.model.ids:
            return
        view = browse.stack.currentWidget()
        index = browse.model.index(browse.model.ids.index(artwork_id),
                                   view.modelColumn() if view is browse.grid else 1)
        view.setCurrentIndex(index)
        view.scrollTo(index)

    def _sample_user(self, user_id: str) -> None:
        self.tuning.sample_user = user_id

    def _tab_changed(self, index: int) -> None:
        self.settings.setValue("last_tab", index)
        if self.tabs.widget(index) is self.tuning:
            self.tuning.start()
            self.tuning.remeasure()

    # -- state ------------------------------------------------------------------------------
    def _restore_state(self) -> None:
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("window_state")
        if state is not None:
            self.restoreState(state)
        self.tabs.setCurrentIndex(int(self.settings.value("last_tab", 0) or 0))
        self._remember(self.catalog.path)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("window_state", self.saveState())
        self.browse.save_state()
        self.hide()  # gone at once; a model still loading is waited for out of sight
        self.tuning.stop()
        self.jobs.cancel_all()
        self.jobs.wait()
        super().closeEvent(event)
