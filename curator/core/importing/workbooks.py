"""Excel and OpenDocument workbooks (.xlsx, .xlsm, .xls, .ods) staged as a text table.

python-calamine reads the cells; every cell becomes text (whole numbers without ``.0``,
dates as ISO 8601), the header row is found below any title rows, and the table goes to
DuckDB through Arrow, so a workbook then takes the same validated path as a CSV file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa

from ..errors import CuratorError

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
# The header is looked for in this many rows from the top of the sheet.
HEADER_SEARCH = 30


def is_workbook(path: Path, head: bytes) -> bool:
    """Whether ``path`` is a workbook: an OLE2 (.xls) file, or a zip with a workbook suffix."""
    if head.startswith(OLE_MAGIC):
        return True
    return head.startswith(ZIP_MAGIC) and path.suffix.lower() in SUFFIXES


def cell_text(value) -> str | None:
    """A cell as text: None for blank, ``1922`` for 1922.0, ISO 8601 for dates and times."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    text = str(value).strip()
    return text or None


def find_header(rows: list[list]) -> int:
    """The index of the header row: the first row, among the top ones, whose filled cells
    are all text and fill at least half the widest of those rows (title rows above it are
    skipped)."""
    top = rows[:HEADER_SEARCH]
    filled = [sum(cell_text(c) is not None for c in row) for row in top]
    widest = max(filled, default=0)
    for i, row in enumerate(top):
        cells = [c for c in row if cell_text(c) is not None]
        if filled[i] >= max(1, (widest + 1) // 2) and all(isinstance(c, str) for c in cells):
            return i
    return 0


def stage_workbook(cur: duckdb.DuckDBPyConnection, path: Path, sheet: str | int | None
                   ) -> tuple[list[str], int, int, str]:
    """Create the temporary table ``src`` from one sheet of the workbook at ``path``.

    Returns the column names, the row count, the sheet row number (1-based) of the first
    record, and the sheet's name. Blank rows are left out but keep their numbers, so a
    message names the row a spreadsheet shows.
    """
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise CuratorError(f"{path.name} could not be read as a workbook: {exc}; the import "
                           "was not applied.") from exc
    try:
        names = book.sheet_names
        if sheet is None:
            visible = [m.name for m in book.sheets_metadata
                       if str(m.visible).endswith("Visible") and str(m.typ).endswith("WorkSheet")]
            chosen = (visible or names or [None])[0]
        elif isinstance(sheet, int) or str(sheet).isdigit():
            index = int(sheet) - 1
            if not 0 <= index < len(names):
                raise CuratorError(f"{path.name} has {len(names)} sheet(s); there is no sheet "
                                   f"number {int(sheet)}.")
            chosen = names[index]
        else:
            if sheet not in names:
                raise CuratorError(f"{path.name} has no sheet `{sheet}`; its sheets are "
                                   f"{', '.join(names)}.")
            chosen = sheet
        if chosen is None:
            raise CuratorError(f"{path.name} has no sheets; there is nothing to import.")
        data = book.get_sheet_by_name(chosen)
        rows = data.to_python(skip_empty_area=False)
    except CalamineError as exc:
        raise CuratorError(f"{path.name} could not be read as a workbook: {exc}; the import "
                           "was not applied.") from exc
    finally:
        book.close()
    header_at = find_header(rows)
    header = rows[header_at] if rows else []
    width = max((len(r) for r in rows), default=0)
    columns = _unique([cell_text(c) or f"column{i}" for i, c in
                       enumerate([*header, *[None] * (width - len(header))])])
    body = rows[header_at + 1:]
    kept = [(n, row) for n, row in enumerate(body, start=1)
            if any(cell_text(c) is not None for c in row)]
    if not kept:
        raise CuratorError(f"{path.name} (sheet {chosen}) has no data rows; there is nothing "
                           "to import.")
    table = {"_row": pa.array([n for n, _ in kept], type=pa.int64())}
    for i, name in enumerate(columns):
        table[name] = pa.array([cell_text(row[i]) if i < len(row) else None for _, row in kept],
                               type=pa.string())
    arrow = pa.table(table)
    cur.execute("DROP TABLE IF EXISTS src")
    cur.register("_workbook", arrow)
    try:
        cur.execute("CREATE TEMP TABLE src AS SELECT * FROM _workbook")
    finally:
        cur.unregister("_workbook")
    first_line = data.start[0] + header_at + 2 if data.start else header_at + 2
    return columns, len(kept), first_line, chosen


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen or n == "_row":
            seen[n] = seen.get(n, 0) + 1
            n = f"{n}_{seen[n]}"
        seen.setdefault(n, 0)
        out.append(n)
    return out
