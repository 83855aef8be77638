"""Help: the manual shipped in resources/help, and About with versions and licences."""

from __future__ import annotations

import platform
from importlib import metadata

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout

from ..paths import RESOURCES

MANUAL = RESOURCES / "help" / "manual.md"

LICENCES = [
    ("Curator", "the application", "proprietary"),
    ("Demo catalog", "Tate collection metadata", "CC0 1.0"),
    ("Demo visitors", "synthetic histories made by Curator", "CC0 1.0"),
    ("all-MiniLM-L6-v2", "the packaged language model", "Apache-2.0"),
    ("Qt 6 / PySide6", "the window toolkit", "LGPL-3.0"),
    ("DuckDB", "the database engine", "MIT"),
    ("PyTorch", "runs the language model", "BSD-3-Clause"),
]


def versions() -> dict[str, str]:
    """Versions of Curator and what it runs on, read without importing torch."""
    import duckdb
    import PySide6
    from PySide6.QtCore import qVersion

    from .. import __version__

    def installed(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {"Curator": __version__, "Python": platform.python_version(),
            "Qt": qVersion(), "PySide6": PySide6.__version__,
            "DuckDB": duckdb.__version__, "torch": installed("torch")}


def about_html() -> str:
    rows = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in versions().items())
    licences = "".join(f"<tr><td>{name}</td><td>{what}</td><td>{lic}</td></tr>"
                       for name, what, lic in LICENCES)
    return ("<h2>Curator</h2><p>An offline collection browser and explainable recommender "
            "for gallery curators. Everything runs on this computer.</p>"
            f"<h3>Versions</h3><table cellspacing='4'>{rows}</table>"
            f"<h3>Licences</h3><table cellspacing='4'>{licences}</table>")


class TextDialog(QDialog):
    """A read-only page of Markdown or HTML with a Close button."""

    def __init__(self, title: str, *, markdown: str | None = None, html: str | None = None,
                 parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(640, 560)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        if markdown is not None:
            self.browser.setMarkdown(markdown)
        else:
            self.browser.setHtml(html or "")
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.setAttribute(Qt.WA_DeleteOnClose, False)


def manual_dialog(parent=None) -> TextDialog:
    return TextDialog("Curator manual", markdown=MANUAL.read_text(encoding="utf-8"),
                      parent=parent)


def about_dialog(parent=None) -> TextDialog:
    return TextDialog("About Curator", html=about_html(), parent=parent)
