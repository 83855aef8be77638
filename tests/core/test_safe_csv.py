"""Every CSV Curator writes opens in a spreadsheet without running a formula."""

import csv

from curator.cli import main
from curator.core.spreadsheet import safe_cell

from ..conftest import write
from .test_import_events import HEADER

HOSTILE = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\r=1"]


def rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def starts_a_formula(cell: str) -> bool:
    return cell[:1] in ("=", "+", "-", "@", "\t", "\r")


def test_cells_that_would_start_a_formula_are_shown_as_text():
    assert [safe_cell(v) for v in HOSTILE] == ["'" + v for v in HOSTILE]
    assert safe_cell("Haywain") == "Haywain" and safe_cell(-1.5) == -1.5


def test_recommendations_for_every_visitor_export_without_formulas(loaded, tmp_path, capsys):
    visitors = "".join(f"{v},A{1 + i % 3},view,,{1700000000 + i}\n"
                       for i, v in enumerate(["=cmd|' /C calc'!A0", "@evil", "plain"]))
    loaded.imports.events(write(tmp_path / "h.csv", HEADER.replace("user_id", "visitor")
                                + visitors))
    db = loaded.path
    loaded.close()
    out = tmp_path / "recs.csv"
    assert main(["--db", db, "recommend", "--all", "-k", "2", "--output", str(out)]) == 0
    cells = [c for r in rows(out)[1:] for c in r]
    assert cells and not any(starts_a_formula(c) for c in cells)
    assert "'=cmd|' /C calc'!A0" in cells and "plain" in cells


def test_rejected_rows_file_keeps_hostile_values_as_text(loaded, tmp_path):
    path = write(tmp_path / "h.csv", HEADER + "u1,=1+1,view,,1700000000\n"
                 "u2,A1,view,,1700000000\n")
    result = loaded.imports.events(path, skip_invalid=True).detail
    written = rows(result.rejects_path)
    assert written[1][3] == "'=1+1"
    assert not any(starts_a_formula(c) for r in written for c in r)
