"""Writing a CSV file a spreadsheet can open safely.

A spreadsheet runs a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a formula (and
tab or carriage return can hide one), so a visitor id or a title in an export could run a
formula on a curator's machine. Such text cells are written with a leading apostrophe,
which spreadsheets show as plain text. Numbers are written as they are. Every CSV Curator
writes goes through :func:`write_csv`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``value`` as a spreadsheet should see it: text that could start a formula neutralised."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(path: str | Path, columns: Sequence[str], rows: Iterable[Sequence[object]]
              ) -> Path:
    """Write ``columns`` then ``rows`` (sequences in column order) to ``path`` as UTF-8 CSV."""
    path = Path(path)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([safe_cell(c) for c in columns])
        for row in rows:
            writer.writerow([safe_cell(v) for v in row])
    return path
