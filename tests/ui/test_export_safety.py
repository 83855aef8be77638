"""The import wizard's export of rejected rows is safe to open in a spreadsheet."""

import csv

from curator.core.errors import Reject
from curator.ui.importer.wizard import export_rejects


def test_wizard_export_neutralises_formulas(tmp_path):
    out = tmp_path / "rejects.csv"
    export_rejects(out, [Reject("f.csv", 2, "title", "=HYPERLINK(\"x\")", "is odd"),
                         Reject("f.csv", 3, "id", "@A1", "is odd")])
    with open(out, newline="", encoding="utf-8") as handle:
        values = [r[3] for r in list(csv.reader(handle))[1:]]
    assert values == ["'=HYPERLINK(\"x\")", "'@A1"]
