"""A visitor's list on paper: one document for the PDF file and for the printer."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRect, QUrl
from PySide6.QtGui import (
    QColor,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)

from ...core.errors import CuratorError
from .recommendations import SIGNAL_COLOURS, paint_shares

BAR_WIDTH, BAR_HEIGHT = 120, 12


def list_document(heading: str, rows: list[dict], pictures: dict[str, QImage],
                  note: str = "") -> QTextDocument:
    """A document of the list: rank, picture, title, artist, date, score, the share bar
    and the explanation of each row (``rows`` from ``export_rows``). Main thread only."""
    doc = QTextDocument()
    doc.setDocumentMargin(0)
    max_score = max([r["score"] for r in rows] + [1e-9])
    legend = " ".join(f"<span style='color:{c.name()}'>■</span> {escape(n)}"
                      for n, c in SIGNAL_COLOURS.items())
    body = [f"<h2>{escape(heading)}</h2>"]
    if note:
        body.append(f"<p><i>{escape(note)}</i></p>")
    body.append(f"<p style='font-size:8pt'>Bars: each signal's share of the score. {legend}</p>")
    body.append("<table cellspacing='0' cellpadding='4' width='100%' "
                "style='border-collapse:collapse'>"
                "<tr><th align='right'>#</th><th></th><th align='left'>Work</th>"
                "<th align='left'>Score and shares</th><th align='left'>Why</th></tr>")
    for row in rows:
        item = row["artwork"]
        parts = {n: row[n] for n in SIGNAL_COLOURS if n in row}
        doc.addResource(QTextDocument.ImageResource, QUrl(f"bar:{item}"),
                        _bar(parts, max_score))
        picture = pictures.get(item)
        cell = ""
        if picture is not None:
            doc.addResource(QTextDocument.ImageResource, QUrl(f"pic:{item}"), picture)
            cell = f"<img src='pic:{item}' width='48'>"
        byline = " · ".join(x for x in (row["artists"], row["date"]) if x) or "Unknown artist"
        body.append(
            "<tr style='border-bottom:1px solid #cccccc'>"
            f"<td valign='top' align='right'>{row['rank']}</td>"
            f"<td valign='top' width='56'>{cell}</td>"
            f"<td valign='top'><b>{escape(row['title'] or '(untitled)')}</b><br>"
            f"{escape(byline)}<br><small>{escape(item)}</small></td>"
            f"<td valign='top' width='130'>{row['score']:.3f}<br><img src='bar:{item}'></td>"
            f"<td valign='top'>{escape(row['explanation'])}</td></tr>")
    body.append("</table>")
    doc.setHtml("".join(body))
    return doc


def _bar(parts: dict[str, float], max_score: float) -> QImage:
    image = QImage(BAR_WIDTH, BAR_HEIGHT, QImage.Format_ARGB32)
    image.fill(QColor("#eeeeee"))
    painter = QPainter(image)
    paint_shares(painter, QRect(0, 0, BAR_WIDTH, BAR_HEIGHT), parts, max_score)
    painter.end()
    return image


def save_pdf(doc: QTextDocument, path: str | Path) -> Path:
    """Write ``doc`` to an A4 PDF at ``path``. Main thread only."""
    path = Path(path)
    writer = QPdfWriter(str(path))
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.A4), QPageLayout.Portrait,
                                     QMarginsF(15, 15, 15, 15), QPageLayout.Millimeter))
    writer.setTitle(doc.toPlainText().splitlines()[0] if doc.toPlainText() else "Curator")
    writer.setCreator("Curator")
    doc.print_(writer)
    del writer  # finishes the file
    if not path.is_file() or path.stat().st_size == 0:
        raise CuratorError(f"Could not write {path}: the folder may be read-only.")
    return path
