"""A visitor's list as rows a curator can open in a spreadsheet: one place builds a row.

The desktop app's export and print and the command line's ``recommend --all --output``
share :func:`export_rows` and :func:`write_rows`, so a file carries the same columns
whichever front end wrote it: visitor, rank, artwork id, title, artists, date, score, each
signal's contribution (they add up to the score) and its share of the score (they add up
to 1), and the sentence explaining it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ..errors import CuratorError

FIRST = ["user", "rank", "artwork", "title", "artists", "date", "score"]
LAST = ["explanation"]
FORMATS = {".csv": "CSV", ".xlsx": "Excel workbook"}


def artwork_date(artwork: dict) -> str:
    """The date as catalogued, else the first year, else nothing."""
    if artwork.get("date_text"):
        return str(artwork["date_text"])
    year = artwork.get("year_start")
    return "" if year is None else str(year)


def export_rows(user_id: str | None, recs: Iterable, artworks: dict[str, dict]) -> list[dict]:
    """One row per recommendation, in rank order.

    Parameters
    ----------
    user_id
        The visitor (``None`` for a list made from a brief alone).
    recs
        :class:`~.hybrid.Recommendation` objects, best first.
    artworks
        Artwork id -> curated fields (as ``catalog.artworks.get`` returns them); an id
        missing here still gets a row, with its id and no title.
    """
    rows = []
    for rank, rec in enumerate(recs, 1):
        art = artworks.get(rec.item_id) or {}
        rows.append({"user": user_id or "", "rank": rank, "artwork": rec.item_id,
                     "title": art.get("title") or "",
                     "artists": "; ".join(art.get("artists") or []),
                     "date": artwork_date(art), "score": round(rec.score, 6),
                     **{name: round(v, 6) for name, v in rec.breakdown().items()},
                     **{f"{name} share": round(v, 4) for name, v in rec.shares().items()},
                     "explanation": rec.explanation})
    return rows


def columns(rows: list[dict]) -> list[str]:
    """The fixed columns around the signal columns present in ``rows`` (sorted by name, so
    each signal's share follows its contribution)."""
    signals = sorted({c for r in rows for c in r} - set(FIRST) - set(LAST))
    return FIRST + signals + LAST


def export_format(path: str | Path) -> str:
    """``.csv`` or ``.xlsx``, from the file name; refuses any other before work is done."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise CuratorError(f"{path.name}: Curator writes lists as .csv or .xlsx, not "
                           f"{suffix or 'a file without a suffix'}.")
    return suffix


def write_rows(path: str | Path, rows: list[dict]) -> Path:
    """Write ``rows`` as CSV or XLSX, chosen by the file's suffix. Any thread may call this."""
    path = Path(path)
    suffix = export_format(path)
    header = columns(rows)
    try:
        if suffix == ".csv":
            _write_csv(path, header, rows)
        else:
            _write_xlsx(path, header, rows)
    except OSError as exc:
        raise CuratorError(f"Could not write {path}: {exc.strerror or exc}.") from exc
    return path


def write_batches(path: str | Path, batches: Iterable[list[dict]]) -> int:
    """Write rows arriving in batches (see ``iter_all``), each written before the next is
    made when the file is CSV (a workbook is written whole at the end). Returns the rows
    written. The columns are the first batch's: every batch of one run has the same."""
    path = Path(path)
    if export_format(path) != ".csv":
        rows = [row for batch in batches for row in batch]
        write_rows(path, rows)
        return len(rows)
    batches = iter(batches)
    first = next(batches, [])
    header = columns(first)
    written = [0]

    def rows():
        for batch in _chain(first, batches):
            written[0] += len(batch)
            for row in batch:
                yield [row.get(name) for name in header]

    from ..spreadsheet import write_csv

    # written under another name and renamed when whole: a stopped run leaves no half file
    part = path.with_name(path.name + ".part")
    try:
        write_csv(part, header, rows())
        os.replace(part, path)
    except OSError as exc:
        raise CuratorError(f"Could not write {path}: {exc.strerror or exc}.") from exc
    finally:
        part.unlink(missing_ok=True)
    return written[0]


def _chain(first: list[dict], rest: Iterable[list[dict]]):
    yield first
    yield from rest


def _write_csv(path: Path, header: list[str], rows: list[dict]) -> None:
    from ..spreadsheet import write_csv

    write_csv(path, header, ([row.get(name) for name in header] for row in rows))


def _write_xlsx(path: Path, header: list[str], rows: list[dict]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Recommendations"
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r, row in enumerate(rows, 2):
        for c, name in enumerate(header, 1):
            value = row.get(name)
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # a title, never a formula
    widths = {"title": 40, "artists": 28, "explanation": 80}
    for c, name in enumerate(header, 1):
        letter = sheet.cell(row=1, column=c).column_letter
        sheet.column_dimensions[letter].width = widths.get(name, max(8, len(name) + 2))
        if name == "explanation":
            for cell in sheet[letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    book.save(path)
