"""The embedding settings: which local model, and the text each artwork is embedded as.

The example text follows the template as it is typed, for any artwork; nothing is saved
until "Save and embed", which marks changed vectors stale and embeds in the background.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from ..core.catalog import Catalog
from ..core.embedding.templates import DEFAULT_TEMPLATE
from ..core.embedding.text_encoder import read_model_info
from ..core.errors import CuratorError


class EmbeddingDialog(QDialog):
    """Edit the text model folder and the text template, with a live example."""

    saved = Signal()

    def __init__(self, catalog: Catalog, artwork_id: str | None = None, parent=None):
        super().__init__(parent)
        self.catalog = catalog
        self.setWindowTitle("Embedding model and text")
        self.resize(720, 420)
        status = catalog.embeddings.status()
        self._model_path: str | None = None if status.default_model else status.model_path

        self.model_label = QLabel()
        self.model_label.setTextFormat(Qt.PlainText)
        self.model_label.setWordWrap(True)
        choose = QPushButton("Choose folder…")
        choose.setToolTip("A local Hugging Face encoder folder (a multilingual or larger "
                          "model, say); nothing is downloaded")
        choose.clicked.connect(self.choose_model)
        default_model = QPushButton("Packaged model")
        default_model.setToolTip("Go back to the packaged all-MiniLM-L6-v2")
        default_model.clicked.connect(lambda: self.set_model(None))
        model_row = QHBoxLayout()
        model_row.addWidget(self.model_label, 1)
        model_row.addWidget(choose)
        model_row.addWidget(default_model)

        self.template = QPlainTextEdit(status.template)
        self.template.setToolTip(
            "Fields: " + ", ".join("{" + f + "}" for f in catalog.embeddings.template_fields())
            + ". A part in [square "
            "brackets] is left out when a field in it is empty.")
        self.template.textChanged.connect(self.update_example)
        default_template = QPushButton("Default template")
        default_template.clicked.connect(lambda: self.template.setPlainText(DEFAULT_TEMPLATE))

        ids = catalog.artworks.find_ids(order="id", limit=1)
        self.artwork = QLineEdit(artwork_id or (ids[0] if ids else ""))
        self.artwork.setPlaceholderText("artwork id")
        self.artwork.setToolTip("The artwork the example is shown for")
        self.artwork.textChanged.connect(self.update_example)
        self.example = QLabel()
        self.example.setObjectName("example")
        self.example.setTextFormat(Qt.PlainText)
        self.example.setWordWrap(True)
        self.state = QLabel(f"{status.stale:,} of {status.artworks:,} artworks wait to be "
                            "embedded." if status.stale else "Every artwork is embedded.")

        form = QFormLayout()
        form.addRow("Model", model_row)
        form.addRow("Template", self.template)
        form.addRow("", default_template)
        form.addRow("Example for", self.artwork)
        form.addRow("", self.example)
        buttons = QDialogButtonBox(QDialogButtonBox.Cancel)
        self.save_button = buttons.addButton("Save and embed", QDialogButtonBox.AcceptRole)
        self.save_button.setToolTip("Keep these settings; artworks whose text or model "
                                    "changed are embedded again in the background")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.state)
        layout.addWidget(buttons)
        self.set_model(self._model_path)
        self.update_example()

    def choose_model(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Encoder model folder")
        if folder:
            self.set_model(folder)

    def set_model(self, path: str | None) -> None:
        """Show ``path`` (None: the packaged model) as the model to use, if it is one."""
        if path is not None:
            try:
                info = read_model_info(path)
            except CuratorError as exc:
                self._show(self.model_label, str(exc), error=True)
                return
            self._show(self.model_label, f"{path} ({info.dim} dimensions)")
        else:
            self._show(self.model_label, "The packaged all-MiniLM-L6-v2 (384 dimensions)")
        self._model_path = path

    def _show(self, label: QLabel, text: str, *, error: bool = False) -> None:
        label.setStyleSheet("color: #b00020;" if error else "")
        label.setText(text)

    def update_example(self) -> None:
        template = self.template.toPlainText()
        try:
            self.catalog.embeddings.check_template(template)
        except CuratorError as exc:
            self._show(self.example, str(exc), error=True)
            self.save_button.setEnabled(False)
            return
        self.save_button.setEnabled(True)
        try:
            text = self.catalog.embeddings.text(self.artwork.text().strip(), template)
        except CuratorError as exc:
            self._show(self.example, str(exc), error=True)
            return
        self._show(self.example, text or "(empty for this artwork)")

    def save(self) -> None:
        template = self.template.toPlainText().strip()
        try:
            self.catalog.embeddings.set_template(None if template == DEFAULT_TEMPLATE else template)
            self.catalog.embeddings.set_model_path(self._model_path)
        except CuratorError as exc:
            self._show(self.example, str(exc), error=True)
            return
        self.saved.emit()
        self.accept()
