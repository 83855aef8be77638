"""Bad input: a clear message naming file, row and field, and an unchanged database."""

import gzip

import pytest

from curator.core.errors import CuratorError, ImportRejected

from ..conftest import snapshot, write

HEADER = "accession_number,title,artist,date,image\n"

CATALOG_CASES = {
    "missing id": (HEADER + "B1,Fine,X,1900,\n,No id,Y,1901,\n", r"row 3, field `accession_number`: has no id"),
    "duplicate id": (HEADER + "B1,One,X,1900,\nB2,Two,X,1900,\nB1,Again,X,1900,\n",
                     r"row 4, field `accession_number`: 'B1' appears more than once in this file \(first on row 2\)"),
    "absolute image path": (HEADER + "B1,One,X,1900,/etc/passwd\n",
                            r"row 2, field `image`: '/etc/passwd' must be a file name inside"),
    "climbing image path": (HEADER + "B1,One,X,1900,../../secret.jpg\n",
                            r"row 2, field `image`: '../../secret.jpg' must be a file name inside"),
    "huge field": (HEADER + "B1," + "x" * 200_000 + ",X,1900,\n",
                   r"row 2, field `title`: .* is longer than 100,000 characters"),
}


@pytest.mark.parametrize("case", sorted(CATALOG_CASES))
def test_bad_catalog_rows_are_rejected_and_nothing_changes(loaded, tmp_path, case):
    text, message = CATALOG_CASES[case]
    before = snapshot(loaded)
    path = write(tmp_path / "bad.csv", text)
    with pytest.raises(ImportRejected, match=r"^bad\.csv, " + message) as info:
        loaded.imports.catalog(path)
    assert "the import was not applied" in str(info.value)
    assert snapshot(loaded) == before


FILE_CASES = {
    "empty file": (b"", r"bad\.csv is empty"),
    "header only": (HEADER.encode(), r"bad\.csv has no data rows"),
    "binary": (bytes(range(256)) * 40, r"bad\.csv is not a text, JSON, Parquet or workbook file"),
    "unbalanced quote": (HEADER.encode() + b'B1,"Unclosed,X,1900,\nB2,Two,X,1900,\n',
                         r"bad\.csv, line 2: a quoted field is never closed"),
    "ragged rows": (HEADER.encode() + b"B1,One,X,1900,,extra,extra\nB2,Two\n",
                    r"bad\.csv, line 2: the row does not have the 5 fields of the first row"),
    "no id column": (b"title,artist\nOne,X\n", r"bad\.csv has no id column"),
}


@pytest.mark.parametrize("case", sorted(FILE_CASES))
def test_unreadable_files_leave_the_database_unchanged(loaded, tmp_path, case):
    data, message = FILE_CASES[case]
    before = snapshot(loaded)
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    with pytest.raises(CuratorError, match=message):
        loaded.imports.catalog(path)
    assert snapshot(loaded) == before


def test_truncated_gzip(loaded, tmp_path):
    before = snapshot(loaded)
    whole = gzip.compress((HEADER + "B1,One,X,1900,\n" * 1000).encode())
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(CuratorError, match=r"cut\.csv\.gz is a damaged or truncated gzip"):
        loaded.imports.catalog(path)
    assert snapshot(loaded) == before


def test_skip_invalid_imports_the_rest_and_writes_rejects(loaded, tmp_path):
    path = write(tmp_path / "mixed.csv", HEADER + "B1,Good,X,whenever,\n,No id,Y,1901,\n"
                 "B2,Bad image,Z,1900,/etc/passwd\n")
    result = loaded.imports.catalog(path, skip_invalid=True).detail
    assert (result.inserted, result.rejected, result.text_only_dates) == (1, 2, 1)
    report = (tmp_path / "mixed.csv.rejects.csv").read_text().splitlines()
    assert report[0] == "file,row,field,value,reason"
    assert report[1].startswith("mixed.csv,3,accession_number,,has no id")
    assert report[2].startswith('mixed.csv,4,image,/etc/passwd,"must be a file name')
    ids = [r[0] for r in loaded.store.con.execute("SELECT id FROM artworks ORDER BY id").fetchall()]
    assert "B1" in ids and "B2" not in ids


def test_unknown_mapping_column_is_named(loaded, tmp_path):
    path = write(tmp_path / "c.csv", HEADER + "B1,One,X,1900,\n")
    mapping = write(tmp_path / "m.toml", '[columns]\ntitle = "naam"\n')
    with pytest.raises(CuratorError, match=r"c\.csv has no column `naam` \(mapped to `title`\)"):
        loaded.imports.catalog(path, mapping=mapping)


def test_broken_mapping_file(loaded, tmp_path):
    path = write(tmp_path / "c.csv", HEADER + "B1,One,X,1900,\n")
    mapping = write(tmp_path / "m.toml", "[columns\n")
    with pytest.raises(CuratorError, match=r"Mapping file m\.toml could not be read"):
        loaded.imports.catalog(path, mapping=mapping)


def test_dry_run_reports_every_reject_and_changes_nothing(loaded, tmp_path):
    before = snapshot(loaded)
    path = write(tmp_path / "mixed.csv", HEADER + "B1,Good,X,1900,\n,No id,Y,1901,\n"
                 "B2,Bad image,Z,whenever,../up.jpg\n")
    result = loaded.imports.catalog(path, dry_run=True).detail
    assert (result.inserted, result.rejected, result.batch_id) == (1, 2, None)
    assert [r.row for r in result.rejects] == [3, 4]
    assert result.text_only_dates == 0  # the rejected row's date is not counted
    assert snapshot(loaded) == before


def test_rejects_go_beside_the_database_not_a_read_only_source(tmp_path):
    from curator.core.catalog import Catalog

    share = tmp_path / "share"
    share.mkdir()
    path = write(share / "mixed.csv", HEADER + "B1,Good,X,1900,\n,No id,Y,1901,\n")
    share.chmod(0o555)
    try:
        with Catalog(tmp_path / "db" / "cat.duckdb") as cat:
            result = cat.imports.catalog(path, skip_invalid=True).detail
            assert (result.inserted, result.rejected) == (1, 1)
            assert result.rejects_path == str(tmp_path / "db" / "mixed.csv.rejects.csv")
            assert "has no id" in (tmp_path / "db" / "mixed.csv.rejects.csv").read_text()
            chosen = tmp_path / "reports" / "r.csv"
            again = cat.imports.events(write(tmp_path / "h.csv", "user,artwork,ts\nu,B1,2020-01-01\n"
                                            "u,NOPE,2020-01-01\n"), skip_invalid=True,
                                      rejects=chosen).detail
            assert again.rejects_path == str(chosen) and "NOPE" in chosen.read_text()
    finally:
        share.chmod(0o755)
    assert list(share.iterdir()) == [path]


def test_cli_rejects_option(tmp_path, capsys):
    from curator.cli import main

    path = write(tmp_path / "mixed.csv", HEADER + "B1,Good,X,someday,\n,No id,Y,1901,\n")
    out = tmp_path / "out" / "rej.csv"
    code = main(["--db", str(tmp_path / "c.duckdb"), "import-catalog", str(path), "--no-embed",
                 "--skip-invalid", "--rejects", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "1 dates kept as text only" in printed and str(out) in printed
    assert out.read_text().splitlines()[1].startswith("mixed.csv,3,accession_number")
    assert "someday" in (tmp_path / "out" / "mixed.csv.dates.csv").read_text()
