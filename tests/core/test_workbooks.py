"""Excel and OpenDocument workbooks: a chosen sheet, the header found, the CSV path after."""

import datetime as dt
import zipfile
from xml.sax.saxutils import escape

import pytest

from curator.core.errors import CuratorError, ImportRejected

from ..conftest import snapshot

openpyxl = pytest.importorskip("openpyxl")


def xlsx(path, sheets):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def ods(path, rows):
    """A minimal OpenDocument spreadsheet, as LibreOffice writes its essentials."""
    def cell(v):
        if v is None:
            return "<table:table-cell/>"
        if isinstance(v, (int, float)):
            return (f'<table:table-cell office:value-type="float" office:value="{v}">'
                    f"<text:p>{v}</text:p></table:table-cell>")
        return f'<table:table-cell office:value-type="string"><text:p>{escape(v)}</text:p></table:table-cell>'
    body = "".join("<table:table-row>" + "".join(cell(v) for v in r) + "</table:table-row>"
                   for r in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Works">'
        f"{body}</table:table></office:spreadsheet></office:body></office:document-content>")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet",
                   compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", manifest)
    return path


EXPORT = [
    ["Collection export, printed 2024-05-01"],
    [],
    ["ObjectNumber", "Title", "Artist", "Date", "Medium", "Dimensions", "AcquisitionYear",
     "DateAcquired"],
    ["W1", "Storm", "Turner, J. M. W.", "c.1840-5", "Oil on canvas", "91 x 122 cm", 1856,
     dt.date(1956, 3, 1)],
    [],
    ["W2", "Hay", "Constable, John", 1821, "Oil on canvas", None, 1886.0,
     dt.datetime(1986, 1, 2, 10, 30)],
    ["W3", "Night", "Whistler", "someday", None, "20 cm", 1905, None],
]


def test_xlsx_imports_through_the_csv_path(catalog, tmp_path):
    path = xlsx(tmp_path / "export.xlsx", {"Notes": [["nothing here"]], "Works": EXPORT})
    result = catalog.imports.catalog(path, sheet="Works").detail
    assert (result.inserted, result.rejected, result.text_only_dates) == (3, 0, 1)
    storm = catalog.artworks.one("W1")
    assert (storm["title"], storm["artists"], storm["year_start"], storm["year_end"]) == (
        "Storm", ["J. M. W. Turner"], 1840, 1845)
    assert dict(storm["extra"]) == {"dimensions": "91 x 122 cm", "acquisition_year": "1856",
                                    "date_acquired": "1956-03-01"}
    hay = catalog.artworks.one("W2")
    assert (hay["date_text"], hay["year_start"]) == ("1821", 1821)  # a number cell, as text
    assert dict(hay["extra"]) == {"acquisition_year": "1886",
                                  "date_acquired": "1986-01-02 10:30:00"}
    # The row a spreadsheet shows: header on row 3, a blank row 5, "someday" on row 7.
    assert [(n.row, n.value) for n in result.notes] == [(7, "someday")]
    again = catalog.imports.catalog(path, sheet=2).detail
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)


def test_the_first_visible_sheet_is_read_and_the_preview_names_it(catalog, tmp_path):
    path = xlsx(tmp_path / "export.xlsx", {"Works": EXPORT, "Other": [["id"], ["X"]]})
    preview = catalog.imports.preview(path)
    assert preview["encoding"] == "workbook, sheet Works"
    assert preview["mapping"]["id"] == "ObjectNumber"
    assert preview["extra"]["date_acquired"] == "DateAcquired"
    assert preview["rows"] == 3


def test_a_bad_row_in_a_workbook_names_the_sheet_row(catalog, tmp_path):
    path = xlsx(tmp_path / "export.xlsx", {"Works": [*EXPORT, ["W1", "Again"]]})
    with pytest.raises(ImportRejected, match=r"export\.xlsx, row 8, field `ObjectNumber`: 'W1' "
                       r"appears more than once in this file \(first on row 4\)"):
        catalog.imports.catalog(path)
    assert catalog.counts()["artworks"] == 0


def test_unknown_sheet_and_damaged_workbook(catalog, tmp_path):
    before = snapshot(catalog)
    path = xlsx(tmp_path / "export.xlsx", {"Works": EXPORT})
    with pytest.raises(CuratorError, match=r"export\.xlsx has no sheet `Nope`; its sheets are Works"):
        catalog.imports.catalog(path, sheet="Nope")
    with pytest.raises(CuratorError, match=r"there is no sheet number 3"):
        catalog.imports.catalog(path, sheet=3)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(path.read_bytes()[:300])
    with pytest.raises(CuratorError, match=r"broken\.xlsx could not be read as a workbook"):
        catalog.imports.catalog(broken)
    assert snapshot(catalog) == before


def test_ods(catalog, tmp_path):
    path = ods(tmp_path / "export.ods", [["Inventory number", "Title", "Date", "Department"],
                                         ["O1", "Bowl", "1st century B.C.", "Glass"],
                                         ["O2", "Jug", 1750, "Ceramics"]])
    result = catalog.imports.catalog(path).detail
    assert result.inserted == 2
    assert catalog.artworks.one("O1")["year_start"] == -100
    assert catalog.artworks.one("O2")["date_text"] == "1750"
    assert dict(catalog.artworks.one("O2")["extra"]) == {"department": "Ceramics"}


def test_sheet_in_the_mapping_file(catalog, tmp_path):
    path = xlsx(tmp_path / "export.xlsx", {"Cover": [["About"]], "Works": EXPORT})
    mapping = tmp_path / "m.toml"
    mapping.write_text('[read]\nsheet = "Works"\n')
    assert catalog.imports.catalog(path, mapping=mapping).detail.inserted == 3
