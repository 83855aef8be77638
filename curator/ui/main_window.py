"""The main window."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget

from ..core.catalog import Catalog


class MainWindow(QMainWindow):
    """Top-level window over one open :class:`Catalog`. Main thread only."""

    def __init__(self, catalog: Catalog):
        super().__init__()
        self.catalog = catalog
        self.setWindowTitle(f"Curator — {catalog.path}")
        self.resize(1200, 800)
        central = QWidget()
        layout = QVBoxLayout(central)
        self.counts_label = QLabel()
        self.counts_label.setObjectName("counts")
        layout.addWidget(self.counts_label)
        self.setCentralWidget(central)
        self.refresh_counts()

    def refresh_counts(self) -> None:
        counts = self.catalog.counts()
        self.counts_label.setText(
            f"{counts['artworks']:,} artworks · {counts['users']:,} users · "
            f"{counts['events']:,} events · {counts['batches']:,} imports"
        )
