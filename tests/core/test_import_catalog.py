import gzip
import json

import pytest

from curator.core.importing.mapping import Mapping

from ..conftest import SMALL_CATALOG, snapshot, write


def rows(cat, sql="SELECT id, title, artists, year_start, year_end, tags FROM artworks ORDER BY id"):
    return cat.store.con.execute(sql).fetchall()


def test_csv_import_maps_common_names(loaded):
    got = rows(loaded)
    assert got[0] == ("A1", "Storm at Sea", ["Joseph Mallord William Turner"], 1840, 1845,
                      ["sea", "ship", "storm"])
    assert got[2][3:5] == (1870, 1879)          # 1870s
    assert got[3][3:5] == (1800, 1899)          # 19th century
    assert got[3][5] == []                      # empty tag cell
    assert loaded.counts()["artworks"] == 4


def test_record_keeps_the_original_row(loaded):
    record = json.loads(rows(loaded, "SELECT record FROM artworks WHERE id = 'A2'")[0][0])
    assert record["artist"] == "Constable, John"
    assert record["date"] == "1821"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252"])
def test_encodings_are_detected(catalog, tmp_path, encoding):
    text = SMALL_CATALOG.replace("Storm at Sea", "Tempête – “Storm” at Sea")
    path = write(tmp_path / "enc.csv", text, encoding)
    catalog.imports.catalog(path)
    assert rows(catalog)[0][1] == "Tempête – “Storm” at Sea"


def test_cp1252_bytes_late_in_the_file_are_read(catalog, tmp_path):
    lines = ["accession_number,title"] + [f"X{i},Plain title {i}" for i in range(5000)]
    lines.append("X9999,Caf\u00e9 \u201cle d\u00e9jeuner\u201d")
    path = tmp_path / "late.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    catalog.imports.catalog(path)
    title = rows(catalog, "SELECT title FROM artworks WHERE id = 'X9999'")[0][0]
    assert title == "Caf\u00e9 \u201cle d\u00e9jeuner\u201d"


@pytest.mark.parametrize("delimiter", ["\t", ";", "|"])
def test_delimiters_are_detected(catalog, tmp_path, delimiter):
    lines = ["accession_number,title,artist,date", "A1,Storm,Turner,1840", "A2,Hay,Constable,1821",
             "A3,Night,Whistler,1870s"]
    path = write(tmp_path / "cat.txt", "\n".join(x.replace(",", delimiter) for x in lines))
    catalog.imports.catalog(path)
    assert rows(catalog)[1][:4] == ("A2", "Hay", ["Constable"], 1821)


def _records():
    return [
        {"acno": "T1", "title": "Sea", "contributors": [{"fc": "J. M. W. Turner", "role": "artist"}],
         "dateText": "1805", "subjects": {"name": "subject", "children": [
             {"name": "nature", "children": [{"name": "water", "children": [
                 {"name": "sea"}, {"name": "waves"}]}]}]}},
        {"acno": "T2", "title": "Hill", "contributors": [], "dateText": "date not known",
         "subjects": None},
    ]


def test_json_lines_flatten_subject_trees_and_contributors(catalog, tmp_path):
    path = tmp_path / "art.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for r in _records():
            fh.write(json.dumps(r) + "\n")
    catalog.imports.catalog(path)
    assert rows(catalog) == [("T1", "Sea", ["J. M. W. Turner"], 1805, 1805, ["sea", "waves"]),
                             ("T2", "Hill", [], None, None, [])]


def test_json_array(catalog, tmp_path):
    path = write(tmp_path / "art.json", json.dumps(_records()))
    catalog.imports.catalog(path)
    assert catalog.counts()["artworks"] == 2


def test_parquet(catalog, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"object_number": ["P1", "P2"], "title": ["One", "Two"],
                      "keywords": [["a", "b"], ["c"]], "year": [1900, 1950]})
    pq.write_table(table, tmp_path / "art.parquet")
    catalog.imports.catalog(tmp_path / "art.parquet")
    assert rows(catalog) == [("P1", "One", None, 1900, 1900, ["a", "b"]),
                             ("P2", "Two", None, 1950, 1950, ["c"])]


def test_explicit_mapping_file(catalog, tmp_path):
    path = write(tmp_path / "odd.csv", "ref;naam;maker\nZ1;Zee;Mesdag\n")
    mapping = write(tmp_path / "map.toml", '[columns]\nid = "ref"\ntitle = "naam"\n'
                                           'artists = "maker"\n[read]\ndelimiter = ";"\n')
    catalog.imports.catalog(path, mapping=mapping)
    assert rows(catalog)[0][:3] == ("Z1", "Zee", ["Mesdag"])


def test_reimporting_the_same_file_changes_nothing(loaded, small_catalog_file):
    before = snapshot(loaded)
    result = loaded.imports.catalog(small_catalog_file).detail
    assert (result.inserted, result.updated, result.unchanged) == (0, 0, 4)
    assert result.batch_id is None
    assert snapshot(loaded) == before


def test_edited_file_updates_only_changed_artworks(loaded, tmp_path):
    hashes = dict(rows(loaded, "SELECT id, content_hash FROM artworks"))
    edited = SMALL_CATALOG.replace("The Haywain", "The Hay Wain").replace(
        "A4,Untitled", "A5,New work,Someone,1999,Video,\nA4,Untitled")
    result = loaded.imports.catalog(write(tmp_path / "edited.csv", edited)).detail
    assert (result.inserted, result.updated, result.unchanged) == (1, 1, 3)
    after = dict(rows(loaded, "SELECT id, content_hash FROM artworks"))
    assert [k for k in hashes if hashes[k] != after[k]] == ["A2"]
    versions = rows(loaded, "SELECT id, previous IS NULL FROM artwork_versions "
                            f"WHERE batch_id = {result.batch_id} ORDER BY id")
    assert versions == [("A2", False), ("A5", True)]


def test_fields_a_file_does_not_have_are_kept(loaded, tmp_path):
    flat = write(tmp_path / "flat.csv", "accession_number,title\nA1,Storm at Sea\n")
    result = loaded.imports.catalog(flat).detail
    assert result.updated == 0
    assert rows(loaded)[0][5] == ["sea", "ship", "storm"]


def test_progress_is_reported(catalog, small_catalog_file):
    seen = []
    catalog.imports.catalog(small_catalog_file, progress=lambda d, t, m: seen.append((d, t)))
    assert seen[0][0] == 0 and seen[-1][0] == seen[-1][1]


@pytest.mark.parametrize("text,start,end", [
    ("1805", 1805, 1805), ("c.1830–41", 1830, 1841), ("1798–5", 1798, 1805),
    ("1890s", 1890, 1899), ("c. 1890s", 1890, 1899), ("19th century", 1800, 1899),
    ("late 18th C", 1700, 1799), ("published 1833", 1833, 1833), ("1786 or 1800", 1786, 1786),
    ("date not known", None, None), ("no date", None, None), ("c.18799–1802", 1802, 1802),
])
def test_date_texts_a_curator_writes(catalog, tmp_path, text, start, end):
    path = write(tmp_path / "d.csv", f'accession_number,dateText\nD1,"{text}"\n')
    catalog.imports.catalog(path)
    assert rows(catalog, "SELECT year_start, year_end FROM artworks")[0] == (start, end)


def test_mapping_object_can_set_constants(catalog, small_catalog_file):
    catalog.imports.catalog(small_catalog_file, mapping=Mapping(constants={"classification": "painting"}))
    assert {r[0] for r in rows(catalog, "SELECT classification FROM artworks")} == {"painting"}


# Every date text is kept verbatim; years are filled when the text can be read.
@pytest.mark.parametrize("text,start,end", [
    ("ca. 1900-1910", 1900, 1910),
    ("before 1850", None, 1850),
    ("after 1850", 1850, None),
    ("1st century B.C.", -100, -1),
    ("3rd century BCE", -300, -201),
    ("500 BC", -500, -500),
    ("2nd century", 100, 199),
    ("Edo period (1615-1868)", 1615, 1868),
    ("1976-77", 1976, 1977),
    ("(newspaper published c1993-94)", 1993, 1994),
    ("1999-05-12", 1999, 1999),
    ("1970-01-01", 1970, 1970),
    ("1970-01-01T12:00:00Z", 1970, 1970),
    ("1929-1928", 1928, 1929),
])
def test_readable_date_forms(catalog, tmp_path, text, start, end):
    path = write(tmp_path / "d.csv", f'accession_number,dateText\nD1,"{text}"\n')
    result = catalog.imports.catalog(path).detail
    assert result.inserted == 1 and result.text_only_dates == 0
    assert rows(catalog, "SELECT date_text, year_start, year_end FROM artworks")[0] == (
        text, start, end)


@pytest.mark.parametrize("text,counted", [
    ("n.d.", False), ("undated", False), ("date not known", False),
    ("sometime, maybe", True), ("Meiji era", True), ("2999", True),
])
def test_dates_kept_as_text_only(catalog, tmp_path, text, counted):
    path = write(tmp_path / "d.csv", f'accession_number,dateText\nD1,"{text}"\nD2,1900\n')
    result = catalog.imports.catalog(path).detail
    assert (result.inserted, result.rejected) == (2, 0)
    assert rows(catalog, "SELECT date_text, year_start, year_end FROM artworks WHERE id = 'D1'"
                )[0] == (text, None, None)
    assert result.text_only_dates == int(counted)
    if counted:
        assert [(n.row, n.field, n.value) for n in result.notes] == [(2, "dateText", text)]
        assert "1 dates kept as text only" in result.summary()
    else:
        assert result.notes == () and "text only" not in result.summary()


def test_reversed_range_is_swapped_with_a_note(catalog, tmp_path):
    path = write(tmp_path / "d.csv", 'accession_number,date\nD1,1929-1928\n')
    result = catalog.imports.catalog(path).detail
    assert result.swapped_dates == 1 and result.text_only_dates == 0
    assert result.notes[0].reason == ("the year range ends before it starts; read as 1928-1929")
    assert "1 year ranges read in swapped order" in result.summary()


def test_text_only_dates_are_listed_beside_the_database(catalog, tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    lines = ["accession_number,date"] + [f"D{i},{d}" for i, d in enumerate(
        ["1900", "someday", "n.d.", "Meiji era", "1805"])]
    path = write(source / "d.csv", "\n".join(lines) + "\n")
    result = catalog.imports.catalog(path).detail
    assert result.inserted == 5 and result.text_only_dates == 2
    listed = (tmp_path / "d.csv.dates.csv").read_text().splitlines()
    assert listed == ["file,row,field,value,reason",
                      "d.csv,3,date,someday,kept as text only: no years could be read from it",
                      "d.csv,5,date,Meiji era,kept as text only: no years could be read from it"]
    assert str(tmp_path / "d.csv.dates.csv") in result.summary()


def test_a_dry_run_lists_text_only_dates_and_writes_nothing(catalog, tmp_path):
    path = write(tmp_path / "d.csv", "accession_number,date\nD1,someday\n")
    result = catalog.imports.catalog(path, dry_run=True).detail
    assert result.text_only_dates == 1 and result.notes[0].value == "someday"
    assert not (tmp_path / "d.csv.dates.csv").exists()
    assert catalog.counts()["artworks"] == 0


def test_columns_named_like_sql_variables_are_kept_as_extra_fields(loaded, tmp_path):
    """A real export (MovieLens' u.item with its header-like first line) had columns named
    `x` and `y`; a column may be named like anything the import's SQL uses internally."""
    names = ["x", "k", "v", "entry", "cur_entry", "rec", "_row", "value"]
    header = "accession_number,title," + ",".join(names)
    path = write(tmp_path / "odd.csv", header + "\nZ1,Odd," + ",".join(
        str(n) for n in range(len(names))) + "\n")
    result = loaded.imports.catalog(path).detail
    assert result.inserted == 1 and result.rejected == 0
    extra = dict(loaded.artworks.one("Z1")["extra"])
    assert extra["x"] == "0" and extra["entry"] == "3" and extra["cur_entry"] == "4"


def test_an_engine_fault_is_not_reported_as_a_damaged_file():
    import duckdb

    from curator.core.integrity import database_error

    binder = database_error("gallery.duckdb", duckdb.BinderException("Binder Error: oops"))
    assert "not damaged" in binder and "changed nothing" in binder
    io = database_error("gallery.duckdb", duckdb.IOException("Corrupt database file"))
    assert "may be damaged" in io
